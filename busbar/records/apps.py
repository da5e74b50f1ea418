from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "busbar.records"
    label = "records"
    verbose_name = "Records"

    def ready(self) -> None:
        from busbar.lib.registry import api_router
        from busbar.records.api import router
        from busbar.records.inbox_api import router as inbox_router

        api_router("records", router, order=55)
        api_router("inbox", inbox_router, order=56)
