// The Ledger module; see ../shared/DESIGN.md.
