"""Claim pages, one module per subject: the list and what every claim page shares (claims), the
claim page (detail), filing and editing (filing), the district's review (review), materials."""
