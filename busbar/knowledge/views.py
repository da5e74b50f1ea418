"""Knowledge base pages: search and queues, the article, writing and revising, versions and their
differences, feedback and its handling, the home-page panel."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from busbar.knowledge import actions, diff, permissions, queries, search
from busbar.knowledge.forms import (
    PAGE_FORMS,
    PANEL_VERBS,
    ArticleForm,
    DetailsForm,
    FilterForm,
    HandleReportForm,
    PageForm,
    ReviseForm,
)
from busbar.knowledge.models import Article, Status, VersionState
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, form_errors, parse_id, run_action_form
from busbar.lib.markdown import render as render_markdown
from busbar.lib.postback import post_form
from busbar.parties.queries import scope_for
from busbar.records import queries as record_queries

PAGE_SIZE = 20
#: Articles due for their currency check within this many days are in the "Review due" queue.
DUE_DAYS = 30


def _queues(scope) -> list[tuple[str, str]]:
    if not queries.is_staff(scope):
        return []
    queues = [("published", "Published"), ("review", "Awaiting review"), ("drafts", "Drafts")]
    if scope.is_resolver:
        queues.append(("ours", "Ours"))
    queues += [("feedback", "Irregularities"), ("due", "Review due"), ("retired", "Retired")]
    return queues


def _queue(qs, key: str, scope):
    if key in ("review", "drafts", "feedback", "due") and not scope.is_central:
        # What is being written, reported or checked is for those who work the article: for a provider,
        # the articles it keeps.
        qs = qs.filter(owner_id__in=scope.resolver_for)
    if key == "review":
        return qs.filter(working_version__state=VersionState.REVIEW)
    if key == "drafts":
        return qs.filter(working_version__state=VersionState.DRAFT)
    if key == "ours":
        return qs.filter(owner_id__in=scope.resolver_for)
    if key == "feedback":
        return qs.filter(open_irregularities__gt=0)
    if key == "due":
        return qs.filter(
            status=Status.PUBLISHED, review_by__lte=timezone.localdate() + dt.timedelta(days=DUE_DAYS)
        )
    if key == "retired":
        return qs.filter(status=Status.RETIRED)
    return qs.filter(status=Status.PUBLISHED)


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    user, scope = request.user, scope_for(request.user)
    staff = queries.is_staff(scope)
    queues = _queues(scope)
    queue = request.GET.get("queue", "published")
    if queue not in dict(queues):
        queue = "published"
    form = FilterForm(request.GET or None, user=user, staff=staff)
    qs = queries.visible_to(user).select_related("published_version")
    text = ""
    if form.is_valid():
        data = form.cleaned_data
        text = (data["q"] or "").strip()
        if data["service"] is not None:
            qs = qs.filter(Q(service=data["service"]) | Q(service__isnull=True))
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("audience"):
            qs = qs.filter(audience=data["audience"])
    if not (form.is_valid() and form.cleaned_data.get("status")):
        qs = _queue(qs, queue, scope)
    reference = queries.search_reference(text) if text else None
    if reference:
        qs = qs.filter(reference=reference)
    elif text:
        qs = search.Results(qs, text)
    else:
        qs = qs.order_by("-updated_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for article in rows:
        article.works = scope.is_central or article.owner_id in scope.resolver_for
        version = article.published_version
        article.snippet = search.snippet(version.body_text, text) if text and version else None
    filters = {k: v for k, v in request.GET.items() if k not in ("queue", "page") and v}
    context = {
        "page": page,
        "rows": rows,
        "form": form,
        "text": text,
        "capped": getattr(qs, "capped", False),
        "cap": search.CAP,
        "queue": queue,
        "queues": [
            {"key": k, "label": label, "url": "?" + urlencode({"queue": k, **filters})} for k, label in queues
        ],
        "extra_qs": urlencode({"queue": queue, **filters}),
        "staff": staff,
        "can_write": permissions.can_write(scope) is None,
    }
    if request.htmx and request.htmx.target == "rows":
        return render(request, "knowledge/_rows.html", context)
    return render(request, "knowledge/article_list.html", context)


@login_required
def article_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    reason = permissions.can_write(scope)
    if reason:
        return render(request, "core/forbidden.html", {"reason": reason}, status=403)
    initial = {"service": parse_id(request.GET.get("service"))}
    form = ArticleForm(request.POST or None, user=request.user, desk=scope.is_desk, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                article = form.submit(
                    Actor.from_request(request), review=request.POST.get("then") == "review"
                )
            except ActionError as exc:
                if exc.field and exc.field.startswith("roles["):
                    exc.field = "roles"
                add_action_error(form, exc)
                status = 403 if isinstance(exc, NotPermitted) else 422
            else:
                messages.success(
                    request,
                    f"{article.reference} saved"
                    + (
                        " and sent to the service desk for review."
                        if article.status == Status.REVIEW
                        else " as a draft."
                    ),
                )
                return redirect("article_detail", reference=article.reference)
    return render(request, "knowledge/article_form.html", {"form": form, "article": None}, status=status)


def _article_or_404(request: HttpRequest, reference: str) -> Article:
    qs = record_queries.with_watching(queries.visible_to(request.user), request.user)
    qs = qs.select_related("published_version", "working_version", "owner", "contributor", "author")
    return get_object_or_404(qs, reference=reference.upper())


def _field_of(name: str) -> str:
    """An action's ``roles[2]`` is the form's ``roles``."""
    return "roles" if name.startswith("roles[") else name


def _panel(verb: str, form: PageForm, article: Article) -> dict:
    return {"verb": verb, "form": form, "url": reverse("article_action", args=[article.reference, verb])}


def _form(verb: str, request: HttpRequest, article: Article, data: object = None) -> PageForm:
    extra = {"user": request.user} if PAGE_FORMS[verb] is DetailsForm else {}
    return PAGE_FORMS[verb](data, prefix=verb, article=article, **extra)


def _detail_context(request: HttpRequest, article: Article, bound: dict | None = None) -> dict:
    user, scope = request.user, scope_for(request.user)
    works = queries.works_on(user, article)
    verbs = permissions.available(scope, article)
    forms = {v: _form(v, request, article) for v in verbs if v in PAGE_FORMS}
    forms.update(bound or {})
    version = queries.shown_version(user, article)
    vote = (
        article.votes.filter(user=user).values_list("helpful", flat=True).first() if "vote" in verbs else None
    )
    reports = list(queries.irregularities_visible_to(user, article)[:50])
    return {
        "article": article,
        "version": version,
        "works": works,
        "verbs": verbs,
        "roles": [r.get_role_display() for r in article.audience_roles.all()],
        "working": article.working_version if works else None,
        "panels": [_panel(v, forms[v], article) for v in PANEL_VERBS if v in forms],
        "note_form": forms.get("note") and _panel("note", forms["note"], article),
        "vote_form": forms.get("vote") and _panel("vote", forms["vote"], article),
        "report_form": forms.get("report") and _panel("report", forms["report"], article),
        "my_vote": vote,
        "reports": reports,
        "handle_form": HandleReportForm(prefix="handle")
        if permissions.can_handle_report(scope, article) is None
        else None,
        "notes": list(record_queries.entries_visible_to(user, article).select_related("author"))
        if works
        else [],
        "links": record_queries.links_visible_to(user, article),
        "watch": {"reference": article.reference, "watching": record_queries.is_watching(user, article)},
        "can_edit": "edit" in verbs,
        "timeline": record_queries.timeline(user, article, works=works),
        "versions_count": queries.versions_visible_to(user, article).count(),
    }


@login_required
def article_detail(request: HttpRequest, reference: str) -> HttpResponse:
    article = _article_or_404(request, reference)
    return render(request, "knowledge/article_detail.html", _detail_context(request, article))


@login_required
@post_form(lambda reference, verb: reverse("article_detail", args=[reference]) + f"#do-{verb}")
def article_action(request: HttpRequest, reference: str, verb: str) -> HttpResponse:
    if verb not in PAGE_FORMS:
        raise Http404("No such action")
    article = _article_or_404(request, reference)
    form = _form(verb, request, article, request.POST)
    message, status = run_action_form(form, Actor.from_request(request), field_of=_field_of)
    if message is not None:
        messages.success(request, message)
        anchor = "#feedback" if verb in ("vote", "report") else ""
        return redirect(reverse("article_detail", args=[article.reference]) + anchor)
    # Nothing was written: the page as it stands, with the form as typed if it is still offered.
    article = _article_or_404(request, reference)
    if verb in permissions.available(scope_for(request.user), article):
        context = _detail_context(request, article, bound={verb: form})
    else:
        for error in form_errors(form):
            messages.error(request, error)
        context = _detail_context(request, article)
    return render(request, "knowledge/article_detail.html", context, status=status)


@login_required
def article_edit(request: HttpRequest, reference: str) -> HttpResponse:
    """Write the next version (or go on with the draft)."""
    article = _article_or_404(request, reference)
    scope = scope_for(request.user)
    reason = permissions.can_edit(scope, article)
    if reason or article.status == Status.RETIRED:
        return render(
            request,
            "core/forbidden.html",
            {"reason": reason or f"{article.reference} is retired"},
            status=403,
        )
    form = ReviseForm(request.POST or None, article=article)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                message = form.submit(
                    Actor.from_request(request), review=request.POST.get("then") == "review"
                )
            except ActionError as exc:
                add_action_error(form, exc)
                status = 403 if isinstance(exc, NotPermitted) else exc.status
            else:
                messages.success(request, message)
                return redirect("article_detail", reference=article.reference)
    return render(request, "knowledge/article_edit.html", {"form": form, "article": article}, status=status)


@login_required
@post_form(lambda reference, pk: reverse("article_detail", args=[reference]))
def handle_report(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    article = _article_or_404(request, reference)
    report = get_object_or_404(queries.irregularities_visible_to(request.user, article), pk=pk)
    form = HandleReportForm(request.POST, prefix="handle")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(reverse("article_detail", args=[article.reference]) + "#feedback")
    try:
        actions.handle_irregularity(
            actor=Actor.from_request(request),
            report=report,
            outcome=form.cleaned_data["outcome"],
            response=form.cleaned_data["response"],
        )
    except ActionError as exc:
        messages.error(request, exc.message)
        if isinstance(exc, NotPermitted):
            return render(request, "core/forbidden.html", {"reason": exc.message}, status=403)
    else:
        messages.success(request, "The report is closed and the reader told.")
    return redirect(reverse("article_detail", args=[article.reference]) + "#feedback")


@login_required
def article_versions(request: HttpRequest, reference: str) -> HttpResponse:
    article = _article_or_404(request, reference)
    versions = list(queries.versions_visible_to(request.user, article).select_related("reviewed_by"))
    return render(request, "knowledge/article_versions.html", {"article": article, "versions": versions})


@login_required
def article_version(request: HttpRequest, reference: str, number: int) -> HttpResponse:
    article = _article_or_404(request, reference)
    version = get_object_or_404(queries.versions_visible_to(request.user, article), number=number)
    return render(request, "knowledge/article_version.html", {"article": article, "version": version})


@login_required
def article_diff(request: HttpRequest, reference: str) -> HttpResponse:
    """Any two versions the viewer may read, compared (default: the two latest)."""
    article = _article_or_404(request, reference)
    versions = list(queries.versions_visible_to(request.user, article).only("number", "state"))
    numbers = [v.number for v in versions]
    if len(numbers) < 2:
        messages.info(request, "There is only one version: nothing to compare yet.")
        return redirect("article_versions", reference=article.reference)
    old = parse_id(request.GET.get("from")) or numbers[1]
    new = parse_id(request.GET.get("to")) or numbers[0]
    if old not in numbers or new not in numbers:
        raise Http404("No such version")
    by_number = {
        v.number: v for v in queries.versions_visible_to(request.user, article).filter(number__in=[old, new])
    }
    a, b = by_number[old], by_number[new]
    context = {
        "article": article,
        "old": a,
        "new": b,
        "numbers": numbers,
        "title": diff.inline(a.title, b.title) if a.title != b.title else None,
        "summary": diff.inline(a.summary, b.summary) if a.summary != b.summary else None,
        "lines": diff.compare(a.body, b.body, context=None if request.GET.get("all") else 3),
        "show_all": bool(request.GET.get("all")),
    }
    return render(request, "knowledge/article_diff.html", context)


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The Markdown of the editor as readers will see it (an HTMX fragment)."""
    if permissions.can_write(scope_for(request.user)) is not None:
        return HttpResponse("", status=403)
    text = request.POST.get("body", "")[: actions.BODY_MAX]
    return render(request, "knowledge/_preview.html", {"html": render_markdown(text)})


def home_panel(request: HttpRequest, kind: str) -> dict:
    """The knowledge panel of a home page: a search box and, by role, what needs doing."""
    user, scope = request.user, scope_for(request.user)
    qs = queries.visible_to(user)
    panel: dict = {"kind": kind}
    if kind == "desk":
        panel["review"] = qs.filter(working_version__state=VersionState.REVIEW).count()
        panel["irregularities"] = qs.filter(open_irregularities__gt=0).count()
        panel["due"] = _queue(qs, "due", scope).count()
    elif kind == "provider":
        ours = qs.filter(owner_id__in=scope.resolver_for)
        panel["drafts"] = ours.filter(working_version__state=VersionState.DRAFT).count()
        panel["irregularities"] = ours.filter(open_irregularities__gt=0).count()
        panel["due"] = _queue(ours, "due", scope).count()
    else:
        panel["popular"] = list(
            qs.filter(status=Status.PUBLISHED).order_by("-helpful_count", "-published_at", "-id")[:5]
        )
    return panel
