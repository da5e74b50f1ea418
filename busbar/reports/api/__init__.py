"""The reporting API (``/api/v1/kpis``, ``/api/v1/service-levels``, ``/api/v1/service-reports``,
``/api/v1/kpi-returns``): each module adds its endpoints to a router of its own, mounted here."""

from ninja import Router

from busbar.reports.api import agreements, kpis, returns, service_reports

router = Router(tags=["service levels and reports"])

for _area in (kpis, agreements, service_reports, returns):
    router.add_router("", _area.router)

__all__ = ["router"]
