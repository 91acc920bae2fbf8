"""Forms of the roster and attendance pages, one module per subject."""
