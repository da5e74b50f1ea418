from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "busbar.programmes"
    label = "programmes"
    verbose_name = "Programme governance"

    def ready(self) -> None:
        from busbar.lib.registry import api_router, demo_loader, nav_entry, notification_kind, timeline_only
        from busbar.programmes import queries
        from busbar.programmes.api import AREAS
        from busbar.records.registry import RecordType, register

        register(
            RecordType(
                kind="raid_item",
                prefix="RAID",
                label="RAID item",
                model="programmes.RaidItem",
                visible_to=queries.raid_visible_to,
                works_on=queries.raid_works_on,
                changes_by=queries.raid_changes_by,
                url_name="programmes_raid_detail",
                timeline_rules=queries.RAID_TIMELINE,
            )
        )
        register(
            RecordType(
                kind="programme_cr",
                prefix="PCR",
                label="Programme change request",
                model="programmes.ChangeRequest",
                visible_to=queries.cr_visible_to,
                works_on=queries.cr_works_on,
                changes_by=queries.cr_changes_by,
                url_name="programmes_cr_detail",
                timeline_rules=queries.CR_TIMELINE,
            )
        )
        nav_entry("Programmes", "programmes_home", order=45, group="programmes")
        for order, (name, router) in enumerate(AREAS, start=80):
            api_router(f"programmes-{name}", router, order=order)
        demo_loader("busbar.programmes.demo:load", order=60)
        timeline_only("programmes", "raiditem")
        timeline_only("programmes", "changerequest")
        notification_kind("programmes.raid", "RAID items my organisation owns")
        notification_kind("programmes.action", "Actions my organisation owns")
        notification_kind("programmes.cr", "Change requests issued for impact assessment")
        notification_kind("programmes.assessment", "Readiness assessments to answer")
