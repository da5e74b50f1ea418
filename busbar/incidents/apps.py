from django.apps import AppConfig


def _home_panels(request, kind: str):
    from busbar.incidents.views import home_panels

    return home_panels(request, kind)


def _home_figures(request, kind: str):
    from busbar.incidents.figures import figures

    return figures(request.user, kind)


class IncidentsConfig(AppConfig):
    name = "busbar.incidents"
    label = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from busbar.incidents import queries, search, sla, tasks
        from busbar.incidents.api import router
        from busbar.incidents.models import OPEN_STATUSES
        from busbar.lib.registry import (
            api_router,
            demo_loader,
            home_panel,
            nav_entry,
            notification_kind,
            sla_user,
            timeline_only,
        )
        from busbar.lib.taskcontext import periodic
        from busbar.records.registry import RecordType, register

        register(
            RecordType(
                kind="incident",
                prefix="INC",
                label="Incident",
                model="incidents.Incident",
                visible_to=queries.visible_to,
                works_on=queries.sees_internal,
                url_name="incident_detail",
                sla_basis=sla.basis,
                email_replies=True,
                entry_added=lambda record: search.index(record.pk),
                mention_parties=queries.mention_parties,
            )
        )
        nav_entry("Incidents", "incident_list", order=10)
        nav_entry("Major incidents", "major_list", order=11, show=lambda scope: scope.is_desk, group="desk")
        for kind in ("desk", "provider", "participant"):
            home_panel(
                f"incidents-{kind}",
                kinds={kind},
                template=f"incidents/home_{kind}.html",
                context=_home_panels,
                order=10,
            )
        # The desk's figures (and a provider's, for its own incidents): busbar.incidents.figures.
        home_panel(
            "incidents-figures",
            kinds={"desk", "provider"},
            template="incidents/_home_figures.html",
            context=_home_figures,
            order=5,
        )
        api_router("incidents", router, order=60)
        demo_loader("busbar.incidents.demo:load", order=20)
        sla_user(
            "incident",
            open_on_service=lambda service: service.incidents.filter(status__in=OPEN_STATUSES).count(),
            policy_changed=lambda policy_id: tasks.recompute_sla_for_policy.enqueue(policy_id),
        )
        timeline_only("incidents", "incident")
        notification_kind("incident.new", "New incidents raised (service desk)")
        notification_kind("incident.update", "Updates to incidents I raised or work on")
        notification_kind("incident.assigned", "Incidents assigned to my organisation")
        notification_kind("incident.sla", "SLA warnings and breaches")
        notification_kind("major_incident.bulletin", "Major-incident bulletins")
        timeline_only("incidents", "majorincident")
        from busbar.incidents.board import live_majors
        from busbar.services.status import impact_source

        impact_source("incidents", live_majors)
        periodic(tasks.scan_sla)
        periodic(tasks.remind_majors)
