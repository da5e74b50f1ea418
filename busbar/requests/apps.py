from django.apps import AppConfig


class RequestsConfig(AppConfig):
    name = "busbar.requests"
    label = "requests"
    verbose_name = "Service requests and catalogue"

    def ready(self) -> None:
        from busbar.requests import registrations

        registrations.register_all()
