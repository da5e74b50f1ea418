"""Every state change of service level management, one module per area (agreements, service reports,
KPI returns); import the module you need, e.g. ``from busbar.reports.actions import agreements``."""
