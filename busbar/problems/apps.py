from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "busbar.problems"
    label = "problems"
    verbose_name = "Problems"

    def ready(self) -> None:
        from busbar.lib.registry import api_router, demo_loader, nav_entry, notification_kind, timeline_only
        from busbar.problems import queries, suggest
        from busbar.problems.api import router
        from busbar.records.registry import RecordType, register, suggester

        register(
            RecordType(
                kind="problem",
                prefix="PRB",
                label="Problem",
                model="problems.Problem",
                visible_to=queries.visible_to,
                works_on=queries.works_on,
                url_name="problem_detail",
                timeline_rules=queries.TIMELINE,
            )
        )
        suggester("incident", suggest.known_problems)
        nav_entry("Problems", "problem_list", order=20, group="desk")
        api_router("problems", router, order=61)
        demo_loader("busbar.problems.demo:load", order=30)
        timeline_only("problems", "problem")
        notification_kind("problem.new", "New problems on the services I work on")
        notification_kind("problem.workaround", "Workarounds and fixes for problems behind my incidents")
        notification_kind("problem.update", "Updates to problems I watch")
