from django.apps import AppConfig


class MigrationConfig(AppConfig):
    name = "busbar.migration"
    label = "migration"
    verbose_name = "Qualification and migration"

    def ready(self) -> None:
        from busbar.migration import registrations

        registrations.register_all()
