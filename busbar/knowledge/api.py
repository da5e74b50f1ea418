"""API: the knowledge base — search, articles and their versions, writing and review, feedback.

Every read starts from :func:`busbar.knowledge.queries.visible_to` (an article outside it is a 404);
every change goes through :mod:`busbar.knowledge.actions`. A change the status tables forbid is a 409.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from busbar.knowledge import actions, diff, permissions, queries, search
from busbar.knowledge.actions import BODY_MAX, KEYWORDS_MAX, SUMMARY_MAX, URL_MAX
from busbar.knowledge.models import (
    Article,
    ArticleVersion,
    Audience,
    Irregularity,
    IrregularityState,
    VersionState,
)
from busbar.knowledge.models import (
    Status as ArticleStatus,
)
from busbar.lib.actions import ActionError, Actor
from busbar.lib.pagination import Page
from busbar.lib.schema import Day, Id, IdPath, InputSchema, Line, Ref, RefPath, SearchText, Text
from busbar.parties.models import IndustryRole, Organisation
from busbar.parties.queries import scope_for
from busbar.records import queries as record_queries
from busbar.records.api import EntryOut, LinkedOut, linked
from busbar.services.queries import services_visible_to

router = Router(tags=["Knowledge base"])

Role = Literal[tuple(IndustryRole.values)]  # type: ignore[valid-type]
AudienceCode = Literal[tuple(Audience.values)]  # type: ignore[valid-type]
Summary = Annotated[str, Field(max_length=SUMMARY_MAX)]
Body = Annotated[str, Field(min_length=1, max_length=BODY_MAX, description="Markdown")]
Keywords = Annotated[str, Field(max_length=KEYWORDS_MAX)]
Url = Annotated[str, Field(max_length=URL_MAX)]
VersionNumber = Annotated[int, Field(ge=1, le=1_000_000)]


class ArticleSummary(Schema):
    reference: str
    title: str
    summary: str
    service: Ref | None
    status: ArticleStatus
    audience: Audience
    version: int | None = Field(..., description="The published version's number")
    helpful_count: int
    unhelpful_count: int
    updated_at: dt.datetime
    published_at: dt.datetime | None

    @staticmethod
    def resolve_service(obj: Article) -> dict[str, Any] | None:
        return {"id": obj.service_id, "name": obj.service.name} if obj.service_id else None

    @staticmethod
    def resolve_version(obj: Article) -> int | None:
        return obj.published_version.number if obj.published_version_id else None


class ArticleSearchHit(ArticleSummary):
    snippet: str = Field(..., description="A passage around the words searched, as plain text")
    rank: float = Field(..., description="Higher is a better match")

    @staticmethod
    def resolve_snippet(obj: Article) -> str:
        return getattr(obj, "snippet_text", "")

    @staticmethod
    def resolve_rank(obj: Article) -> float:
        return round(float(getattr(obj, "rank", 0) or 0), 6)


class ArticleVersionOut(Schema):
    number: int
    state: VersionState
    title: str
    summary: str
    change_note: str
    author_label: str
    created_at: dt.datetime
    published_at: dt.datetime | None


class ArticleVersionDetail(ArticleVersionOut):
    body: str = Field(..., description="Markdown")
    body_html: str = Field(..., description="Rendered and sanitised")


def _works(context: dict[str, Any], obj: Article) -> bool:
    return queries.works_on(context["request"].user, obj)


class ArticleDetail(ArticleSummary):
    roles: list[str] = Field(..., description="For the roles audience: the industry roles that may read it")
    owner: Ref
    contributor: Ref | None
    external_url: str
    keywords: str = Field(..., description="Those who work the article")
    review_by: dt.date | None = Field(..., description="Those who work the article")
    current: ArticleVersionDetail | None = Field(..., description="The version readers see")
    working: ArticleVersionDetail | None = Field(
        ..., description="The next version, in draft or review (those who work it)"
    )
    open_irregularities: int
    links: list[LinkedOut] = Field(..., description="Incidents, problems and other records it is used with")
    notes: list[EntryOut] = Field(..., description="Review notes (those who work it)")
    allowed_actions: list[str] = Field(
        ...,
        description="What the caller may do now: edit, details, submit, request-changes, publish, discard, "
        "retire, reinstate, note, vote, report",
    )
    watching: bool

    @staticmethod
    def resolve_roles(obj: Article) -> list[str]:
        return sorted(r.role for r in obj.audience_roles.all())

    @staticmethod
    def resolve_owner(obj: Article) -> dict[str, Any]:
        return {"id": obj.owner_id, "name": obj.owner.name}

    @staticmethod
    def resolve_contributor(obj: Article) -> dict[str, Any] | None:
        return {"id": obj.contributor_id, "name": obj.contributor.name} if obj.contributor_id else None

    @staticmethod
    def resolve_review_by(obj: Article, context: dict[str, Any]) -> dt.date | None:
        return obj.review_by if _works(context, obj) else None

    @staticmethod
    def resolve_keywords(obj: Article, context: dict[str, Any]) -> str:
        return obj.keywords if _works(context, obj) else ""

    @staticmethod
    def resolve_current(obj: Article, context: dict[str, Any]) -> ArticleVersion | None:
        return queries.shown_version(context["request"].user, obj)

    @staticmethod
    def resolve_working(obj: Article, context: dict[str, Any]) -> ArticleVersion | None:
        return obj.working_version if _works(context, obj) else None

    @staticmethod
    def resolve_open_irregularities(obj: Article, context: dict[str, Any]) -> int:
        return obj.open_irregularities if _works(context, obj) else 0

    @staticmethod
    def resolve_links(obj: Article, context: dict[str, Any]) -> list[dict[str, Any]]:
        return linked(context["request"].user, obj)

    @staticmethod
    def resolve_notes(obj: Article, context: dict[str, Any]) -> list[Any]:
        if not _works(context, obj):
            return []
        return list(record_queries.entries_visible_to(context["request"].user, obj))

    @staticmethod
    def resolve_allowed_actions(obj: Article, context: dict[str, Any]) -> list[str]:
        return permissions.available(scope_for(context["request"].user), obj)

    @staticmethod
    def resolve_watching(obj: Article, context: dict[str, Any]) -> bool:
        return record_queries.is_watching(context["request"].user, obj)


class ArticleFilters(Schema):
    q: SearchText | None = Field(None, description="Words (all must match), or a KB reference")
    service: Id | None = Field(None, description="Articles on this service, and those on every service")
    status: ArticleStatus | None = Field(
        None, description="Those who work articles see drafts and retired ones"
    )
    audience: AudienceCode | None = None  # type: ignore[valid-type]


class ArticleSuggestFilters(Schema):
    text: SearchText = Field(..., min_length=1, description="What is being typed, e.g. an incident's summary")
    service: Id | None = None
    limit: int = Field(5, ge=1, le=20)


class ArticleIn(InputSchema):
    title: Line = Field(..., min_length=1)
    summary: Summary = ""
    body: Body
    service: Id | None = Field(None, description="None: about every service")
    audience: AudienceCode = Audience.EVERYONE  # type: ignore[valid-type]
    roles: list[Role] = Field(default_factory=list, max_length=len(IndustryRole.values))  # type: ignore[valid-type]
    owner: Id | None = Field(None, description="The organisation that keeps it (default: yours)")
    contributor: Id | None = None
    external_url: Url = ""
    keywords: Keywords = ""
    submit: bool = Field(False, description="Send it for review at once")


class ArticleRevisionIn(InputSchema):
    title: Line = Field(..., min_length=1)
    summary: Summary = ""
    body: Body
    change_note: Summary = ""
    submit: bool = Field(False, description="Send it for review at once")


class ArticleDetailsIn(InputSchema):
    """Only the fields given change."""

    service: Id | None = None
    all_services: bool = Field(False, description="True: about every service (clears the service)")
    audience: AudienceCode | None = None  # type: ignore[valid-type]
    roles: list[Role] | None = Field(None, max_length=len(IndustryRole.values))  # type: ignore[valid-type]
    contributor: Id | None = None
    external_url: Url | None = None
    keywords: Keywords | None = None
    review_by: Day | None = None


class ArticleNoteIn(InputSchema):
    note: Text = ""


class ArticlePublishIn(InputSchema):
    note: Text = ""
    review_by: Day | None = Field(
        None, description="When the owner next checks it is current (default a year)"
    )


class ArticleReasonIn(InputSchema):
    reason: Text = Field(..., min_length=1)


class ArticleRequiredNoteIn(InputSchema):
    note: Text = Field(..., min_length=1)


class ArticleBodyIn(InputSchema):
    body: Text = Field(..., min_length=1)


class ArticleEmptyIn(InputSchema):
    pass


class ArticleVoteIn(InputSchema):
    helpful: bool


class ArticleReportIn(InputSchema):
    comment: Text = Field(..., min_length=1)


class ArticleReportOut(Schema):
    id: int
    version_number: int
    comment: str
    state: IrregularityState
    response: str
    reported_by: str | None
    reporter_organisation: Ref | None
    created_at: dt.datetime
    handled_at: dt.datetime | None

    @staticmethod
    def resolve_reported_by(obj: Irregularity) -> str | None:
        return obj.reported_by.display_name if obj.reported_by_id else None

    @staticmethod
    def resolve_reporter_organisation(obj: Irregularity) -> dict[str, Any] | None:
        org = obj.reporter_organisation
        return {"id": org.pk, "name": org.name} if org else None


class ArticleReportHandleIn(InputSchema):
    outcome: Literal["corrected", "dismissed"]
    response: Text = Field(..., min_length=1)


class ArticleDiffLineOut(Schema):
    op: Literal["same", "added", "removed", "gap"]
    old_number: int | None
    new_number: int | None
    text: str


class ArticleDiffOut(Schema):
    old: int
    new: int
    title: list[str] | None = Field(..., description="[before, after] when the title changed")
    summary: list[str] | None
    lines: list[ArticleDiffLineOut]


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _article(request: HttpRequest, reference: str) -> Article:
    qs = record_queries.with_watching(queries.visible_to(request.user), request.user)
    qs = qs.select_related("published_version", "working_version", "owner", "contributor").prefetch_related(
        "audience_roles"
    )
    return get_object_or_404(qs, reference=reference.upper())


def _service(request: HttpRequest, pk: int | None):
    if pk is None:
        return None
    service = services_visible_to(request.user).filter(pk=pk).first()
    if service is None:
        raise ActionError(f"No service {pk}", field="service")
    return service


def _organisation(pk: int | None, field: str) -> Organisation | None:
    if pk is None:
        return None
    org = Organisation.objects.filter(pk=pk, is_active=True).first()
    if org is None:
        raise ActionError(f"No organisation {pk}", field=field)
    return org


def _summaries(qs: Any) -> Any:
    return qs.select_related("published_version", "working_version")


class SearchPage(Page):
    """The page, and whether the count stopped at search.CAP (more match: narrow the search)."""

    class Output(Page.Output):
        capped: bool = Field(False, description="True: more articles match than the count says (1,000)")

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        return {**page, "capped": bool(getattr(queryset, "capped", False))}


@router.get("/articles", response=list[ArticleSearchHit], summary="Articles you may read, or search them")
@paginate(SearchPage)
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]) -> Any:
    """Without ``q``: newest change first. With ``q``: full-text search (title and keywords weigh most,
    then the summary, then the body), best match first, each with a snippet."""
    qs = _summaries(queries.visible_to(request.user))
    if filters.service is not None:
        qs = qs.filter(Q(service_id=filters.service) | Q(service__isnull=True))
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    elif not queries.is_staff(scope_for(request.user)):
        qs = qs.filter(status=ArticleStatus.PUBLISHED)
    if filters.audience is not None:
        qs = qs.filter(audience=filters.audience)
    text = (filters.q or "").strip()
    reference = queries.search_reference(text) if text else None
    if reference:
        return qs.filter(reference=reference)
    if text:
        return _Snippets(search.Results(qs, text), text)
    return qs.order_by("-updated_at", "-id")


class _Snippets:
    """A search's hits (search.Results) that add each hit's snippet as the page is read (only the page's
    rows); ``capped`` when more than search.CAP match."""

    def __init__(self, qs: Any, text: str) -> None:
        self.qs, self.text = qs, text

    @property
    def capped(self) -> bool:
        return getattr(self.qs, "capped", False)

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[Article]:
        rows = list(self.qs[key])
        for row in rows:
            version = row.published_version or row.working_version
            body = version.body_text if version else ""
            row.snippet_text = _plain(search.snippet(body, self.text))
        return rows


def _plain(html_snippet: str) -> str:
    import html

    return html.unescape(html_snippet.replace("<mark>", "").replace("</mark>", ""))


@router.get(
    "/articles/suggest", response=list[ArticleSearchHit], summary="Articles that may answer what is typed"
)
def suggest(request: HttpRequest, filters: Query[ArticleSuggestFilters]) -> list[Article]:
    """For a form that raises an incident: published articles whose title, keywords or summary hold at
    least two of the words typed (the last one as a prefix), on the service given or on every service,
    best first."""
    qs = _summaries(queries.visible_to(request.user).filter(status=ArticleStatus.PUBLISHED))
    service = _service(request, filters.service)
    if service is not None:
        qs = qs.filter(Q(service=service) | Q(service__isnull=True))
    hits = search.Results(qs, filters.text, any_word=True, prefix=True, cap=search.SUGGEST_CAP)
    return _Snippets(hits, filters.text)[: filters.limit]


@router.post("/articles", response={201: ArticleDetail}, summary="Write an article (desk or provider)")
def create_article(request: HttpRequest, payload: ArticleIn) -> Status:
    article = actions.create_article(
        actor=_actor(request),
        title=payload.title,
        summary=payload.summary,
        body=payload.body,
        service=_service(request, payload.service),
        audience=payload.audience,
        roles=payload.roles,
        owner=_organisation(payload.owner, "owner"),
        contributor=_organisation(payload.contributor, "contributor"),
        external_url=payload.external_url,
        keywords=payload.keywords,
        submit=payload.submit,
    )
    return Status(201, _article(request, article.reference))


@router.get("/articles/{reference}", response=ArticleDetail, summary="One article")
def get_article(request: HttpRequest, reference: RefPath) -> Article:
    return _article(request, reference)


@router.put("/articles/{reference}/draft", response=ArticleDetail, summary="Write the next version")
def revise(request: HttpRequest, reference: RefPath, payload: ArticleRevisionIn) -> Article:
    """The draft being worked on, or a new version from the published text (readers keep seeing the
    published version until the desk publishes this one)."""
    article = _article(request, reference)
    actions.revise_article(
        actor=_actor(request),
        article=article,
        title=payload.title,
        summary=payload.summary,
        body=payload.body,
        change_note=payload.change_note,
        submit=payload.submit,
    )
    return _article(request, reference)


@router.patch("/articles/{reference}", response=ArticleDetail, summary="Change the details and audience")
def update_details(request: HttpRequest, reference: RefPath, payload: ArticleDetailsIn) -> Article:
    article = _article(request, reference)
    given = payload.model_fields_set
    keep = actions.KEEP
    if "service" in given and payload.all_services:
        raise ActionError("Give a service or all_services, not both", field="service")
    service: Any = keep
    if payload.all_services:
        service = None
    elif "service" in given and payload.service is not None:
        service = _service(request, payload.service)
    actions.update_details(
        actor=_actor(request),
        article=article,
        service=service,
        audience=payload.audience if payload.audience is not None else keep,
        roles=payload.roles if payload.roles is not None else keep,
        contributor=_organisation(payload.contributor, "contributor") if "contributor" in given else keep,
        external_url=payload.external_url if payload.external_url is not None else keep,
        keywords=payload.keywords if payload.keywords is not None else keep,
        review_by=payload.review_by if payload.review_by is not None else keep,
    )
    return _article(request, reference)


def _change(request: HttpRequest, reference: str, func: Any, **kwargs: Any) -> Article:
    func(actor=_actor(request), article=_article(request, reference), **kwargs)
    return _article(request, reference)


@router.post("/articles/{reference}/submit", response=ArticleDetail, summary="Submit for review")
def submit(request: HttpRequest, reference: RefPath, payload: ArticleNoteIn) -> Article:
    return _change(request, reference, actions.submit_for_review, note=payload.note)


@router.post("/articles/{reference}/request-changes", response=ArticleDetail, summary="Send back (desk)")
def request_changes(request: HttpRequest, reference: RefPath, payload: ArticleRequiredNoteIn) -> Article:
    return _change(request, reference, actions.request_changes, note=payload.note)


@router.post(
    "/articles/{reference}/publish", response=ArticleDetail, summary="Publish the version in review (desk)"
)
def publish(request: HttpRequest, reference: RefPath, payload: ArticlePublishIn) -> Article:
    """By a member of the service desk other than the version's author."""
    return _change(
        request, reference, actions.publish_article, note=payload.note, review_by=payload.review_by
    )


@router.post("/articles/{reference}/discard", response=ArticleDetail, summary="Discard the draft revision")
def discard(request: HttpRequest, reference: RefPath, payload: ArticleEmptyIn) -> Article:
    return _change(request, reference, actions.discard_revision)


@router.post("/articles/{reference}/retire", response=ArticleDetail, summary="Retire")
def retire(request: HttpRequest, reference: RefPath, payload: ArticleReasonIn) -> Article:
    return _change(request, reference, actions.retire_article, reason=payload.reason)


@router.post(
    "/articles/{reference}/reinstate",
    response=ArticleDetail,
    summary="Publish a retired article again (desk)",
)
def reinstate(request: HttpRequest, reference: RefPath, payload: ArticleNoteIn) -> Article:
    return _change(request, reference, actions.reinstate_article, note=payload.note)


@router.post("/articles/{reference}/notes", response={201: EntryOut}, summary="Add a review note")
def add_note(request: HttpRequest, reference: RefPath, payload: ArticleBodyIn) -> Status:
    article = _article(request, reference)
    entry = actions.add_note(actor=_actor(request), article=article, body=payload.body)
    return Status(201, record_queries.entries_visible_to(request.user, article).get(pk=entry.pk))


@router.get(
    "/articles/{reference}/versions", response=list[ArticleVersionOut], summary="The versions you may read"
)
@paginate(Page)
def list_versions(request: HttpRequest, reference: RefPath) -> Any:
    return queries.versions_visible_to(request.user, _article(request, reference))


@router.get("/articles/{reference}/versions/{number}", response=ArticleVersionDetail, summary="One version")
def get_version(request: HttpRequest, reference: RefPath, number: IdPath) -> ArticleVersion:
    article = _article(request, reference)
    return get_object_or_404(queries.versions_visible_to(request.user, article), number=number)


@router.get(
    "/articles/{reference}/diff", response=ArticleDiffOut, summary="What changed between two versions"
)
def compare(
    request: HttpRequest, reference: RefPath, old: VersionNumber, new: VersionNumber
) -> dict[str, Any]:
    """``old`` and ``new`` are version numbers you may read. Lines are the Markdown source's; every line
    is listed (``op``: same, added, removed)."""
    article = _article(request, reference)
    found = {
        v.number: v for v in queries.versions_visible_to(request.user, article).filter(number__in=[old, new])
    }
    if old not in found or new not in found:
        raise Http404("No such version")
    a, b = found[old], found[new]
    lines = diff.compare(a.body, b.body, context=None)
    return {
        "old": old,
        "new": new,
        "title": [a.title, b.title] if a.title != b.title else None,
        "summary": [a.summary, b.summary] if a.summary != b.summary else None,
        "lines": [
            {"op": line.op, "old_number": line.old_number, "new_number": line.new_number, "text": _text(line)}
            for line in lines
            if line is not None
        ],
    }


def _text(line: diff.Line) -> str:
    return _plain(
        str(line.html).replace("<ins>", "").replace("</ins>", "").replace("<del>", "").replace("</del>", "")
    )


@router.post("/articles/{reference}/vote", response=ArticleDetail, summary="Say whether it helped")
def vote(request: HttpRequest, reference: RefPath, payload: ArticleVoteIn) -> Article:
    """One answer per person, which they may change (409 when it is the same answer again)."""
    return _change(request, reference, actions.vote, helpful=payload.helpful)


@router.get(
    "/articles/{reference}/irregularities", response=list[ArticleReportOut], summary="Reports on the article"
)
@paginate(Page)
def list_reports(request: HttpRequest, reference: RefPath) -> Any:
    """Those who work the article read every report; a reader, their own."""
    return queries.irregularities_visible_to(request.user, _article(request, reference))


@router.post(
    "/articles/{reference}/irregularities", response={201: ArticleReportOut}, summary="Report an irregularity"
)
def report(request: HttpRequest, reference: RefPath, payload: ArticleReportIn) -> Status:
    """What is wrong with the article: its author and owner are told."""
    article = _article(request, reference)
    made = actions.report_irregularity(actor=_actor(request), article=article, comment=payload.comment)
    return Status(201, queries.irregularities_visible_to(request.user, article).get(pk=made.pk))


@router.post(
    "/articles/{reference}/irregularities/{report_id}/handle",
    response=ArticleReportOut,
    summary="Close a report (desk or owner)",
)
def handle(
    request: HttpRequest, reference: RefPath, report_id: IdPath, payload: ArticleReportHandleIn
) -> Irregularity:
    article = _article(request, reference)
    found = get_object_or_404(queries.irregularities_visible_to(request.user, article), pk=report_id)
    actions.handle_irregularity(
        actor=_actor(request), report=found, outcome=payload.outcome, response=payload.response
    )
    return queries.irregularities_visible_to(request.user, article).get(pk=found.pk)
