"""Every change to a subsidy claim, one module per subject: filing (`class_claims`,
`employer_claims`, `filing`), its lines and their quotes (`lines`, `recompute`, `data_lock`),
`materials`, `drafts`, the `review` of its lines, and its `lifecycle`. Who may act is
apps.claims.permissions; who is told, `notices`."""
