from django.apps import AppConfig


def _home_panel(request, kind: str):
    from busbar.knowledge.views import home_panel

    return home_panel(request, kind)


class KnowledgeConfig(AppConfig):
    name = "busbar.knowledge"
    label = "knowledge"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from busbar.knowledge import queries, suggest
        from busbar.knowledge.api import router
        from busbar.lib.registry import (
            api_router,
            demo_loader,
            home_panel,
            nav_entry,
            notification_kind,
            timeline_only,
        )
        from busbar.records.registry import RecordType, register, suggester

        register(
            RecordType(
                kind="article",
                prefix="KB",
                label="Knowledge article",
                model="knowledge.Article",
                visible_to=queries.visible_to,
                works_on=queries.works_on,
                url_name="article_detail",
                timeline_rules=queries.TIMELINE,
            )
        )
        suggester("incident", suggest.articles)
        nav_entry("Knowledge", "article_list", order=25)
        home_panel(
            "knowledge",
            kinds={"desk", "provider", "participant"},
            template="knowledge/_home.html",
            context=_home_panel,
            order=30,
        )
        api_router("knowledge", router, order=62)
        demo_loader("busbar.knowledge.demo:load", order=35)
        timeline_only("knowledge", "article")
        notification_kind("article.review", "Knowledge articles to review, or sent back to me")
        notification_kind("article.update", "Changes to knowledge articles I wrote or watch")
        notification_kind("article.feedback", "Irregularities reported on my articles, and answers to mine")
