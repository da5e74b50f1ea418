from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "busbar.events"
    label = "events"
    verbose_name = "Monitoring events"

    def ready(self) -> None:
        from django.conf import settings

        from busbar.events.api import router
        from busbar.lib.registry import api_router, body_limit, demo_loader, nav_entry

        nav_entry(
            "Events",
            "event_list",
            order=12,
            show=lambda scope: scope.is_central or scope.is_resolver,
            group="desk",
        )
        api_router("events", router, order=62)
        body_limit("/api/v1/events", settings.BUSBAR_EVENT_BATCH_MAX_BYTES)
        demo_loader("busbar.events.demo:load", order=40)
