from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "busbar.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from busbar.audit.api import router
        from busbar.lib.registry import api_router

        api_router("audit", router, order=30)
