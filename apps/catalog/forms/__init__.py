"""Forms of the catalogue pages (catalogue) and of the quote page (quote)."""
