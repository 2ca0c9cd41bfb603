// The Services module: the payment system's actors; see ../shared/DESIGN.md.
