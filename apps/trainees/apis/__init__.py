"""The same services over DRF, one module per subject."""
