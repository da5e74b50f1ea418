from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "busbar.orders"
    label = "orders"
    verbose_name = "Communications-hub orders and returns"

    def ready(self) -> None:
        from busbar.orders import registrations

        registrations.register_all()
