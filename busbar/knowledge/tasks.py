"""Notifications about articles. Who is told is read when the task runs: each person only while they may
see the article (and, for review and reports, only while they still work it), one message each. What the
article is called and says in the email is captured by the action (``event_data``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django_tasks import task

from busbar.knowledge.models import Article, Irregularity
from busbar.parties.models import Membership, MembershipRole
from busbar.records import mail as record_mail
from busbar.records.queries import watcher_users


def _url(article: Article, suffix: str = "") -> str:
    return f"{settings.SITE_URL}/knowledge/{article.reference}/{suffix}"


def _people(**membership: object) -> list:
    members = Membership.objects.filter(is_active=True, organisation__is_active=True, **membership)
    return list(
        get_user_model().objects.filter(is_active=True, pk__in=members.values("user_id")).order_by("pk")
    )


def _unique(users: list) -> list:
    return list({u.pk: u for u in users if u is not None and u.is_active}.values())


def _seeing(users: list, article: Article, *, working: bool = False) -> list:
    from busbar.knowledge.queries import visible_to, works_on

    return [
        u
        for u in _unique(users)
        if visible_to(u).filter(pk=article.pk).exists() and (not working or works_on(u, article))
    ]


def _authors(article: Article, number: int) -> list:
    """Who wrote the article and the version in question, and the owning provider's resolvers."""
    version = article.versions.filter(number=number).select_related("author").first()
    owners = _people(organisation_id=article.owner_id, role=MembershipRole.RESOLVER)
    return [article.author, version.author if version else None, *owners]


def event_data(article: Article) -> dict[str, Any]:
    """The article as an email about an event on it describes it, captured by the action when the event
    happens (its title, summary or owner may change before the task runs)."""
    return {
        "reference": article.reference,
        "title": article.title,
        "summary": article.summary,
        "service": str(article.service) if article.service_id else "",
        "owner": str(article.owner) if article.owner_id else "",
    }


def _send(
    article: Article,
    event: dict[str, Any] | None,
    people: list,
    kind: str,
    template: str,
    context: dict,
    suffix: str = "",
) -> int:
    return record_mail.send(
        article.reference,
        _url(article, suffix),
        record_mail.addresses(people, kind),
        f"knowledge/email/{template}.txt",
        {"article": event or event_data(article), **context},
    )


@task()
def notify_article(article_id: int, what: str, number: int, event: dict[str, Any] | None = None) -> int:
    """``submitted`` (to the desk, who review), ``changes`` (to the authors), ``published`` (to the
    authors and watchers), ``retired`` (to watchers)."""
    article = Article.objects.select_related("record", "service", "owner", "author").get(pk=article_id)
    watchers = watcher_users(article)
    if what == "submitted":
        version = article.versions.filter(number=number).first()
        desk = _people(role__in=[MembershipRole.ANALYST])
        people = [u for u in desk if version is None or u.pk != version.author_id]
        return _send(
            article, event, _seeing(people, article, working=True), "article.review", what, {"number": number}
        )
    if what == "changes":
        people = _seeing(_authors(article, number), article, working=True)
        return _send(article, event, people, "article.review", what, {"number": number})
    if what == "published":
        people = _seeing([*_authors(article, number), *watchers], article)
        return _send(article, event, people, "article.update", what, {"number": number})
    return _send(article, event, _seeing(watchers, article), "article.update", what, {})


@task()
def notify_irregularity(report_id: int, what: str, event: dict[str, Any] | None = None) -> int:
    """``reported``: to the article's authors and owner (seed 001: feedback goes to the author);
    ``handled``: to the reader who reported it."""
    report = Irregularity.objects.select_related("article__owner", "article__author", "reported_by").get(
        pk=report_id
    )
    article = report.article
    if what == "reported":
        people = _seeing(_authors(article, report.version_number), article, working=True)
        people = [u for u in people if u.pk != report.reported_by_id]
    else:
        people = _seeing([report.reported_by], article)
    return _send(
        article, event, people, "article.feedback", f"irregularity_{what}", {"report": report}, "#feedback"
    )
