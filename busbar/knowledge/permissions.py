"""Who may do what to an article: the only place these rules live (seed 001 §9, PM-08 to PM-12).

Providers write the known issues and workarounds of the services they run; the service desk writes
articles too, reviews every article before it is published and feeds back irregularities; anyone who
reads an article may say whether it helped and report what is wrong with it. A version is published by
someone other than its author (four eyes: the knowledge is "validated", PM-09).
``can_<verb>(scope, article)`` answers None (allowed) or the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from busbar.knowledge.models import Article, ArticleVersion
    from busbar.parties.models import Organisation
    from busbar.parties.queries import Scope


def is_owner(scope: Scope, article: Article) -> bool:
    """A resolver of the provider that owns (keeps current) the article."""
    return article.owner_id in scope.resolver_for


def is_worker(scope: Scope, article: Article) -> bool:
    return scope.is_desk or is_owner(scope, article)


def can_write(scope: Scope) -> str | None:
    if scope.is_desk or scope.is_resolver:
        return None
    return "Only the service desk and providers write knowledge articles"


def can_write_for(scope: Scope, owner: Organisation) -> str | None:
    """The desk names any owner; a provider writes articles its organisation keeps."""
    if scope.is_desk or owner.pk in scope.resolver_for:
        return None
    return "A provider writes articles for its own organisation; the desk can name another owner"


def can_edit(scope: Scope, article: Article) -> str | None:
    """Draft the next version, change the details (service, audience, keywords), submit for review."""
    if is_worker(scope, article):
        return None
    return "Only the service desk or the provider that owns the article can change it"


def can_review(scope: Scope, article: Article, version: ArticleVersion | None = None) -> str | None:
    """Publish a version in review, or send it back to its author."""
    if not scope.is_desk:
        return "Only the service desk reviews and publishes articles"
    if version is not None and version.author_id is not None and version.author_id == scope.user_id:
        return "You wrote this version: another member of the service desk reviews it"
    return None


def can_retire(scope: Scope, article: Article) -> str | None:
    return can_edit(scope, article)


def can_reinstate(scope: Scope, article: Article) -> str | None:
    return None if scope.is_desk else "Only the service desk puts a retired article back"


def can_note(scope: Scope, article: Article) -> str | None:
    """Review notes between the author and the desk."""
    return can_edit(scope, article)


def can_vote(scope: Scope, article: Article) -> str | None:
    """Anyone who reads a published article (the caller has checked they see it)."""
    if not scope.is_authenticated:
        return "Sign in first"
    return None


def can_report(scope: Scope, article: Article) -> str | None:
    """Report an irregularity: anyone who reads it, the desk above all (PM-08)."""
    return can_vote(scope, article)


def can_handle_report(scope: Scope, article: Article) -> str | None:
    if is_worker(scope, article):
        return None
    return "Only the service desk or the article's owner handles reports on it"


def available(scope: Scope, article: Article) -> list[str]:
    """What ``scope`` is offered on ``article`` now: these rules, in the states the tables allow."""
    from busbar.knowledge.models import TRANSITIONS, Status, VersionState

    working = article.working_version
    allowed = TRANSITIONS.get(article.status, set())
    in_draft = working is not None and working.state == VersionState.DRAFT
    in_review = working is not None and working.state == VersionState.REVIEW
    offers = [
        ("edit", article.status != Status.RETIRED, can_edit(scope, article)),
        ("details", article.status != Status.RETIRED, can_edit(scope, article)),
        ("submit", in_draft, can_edit(scope, article)),
        ("request-changes", in_review, can_review(scope, article, working)),
        ("publish", in_review, can_review(scope, article, working)),
        ("discard", in_draft and article.status == Status.PUBLISHED, can_edit(scope, article)),
        ("retire", Status.RETIRED in allowed, can_retire(scope, article)),
        (
            "reinstate",
            Status.PUBLISHED in allowed and article.published_version_id is not None,
            can_reinstate(scope, article),
        ),
        ("note", article.status != Status.RETIRED, can_note(scope, article)),
        ("vote", article.status == Status.PUBLISHED, can_vote(scope, article)),
        ("report", article.status == Status.PUBLISHED, can_report(scope, article)),
    ]
    return [verb for verb, state_allows, reason in offers if state_allows and reason is None]
