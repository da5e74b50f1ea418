"""Background work of service level management, one module per area: ``facts`` (KPI facts and
aggregates), ``monthly`` (monthly service reports), ``returns`` (KPI returns due and chased)."""
