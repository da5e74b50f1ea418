"""Every change to the knowledge base: one transaction each, refused by busbar.knowledge.permissions,
journalled, notifications queued on commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.knowledge import permissions, search, tasks
from busbar.knowledge.models import (
    IRREGULARITY_TRANSITIONS,
    TRANSITIONS,
    VERSION_TRANSITIONS,
    Article,
    ArticleAudienceRole,
    ArticleVersion,
    Audience,
    Irregularity,
    IrregularityState,
    Status,
    VersionState,
    Vote,
)
from busbar.lib.actions import ActionError, Actor, Conflict, action, check_transition, refuse
from busbar.lib.limits import LATEST_DATE, SHORT_TEXT, check_text
from busbar.lib.markdown import plain_text, render
from busbar.parties.models import OPERATOR_ROLES, IndustryRole, Organisation
from busbar.parties.queries import Scope, scope_of
from busbar.records import steps
from busbar.records.models import Entry
from busbar.services.models import Service

#: The longest article body, in characters (a long runbook fits; a dumped log file does not).
BODY_MAX = 100_000
SUMMARY_MAX = 300
KEYWORDS_MAX = 300
URL_MAX = 500
#: A published article is checked for currency after this many days unless its reviewer says otherwise.
REVIEW_AFTER_DAYS = 365
#: Keep what the caller did not name (for the details, which the API changes field by field).
KEEP: object = object()


def _lock(article: Article) -> Article:
    return (
        Article.objects.select_for_update(of=("self",))
        .select_related("record", "service", "working_version", "published_version")
        .get(pk=article.pk)
    )


def _journal(actor: Actor, article: Article, what: str, changes: dict | None = None, note: str = "") -> None:
    journal(
        actor=actor, action=f"article.{what}", obj=article, owner=article.owner, changes=changes, note=note
    )


def _save(article: Article, fields: Iterable[str], now: dt.datetime) -> None:
    article.updated_at = now
    article.save(update_fields=sorted({*fields, "updated_at"}))


def _version_to(version: ArticleVersion, target: str, article: Article) -> dict:
    current = version.state
    check_transition(
        VERSION_TRANSITIONS, current, target, what=f"Version {version.number} of {article.reference}"
    )
    version.state = target
    return {f"v{version.number}": [current, target]}


def _status(article: Article, target: str, *, same_ok: bool = False) -> dict:
    """Move ``article`` to ``target`` as the table allows (``same_ok``: already there is fine, as when a
    published article's next version is published)."""
    current = article.status
    if current == target and same_ok:
        return {}
    check_transition(TRANSITIONS, current, target, what=f"Article {article.reference}")
    article.status = target
    return {"status": [current, target]}


def _content(title: str, summary: str, body: str) -> tuple[str, str, str]:
    title, summary, body = title.strip(), " ".join(summary.split()), body.strip()
    if not title:
        raise ActionError("Give the article a title", field="title")
    check_text(title, field="title", limit=SHORT_TEXT)
    check_text(summary, field="summary", limit=SUMMARY_MAX)
    if not body:
        raise ActionError("Write the article", field="body")
    check_text(body, field="body", limit=BODY_MAX)
    return title, summary, body


def _fill(version: ArticleVersion, title: str, summary: str, body: str) -> None:
    version.title, version.summary, version.body = title, summary, body
    version.body_html = render(body)
    version.body_text = plain_text(body)


def _roles(audience: str, roles: Iterable[str]) -> list[str]:
    if audience not in Audience.values:
        raise ActionError(f"Unknown audience {audience!r}", field="audience")
    roles = sorted(set(roles))
    for index, role in enumerate(roles):
        if role not in IndustryRole.values:
            raise ActionError(f"Unknown industry role {role!r}", field=f"roles[{index}]")
    if audience == Audience.ROLES and not roles:
        raise ActionError("Choose the roles whose participants may read it", field="roles")
    return roles if audience == Audience.ROLES else []


def _url(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    check_text(value, field="external_url", limit=URL_MAX)
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ActionError("Give a web address starting http:// or https://", field="external_url") from None
    return value


def _keywords(value: str) -> str:
    value = " ".join(value.split())
    check_text(value, field="keywords", limit=KEYWORDS_MAX)
    return value


def _owner(actor: Actor, scope: Scope, owner: Organisation | None, service: Service | None) -> Organisation:
    """The named owner, or: a provider's own organisation (the service's provider if they resolve for
    it), the desk's organisation."""
    if owner is None:
        if service is not None and service.provider_id in scope.resolver_for:
            owner = service.provider
        elif scope.resolver_for and not scope.is_desk:
            owner = Organisation.objects.get(pk=min(scope.resolver_for))
        else:
            owner = actor.organisation
    if owner is None or not owner.is_active:
        raise ActionError("Name the organisation that keeps the article current", field="owner")
    if not (owner.is_provider or owner.role_codes & OPERATOR_ROLES):
        raise ActionError(f"{owner} is neither a provider nor the operator", field="owner")
    refuse(permissions.can_write_for(scope, owner), field="owner")
    return owner


def _set_roles(article: Article, roles: list[str]) -> None:
    ArticleAudienceRole.objects.filter(article=article).exclude(role__in=roles).delete()
    have = set(ArticleAudienceRole.objects.filter(article=article).values_list("role", flat=True))
    ArticleAudienceRole.objects.bulk_create(
        [ArticleAudienceRole(article=article, role=r) for r in roles if r not in have]
    )


def _reindex(article: Article) -> None:
    """The search document: the published version, or the working one before the first publication."""
    version = article.published_version or article.working_version
    if version is not None:
        search.index(article, version)


def _check_review_by(review_by: dt.date | None, now: dt.datetime) -> dt.date | None:
    if review_by is not None and not timezone.localdate(now) <= review_by <= LATEST_DATE:
        raise ActionError("The review date must be today or later", field="review_by")
    return review_by


@action
def create_article(
    *,
    actor: Actor,
    title: str,
    body: str,
    summary: str = "",
    service: Service | None = None,
    audience: str = Audience.EVERYONE,
    roles: Iterable[str] = (),
    owner: Organisation | None = None,
    contributor: Organisation | None = None,
    external_url: str = "",
    keywords: str = "",
    submit: bool = False,
    now: dt.datetime | None = None,
) -> Article:
    """A new article in draft (version 1), kept by ``owner``; ``submit`` sends it straight for review."""
    now = now or timezone.now()
    scope = scope_of(actor)
    refuse(permissions.can_write(scope))
    title, summary, body = _content(title, summary, body)
    role_list = _roles(audience, roles)
    if service is not None and not service.is_active:
        raise ActionError(f"{service} is not an active service", field="service")
    owner = _owner(actor, scope, owner, service)
    if contributor is not None and not contributor.is_active:
        raise ActionError(f"{contributor} is not an active organisation", field="contributor")
    kernel = steps.new_record("article", created_at=now)
    article = Article.objects.create(
        record=kernel,
        reference=kernel.reference,
        title=title,
        summary=summary,
        service=service,
        audience=audience,
        owner=owner,
        author=actor.user,
        contributor=contributor,
        external_url=_url(external_url),
        keywords=_keywords(keywords),
        created_at=now,
        updated_at=now,
    )
    _set_roles(article, role_list)
    version = ArticleVersion(
        article=article, number=1, author=actor.user, author_label=actor.label, created_at=now
    )
    _fill(version, title, summary, body)
    version.updated_at = now
    version.save()
    article.working_version = version
    article.save(update_fields=["working_version"])
    _journal(
        actor,
        article,
        "create",
        {
            "title": [None, title],
            "service": [None, str(service) if service else "All services"],
            "audience": [None, article.get_audience_display()],
            **({"roles": [None, ", ".join(role_list)]} if role_list else {}),
            "owner": [None, str(owner)],
        },
    )
    _reindex(article)
    if submit:
        _submit(actor, article, version, "", now)
    return article


@action
def revise_article(
    *,
    actor: Actor,
    article: Article,
    title: str,
    body: str,
    summary: str = "",
    change_note: str = "",
    submit: bool = False,
    now: dt.datetime | None = None,
) -> ArticleVersion:
    """Write the next version: the draft being worked on, or a new one from the published text. A version
    in review goes back to draft (it is no longer what the reviewer was asked to check); ``submit`` sends
    it for review in the same change."""
    now = now or timezone.now()
    article = _lock(article)
    refuse(permissions.can_edit(scope_of(actor), article))
    if article.status == Status.RETIRED:
        raise Conflict(f"{article.reference} is retired: the desk can put it back first", field="status")
    title, summary, body = _content(title, summary, body)
    change_note = " ".join(change_note.split())
    check_text(change_note, field="change_note", limit=SUMMARY_MAX)
    version = article.working_version
    changes: dict = {}
    if version is None:
        published = article.published_version
        if published is not None and (published.title, published.summary, published.body) == (
            title,
            summary,
            body,
        ):
            raise ActionError("Nothing to change: this is the published text", field="body")
        number = (article.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        version = ArticleVersion(
            article=article, number=number, author=actor.user, author_label=actor.label, created_at=now
        )
        changes["version"] = [None, number]
    elif (version.title, version.summary, version.body, version.change_note) == (
        title,
        summary,
        body,
        change_note,
    ):
        raise ActionError("Nothing to change", field="body")
    if version.pk is not None and version.state == VersionState.REVIEW:
        changes.update(_version_to(version, VersionState.DRAFT, article))
        changes.update(_status(article, Status.DRAFT) if article.status == Status.REVIEW else {})
    for field, new in (("title", title), ("summary", summary)):
        if getattr(version, field) != new:
            changes[field] = [getattr(version, field) or None, new]
    if version.body != body:
        changes["body"] = [None, f"{len(body):,} characters"]
    _fill(version, title, summary, body)
    version.change_note = change_note
    version.author, version.author_label = actor.user, actor.label
    version.updated_at = now
    version.save()
    article.working_version = version
    fields = ["working_version", "status"]
    if article.published_version_id is None:  # readers see nothing yet: the list shows the draft's title
        article.title, article.summary = title, summary
        fields += ["title", "summary"]
    _save(article, fields, now)
    _journal(actor, article, "edit", {**changes, "version": [None, version.number]}, note=change_note)
    if article.published_version_id is None:
        _reindex(article)
    if submit:
        _submit(actor, article, version, "", now)
    return version


def _submit(actor: Actor, article: Article, version: ArticleVersion, note: str, now: dt.datetime) -> None:
    changes = _version_to(version, VersionState.REVIEW, article)
    if article.status == Status.DRAFT:
        changes.update(_status(article, Status.REVIEW))
    version.submitted_at = now
    version.save(update_fields=["state", "submitted_at"])
    if note.strip():
        steps.add_entry(article.record, actor=actor, body=note, internal=True, now=now, field="note")
    _save(article, ["status"], now)
    _journal(actor, article, "submit", changes, note=note.strip()[:500])
    event = tasks.event_data(article)
    transaction.on_commit(
        lambda: tasks.notify_article.enqueue(article.pk, "submitted", version.number, event)
    )


@action
def submit_for_review(
    *, actor: Actor, article: Article, note: str = "", now: dt.datetime | None = None
) -> Article:
    """Ask the service desk to review the working version."""
    now = now or timezone.now()
    article = _lock(article)
    refuse(permissions.can_edit(scope_of(actor), article))
    version = article.working_version
    if version is None:
        raise Conflict(f"{article.reference} has no draft to submit: edit it first", field="status")
    check_text(note, field="note")
    _submit(actor, article, version, note, now)
    return article


@action
def request_changes(*, actor: Actor, article: Article, note: str, now: dt.datetime | None = None) -> Article:
    """Send the version in review back to its author with what to change."""
    now = now or timezone.now()
    article = _lock(article)
    version = article.working_version
    refuse(permissions.can_review(scope_of(actor), article, version))
    if version is None or version.state != VersionState.REVIEW:
        raise Conflict(f"{article.reference} has no version in review", field="status")
    if not note.strip():
        raise ActionError("Say what should change", field="note")
    check_text(note, field="note")
    changes = _version_to(version, VersionState.DRAFT, article)
    if article.status == Status.REVIEW:
        changes.update(_status(article, Status.DRAFT))
    version.save(update_fields=["state"])
    steps.add_entry(article.record, actor=actor, body=note, internal=True, now=now, field="note")
    _save(article, ["status"], now)
    _journal(actor, article, "request_changes", changes)
    event = tasks.event_data(article)
    transaction.on_commit(lambda: tasks.notify_article.enqueue(article.pk, "changes", version.number, event))
    return article


@action
def publish_article(
    *,
    actor: Actor,
    article: Article,
    note: str = "",
    review_by: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Article:
    """Publish the version in review: readers see it at once; the version it replaces stays readable."""
    now = now or timezone.now()
    article = _lock(article)
    version = article.working_version
    refuse(permissions.can_review(scope_of(actor), article, version))
    if version is None or version.state != VersionState.REVIEW:
        raise Conflict(f"{article.reference} has no version in review to publish", field="status")
    check_text(note, field="note")
    review_by = _check_review_by(review_by, now) or (
        timezone.localdate(now) + dt.timedelta(days=REVIEW_AFTER_DAYS)
    )
    changes = _version_to(version, VersionState.PUBLISHED, article)
    previous = article.published_version
    if previous is not None:
        changes.update(_version_to(previous, VersionState.SUPERSEDED, article))
        previous.save(update_fields=["state"])
    changes.update(_status(article, Status.PUBLISHED, same_ok=True))
    version.reviewed_by, version.published_at = actor.user, now
    version.save(update_fields=["state", "reviewed_by", "published_at"])
    article.published_version, article.working_version = version, None
    article.title, article.summary = version.title, version.summary
    article.published_at = now
    article.first_published_at = article.first_published_at or now
    article.review_by = review_by
    changes["version"] = [previous.number if previous else None, version.number]
    _save(
        article,
        [
            "published_version",
            "working_version",
            "title",
            "summary",
            "published_at",
            "first_published_at",
            "status",
            "review_by",
        ],
        now,
    )
    _journal(actor, article, "publish", changes, note=note.strip()[:500])
    _reindex(article)
    event = tasks.event_data(article)
    transaction.on_commit(
        lambda: tasks.notify_article.enqueue(article.pk, "published", version.number, event)
    )
    return article


@action
def discard_revision(*, actor: Actor, article: Article, now: dt.datetime | None = None) -> Article:
    """Drop the draft of a published article's next version (kept, marked discarded, for its authors)."""
    now = now or timezone.now()
    article = _lock(article)
    refuse(permissions.can_edit(scope_of(actor), article))
    version = article.working_version
    if version is None or article.published_version_id is None:
        raise Conflict(f"{article.reference} has no revision to discard", field="status")
    changes = _version_to(version, VersionState.DISCARDED, article)
    version.save(update_fields=["state"])
    article.working_version = None
    _save(article, ["working_version"], now)
    _journal(actor, article, "discard", changes)
    return article


@action
def retire_article(*, actor: Actor, article: Article, reason: str, now: dt.datetime | None = None) -> Article:
    """No longer current: hidden from readers and search (its links and versions are kept)."""
    now = now or timezone.now()
    article = _lock(article)
    refuse(permissions.can_retire(scope_of(actor), article))
    if not reason.strip():
        raise ActionError("Say why it is retired", field="reason")
    check_text(reason, field="reason")
    changes = _status(article, Status.RETIRED)
    version = article.working_version
    if version is not None and version.state in (VersionState.DRAFT, VersionState.REVIEW):
        was = version.state
        if version.state == VersionState.REVIEW:
            _version_to(version, VersionState.DRAFT, article)
        _version_to(version, VersionState.DISCARDED, article)
        changes[f"v{version.number}"] = [was, VersionState.DISCARDED]
        version.save(update_fields=["state"])
        article.working_version = None
    article.retired_at = now
    _save(article, ["status", "working_version", "retired_at"], now)
    _journal(actor, article, "retire", changes, note=reason.strip()[:500])
    event = tasks.event_data(article)
    transaction.on_commit(lambda: tasks.notify_article.enqueue(article.pk, "retired", 0, event))
    return article


@action
def reinstate_article(
    *, actor: Actor, article: Article, note: str = "", now: dt.datetime | None = None
) -> Article:
    """Put a retired article back, at the version last published."""
    now = now or timezone.now()
    article = _lock(article)
    refuse(permissions.can_reinstate(scope_of(actor), article))
    if article.published_version_id is None:
        raise Conflict(
            f"{article.reference} was never published: there is nothing to put back", field="status"
        )
    check_text(note, field="note")
    changes = _status(article, Status.PUBLISHED)
    article.retired_at = None
    _save(article, ["status", "retired_at"], now)
    _journal(actor, article, "reinstate", changes, note=note.strip()[:500])
    return article


@action
def update_details(
    *,
    actor: Actor,
    article: Article,
    service: Service | None | object = KEEP,
    audience: str | object = KEEP,
    roles: Iterable[str] | object = KEEP,
    owner: Organisation | object = KEEP,
    contributor: Organisation | None | object = KEEP,
    external_url: str | object = KEEP,
    keywords: str | object = KEEP,
    review_by: dt.date | None | object = KEEP,
    now: dt.datetime | None = None,
) -> Article:
    """Change what the article is about and who reads it; a change of audience applies at once."""
    now = now or timezone.now()
    article = _lock(article)
    scope = scope_of(actor)
    refuse(permissions.can_edit(scope, article))
    if article.status == Status.RETIRED:
        raise Conflict(f"{article.reference} is retired", field="status")
    changes: dict = {}
    if service is not KEEP and service != article.service:
        if service is not None and not service.is_active:
            raise ActionError(f"{service} is not an active service", field="service")
        changes["service"] = [str(article.service or "All services"), str(service or "All services")]
        article.service = service
    current_roles = sorted(article.audience_roles.values_list("role", flat=True))
    new_audience = article.audience if audience is KEEP else audience
    new_roles = _roles(new_audience, current_roles if roles is KEEP else roles)  # type: ignore[arg-type]
    if new_audience != article.audience:
        changes["audience"] = [article.get_audience_display(), Audience(new_audience).label]
        article.audience = new_audience
    if new_roles != current_roles:
        changes["roles"] = [", ".join(current_roles) or None, ", ".join(new_roles) or None]
        _set_roles(article, new_roles)
    if owner is not KEEP and owner != article.owner:
        changes["owner"] = [str(article.owner), str(owner)]
        article.owner = _owner(actor, scope, owner, article.service)  # type: ignore[arg-type]
    if contributor is not KEEP and contributor != article.contributor:
        if contributor is not None and not contributor.is_active:
            raise ActionError(f"{contributor} is not an active organisation", field="contributor")
        changes["contributor"] = [str(article.contributor or "") or None, str(contributor or "") or None]
        article.contributor = contributor
    if external_url is not KEEP and (url := _url(external_url)) != article.external_url:  # type: ignore[arg-type]
        changes["external_url"] = [article.external_url or None, url or None]
        article.external_url = url
    if keywords is not KEEP and (words := _keywords(keywords)) != article.keywords:  # type: ignore[arg-type]
        changes["keywords"] = [article.keywords or None, words or None]
        article.keywords = words
    if review_by is not KEEP and review_by != article.review_by:
        changes["review_by"] = [article.review_by, _check_review_by(review_by, now)]  # type: ignore[arg-type]
        article.review_by = review_by
    if not changes:
        raise ActionError("Nothing to change", field="audience")
    _save(
        article, ["service", "audience", "owner", "contributor", "external_url", "keywords", "review_by"], now
    )
    _journal(actor, article, "details", changes)
    if "keywords" in changes:
        _reindex(article)
    return article


@action
def add_note(*, actor: Actor, article: Article, body: str, now: dt.datetime | None = None) -> Entry:
    """A review note between the author, the owner and the desk (never shown to readers)."""
    now = now or timezone.now()
    article = _lock(article)
    refuse(permissions.can_note(scope_of(actor), article))
    entry = steps.add_entry(article.record, actor=actor, body=body, internal=True, now=now)
    _save(article, [], now)
    _journal(actor, article, "note", {"note": [None, "review note"]})
    return entry


def _readable(article: Article) -> None:
    if article.status != Status.PUBLISHED or article.published_version_id is None:
        raise Conflict(f"{article.reference} is not published", field="status")


@action
def vote(*, actor: Actor, article: Article, helpful: bool, now: dt.datetime | None = None) -> Vote:
    """ "Was this helpful?" One answer per person, which they may change."""
    now = now or timezone.now()
    article = _lock(article)
    refuse(permissions.can_vote(scope_of(actor), article))
    _readable(article)
    existing = Vote.objects.filter(article=article, user=actor.user).first()
    number = article.published_version.number
    if existing is not None and existing.helpful == helpful:
        raise Conflict("You have already said so", field="helpful")
    counts = (
        {"helpful_count": F("helpful_count") + 1}
        if helpful
        else {"unhelpful_count": F("unhelpful_count") + 1}
    )
    if existing is None:
        try:
            with transaction.atomic():
                saved = Vote.objects.create(
                    article=article, user=actor.user, helpful=helpful, version_number=number, created_at=now
                )
        except IntegrityError as exc:  # the same person, twice at once
            raise Conflict("You have already said so", field="helpful") from exc
    else:
        existing.helpful, existing.version_number, existing.created_at = helpful, number, now
        existing.save(update_fields=["helpful", "version_number", "created_at"])
        saved = existing
        counts.update(
            {"unhelpful_count": F("unhelpful_count") - 1}
            if helpful
            else {"helpful_count": F("helpful_count") - 1}
        )
    Article.objects.filter(pk=article.pk).update(**counts)
    _journal(actor, article, "vote", {"helpful": [None if existing is None else not helpful, helpful]})
    return saved


@action
def report_irregularity(
    *, actor: Actor, article: Article, comment: str, now: dt.datetime | None = None
) -> Irregularity:
    """Tell the author and owner what is wrong with the article (seed 001 §9: the desk feeds back
    irregularities found with knowledge articles)."""
    now = now or timezone.now()
    article = _lock(article)
    refuse(permissions.can_report(scope_of(actor), article))
    _readable(article)
    comment = comment.strip()
    if not comment:
        raise ActionError("Say what is wrong with the article", field="comment")
    check_text(comment, field="comment")
    report = Irregularity.objects.create(
        article=article,
        version_number=article.published_version.number,
        reported_by=actor.user,
        reporter_organisation=actor.organisation,
        comment=comment,
        created_at=now,
    )
    Article.objects.filter(pk=article.pk).update(open_irregularities=F("open_irregularities") + 1)
    _journal(actor, article, "irregularity", {"irregularity": [None, report.pk]})
    event = tasks.event_data(article)
    transaction.on_commit(lambda: tasks.notify_irregularity.enqueue(report.pk, "reported", event))
    return report


@action
def handle_irregularity(
    *, actor: Actor, report: Irregularity, outcome: str, response: str, now: dt.datetime | None = None
) -> Irregularity:
    """Close a report: ``corrected`` (a new version fixes it) or ``dismissed``, telling the reporter why."""
    now = now or timezone.now()
    report = Irregularity.objects.select_for_update().select_related("article").get(pk=report.pk)
    article = _lock(report.article)
    refuse(permissions.can_handle_report(scope_of(actor), article))
    if outcome not in (IrregularityState.CORRECTED, IrregularityState.DISMISSED):
        raise ActionError("Say whether it was corrected or dismissed", field="outcome")
    response = response.strip()
    if not response:
        raise ActionError("Tell the reporter what was done", field="response")
    check_text(response, field="response")
    current = report.state
    check_transition(
        IRREGULARITY_TRANSITIONS, current, outcome, what=f"Report {report.pk} on {article.reference}"
    )
    report.state, report.response, report.handled_by, report.handled_at = outcome, response, actor.user, now
    report.save(update_fields=["state", "response", "handled_by", "handled_at"])
    Article.objects.filter(pk=article.pk, open_irregularities__gt=0).update(
        open_irregularities=F("open_irregularities") - 1
    )
    _journal(actor, article, "irregularity_handled", {f"irregularity {report.pk}": [current, outcome]})
    event = tasks.event_data(article)
    transaction.on_commit(lambda: tasks.notify_irregularity.enqueue(report.pk, "handled", event))
    return report
