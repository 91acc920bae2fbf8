"""Claims over HTTP, one module per subject: the list and the claim (claims), creating and editing
(filing), the review (review), materials."""
