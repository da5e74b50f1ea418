from django.apps import AppConfig


def _incident_panel(request, incident):
    from busbar.triage.views import incident_panel

    return incident_panel(request, incident)


class TriageConfig(AppConfig):
    name = "busbar.triage"
    label = "triage"
    verbose_name = "Scripted triage"

    def ready(self) -> None:
        from busbar.lib.registry import api_router, demo_loader, nav_entry, timeline_only
        from busbar.records.registry import page_panel
        from busbar.triage.api import router

        nav_entry(
            "Triage",
            "triage_scripts",
            order=26,
            show=lambda scope: scope.is_central or scope.is_resolver,
            group="desk",
        )
        page_panel(
            "incident", "triage", template="triage/_incident_panel.html", context=_incident_panel, order=20
        )
        api_router("triage", router, order=63)
        demo_loader("busbar.triage.demo:load", order=40)
        timeline_only("triage", "triagerun")
