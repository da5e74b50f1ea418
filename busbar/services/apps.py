from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "busbar.services"
    label = "services"
    verbose_name = "Services"

    def ready(self) -> None:
        from busbar.lib.registry import api_router, demo_loader
        from busbar.services.api import router

        demo_loader("busbar.services.demo:load", order=10)
        api_router("services", router, order=40)
        from busbar.lib.registry import nav_entry

        nav_entry("Service status", "service_status", order=40)
        nav_entry(
            "Services & SLAs", "service_list", order=50, show=lambda scope: scope.is_central, group="admin"
        )
