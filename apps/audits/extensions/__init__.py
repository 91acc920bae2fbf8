"""What the audits add to the claims (registered with apps.claims.extensions): the claim page's
section (claim_page) and the review guard (review)."""
