"""Forms of the testing pages (shape only), one module per area."""
