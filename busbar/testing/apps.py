from django.apps import AppConfig


class TestingConfig(AppConfig):
    name = "busbar.testing"
    label = "testing"
    verbose_name = "Test assurance"

    def ready(self) -> None:
        from busbar.lib.registry import api_router, demo_loader, nav_entry, notification_kind, timeline_only
        from busbar.records.registry import RecordType, register
        from busbar.testing import queries
        from busbar.testing.api import executions, gates, issues, reports, setup

        register(
            RecordType(
                kind="testing_issue",
                prefix="TIS",
                label="Testing issue",
                model="testing.TestingIssue",
                visible_to=queries.visible_to,
                works_on=queries.works_on,
                url_name="testing_issue_detail",
                timeline_rules=queries.TIMELINE,
                mention_parties=queries.mention_parties,
            )
        )
        nav_entry("Testing", "testing_home", order=40, group="programmes")
        api_router("testing-setup", setup.router, order=70)
        api_router("testing-executions", executions.router, order=71)
        api_router("testing-issues", issues.router, order=72)
        api_router("testing-gates", gates.router, order=73)
        api_router("testing-reports", reports.router, order=74)
        demo_loader("busbar.testing.demo:load", order=50)
        timeline_only("testing", "testingissue")
        notification_kind("testing_issue.new", "New testing issues in programmes I run or fix")
        notification_kind("testing_issue.update", "Changes to testing issues I raised, own or watch")
        notification_kind("testing.gate", "Gate decisions and conditions in my programmes")
