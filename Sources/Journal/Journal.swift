// The Journal module; see ../shared/DESIGN.md.
