"""The testing app's pages, one module per area (set-up, executions, issues, gates, reports)."""
