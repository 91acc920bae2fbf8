"""Changes to the registry, rosters, attendance and results, one module per subject."""
