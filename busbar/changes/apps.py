from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "busbar.changes"
    label = "changes"
    verbose_name = "Change co-ordination"

    def ready(self) -> None:
        from busbar.changes import queries
        from busbar.records.registry import RecordType, register

        register(
            RecordType(
                kind="change",
                prefix="CHG",
                label="Change Notification",
                model="changes.ChangeNotification",
                visible_to=queries.visible_to,
                works_on=queries.works_on,
                url_name="change_detail",
                timeline_rules=queries.TIMELINE,
            )
        )
        from busbar.changes import registrations

        registrations.register_all()
