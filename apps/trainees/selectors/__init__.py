"""Reads of rosters and attendance, scoped to what the user may see, one module per subject."""
