"""The batch audit's rules: what it checks and in what words (catalogue), and the set-based SQL
that applies them (checks)."""
