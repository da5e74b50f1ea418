"""Forms and query parsing of the reporting pages (one module per area)."""
