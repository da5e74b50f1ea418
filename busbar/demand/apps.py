from django.apps import AppConfig


class DemandConfig(AppConfig):
    name = "busbar.demand"
    label = "demand"
    verbose_name = "Demand management"

    def ready(self) -> None:
        from busbar.demand import registrations

        registrations.register_all()
