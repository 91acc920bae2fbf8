"""Pages of rosters, attendance and results, one module per subject."""
