"""Who reads which articles, versions and feedback.

Published articles are read by their audience: every participant, participants whose organisation holds
one of the article's industry roles, or only the service desk and providers. The desk and providers
(staff: they answer participants with these articles) read every published article. Drafts, articles
in review and retired articles are read by those who work them: the desk and the owning provider.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from busbar.knowledge.models import (
    READABLE_STATES,
    Article,
    ArticleAudienceRole,
    ArticleVersion,
    Audience,
    Irregularity,
    Status,
)
from busbar.parties.models import OrganisationRole
from busbar.parties.queries import Scope, scope_for

#: How an article's history reads to those who do not work it (busbar.records.queries.redact_timeline).
TIMELINE = {
    "link_actions": frozenset({"article.link"}),
    "private_actions": frozenset(
        {"article.note", "article.edit", "article.request_changes", "article.submit", "article.discard"}
    ),
    "private_changes": frozenset({"author", "reviewed_by", "owner", "contributor"}),
    "public_notes": frozenset({"article.publish", "article.retire", "article.reinstate"}),
}


def is_staff(scope: Scope) -> bool:
    """The service desk (and the operator's other central roles) and the providers."""
    return scope.is_central or scope.is_resolver


def audience_q(scope: Scope) -> Q:
    """Published articles whose audience includes a participant with ``scope``."""
    own_roles = OrganisationRole.objects.filter(organisation_id__in=scope.organisation_ids).values("role")
    # Not correlated: the database reads the articles for the reader's roles once (a hashed semi-join),
    # rather than looking them up for each article a search matches.
    for_roles = ArticleAudienceRole.objects.filter(role__in=own_roles).values("article_id")
    return Q(status=Status.PUBLISHED) & (
        Q(audience=Audience.EVERYONE) | Q(audience=Audience.ROLES, pk__in=for_roles)
    )


def visible_to(user) -> QuerySet[Article]:
    scope = scope_for(user)
    # The search documents are for the database alone: never loaded.
    qs = Article.objects.select_related("record", "service").defer("search_vector", "summary_vector")
    if not scope.is_authenticated:
        return qs.none()
    if scope.is_central:
        return qs
    if scope.is_resolver:
        return qs.filter(Q(status=Status.PUBLISHED) | Q(owner_id__in=scope.resolver_for))
    return qs.filter(audience_q(scope))


def works_on(user, article: Article) -> bool:
    """The desk and the owning provider: they read drafts, review notes and every reader's report."""
    scope = scope_for(user)
    return scope.is_central or article.owner_id in scope.resolver_for


def versions_visible_to(user, article: Article) -> QuerySet[ArticleVersion]:
    """Every version once published; for those who work it, drafts and discarded ones too."""
    qs = ArticleVersion.objects.filter(article=article).order_by("-number")
    return qs if works_on(user, article) else qs.filter(state__in=READABLE_STATES)


def shown_version(user, article: Article) -> ArticleVersion | None:
    """The version a reader lands on: the published one; before the first publication (only those who
    work it see the article then) the working one."""
    return article.published_version or (article.working_version if works_on(user, article) else None)


def irregularities_visible_to(user, article: Article) -> QuerySet[Irregularity]:
    """Those who work the article read every report; a reader, their own."""
    qs = Irregularity.objects.filter(article=article).select_related(
        "reported_by", "reporter_organisation", "handled_by"
    )
    if works_on(user, article):
        return qs
    return qs.filter(reported_by_id=getattr(user, "pk", None)) if user.is_authenticated else qs.none()


def search_reference(text: str) -> str | None:
    """``KB12`` → ``KB0000012`` when ``text`` is an article reference, else None."""
    from busbar.records.registry import normalise

    reference = normalise(text)
    return reference if reference and reference.startswith("KB") else None
