"""Data cleanse tracking pages (QM-19, QM-26, QM-31): ``/migration/cleanse/`` lists each participant's cleanse
items by category (baseline, outstanding, % cleansed, the next target and whether it is on track, overdue
targets, a small burn-down), with the forms to add categories and items and to load a CSV of readings
(all or nothing); ``/migration/cleanse/<id>/`` an item's readings, targets and forms. The programme's
readers see every item, an organisation its own (:func:`busbar.migration.queries.cleanse_visible_to`)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.safestring import SafeString

from busbar.lib import export
from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import ActionForm, form_errors, run_action_form
from busbar.lib.postback import post_form
from busbar.lib.svgchart import Chart, Series
from busbar.migration import permissions, queries
from busbar.migration.actions import cleanse as actions
from busbar.migration.common import MAX_VOLUME, today
from busbar.migration.models import CleanseCategory, CleanseItem, CleanseReading, CleanseTarget, Entrant
from busbar.parties.models import Organisation
from busbar.testing.models import Programme

PAGE_SIZE = 50
#: A burn-down shows at most this many days (the latest readings and the targets after them).
CHART_POINTS = 120
DATE = forms.DateInput(attrs={"type": "date"})


# Where an item stands ------------------------------------------------------------------------------------


@dataclass
class Standing:
    """An item against its targets on ``day``: % cleansed; the next target and the outstanding figure
    the linear path to it allows today (``expected``); ``on_track`` (None: no target to judge by); the
    targets whose date has passed with more still outstanding (``overdue``)."""

    item: Any
    day: dt.date
    percent: float
    next_target: Any = None
    expected: int | None = None
    on_track: bool | None = None
    overdue: list = field(default_factory=list)


def _start(item: Any, readings: list) -> dt.date:
    if readings:
        return readings[0].on
    return min(item.updated_on, today(item.created_at))


def _path_points(item: Any, readings: list, targets: list) -> list[tuple[dt.date, int]]:
    """The planned path: the baseline on the first day, then each target in date order."""
    start = _start(item, readings)
    points = [(start, item.baseline)]
    for t in targets:
        if t.by_date > points[-1][0]:
            points.append((t.by_date, t.outstanding_max))
    return points


def path_value(points: list[tuple[dt.date, int]], day: dt.date) -> int:
    """The planned outstanding figure on ``day`` (linear between the points, rounded up; flat beyond)."""
    if day <= points[0][0]:
        return points[0][1]
    for (d0, v0), (d1, v1) in zip(points, points[1:], strict=False):
        if d0 < day <= d1:
            return math.ceil(v0 + (v1 - v0) * (day - d0).days / (d1 - d0).days)
    return points[-1][1]


def standing(item: Any, day: dt.date, readings: list | None = None, targets: list | None = None) -> Standing:
    """Where ``item`` stands on ``day`` (its readings and targets: given, or prefetched, or read)."""
    readings = sorted(readings if readings is not None else item.readings.all(), key=lambda r: r.on)
    targets = sorted(targets if targets is not None else item.targets.all(), key=lambda t: t.by_date)
    percent = (
        100.0 if item.baseline == 0 else max(0.0, (item.baseline - item.outstanding) * 100 / item.baseline)
    )
    result = Standing(item=item, day=day, percent=round(percent, 1))
    result.overdue = [t for t in targets if t.by_date < day and item.outstanding > t.outstanding_max]
    upcoming = [t for t in targets if t.by_date >= day]
    if upcoming:
        result.next_target = upcoming[0]
        result.expected = path_value(_path_points(item, readings, targets), day)
        result.on_track = item.outstanding <= result.expected
    elif targets:
        result.on_track = not result.overdue
    return result


def burn_down(
    item: Any, readings: list, targets: list, *, small: bool = True
) -> tuple[SafeString, SafeString]:
    """The item's burn-down: outstanding by reading day, and (dashed) the path to its targets."""
    readings = sorted(readings, key=lambda r: r.on)[-CHART_POINTS:]
    targets = sorted(targets, key=lambda t: t.by_date)
    last_reading = readings[-1].on if readings else None
    days = sorted(
        {r.on for r in readings}
        | {t.by_date for t in targets if last_reading is None or t.by_date > last_reading}
    )
    days = days[:CHART_POINTS] or [item.updated_on]
    by_day = {r.on: r.outstanding for r in readings}
    values, current, shown = [], item.baseline, 0
    for i, d in enumerate(days):
        if d in by_day:
            current, shown = by_day[d], i + 1
        values.append(current)
    series = [Series("Outstanding", values, upto=shown or None)]
    if targets:
        points = _path_points(item, readings, targets)
        series.append(Series("Target path", [path_value(points, d) for d in days], dashed=True))
    chart = Chart(
        title=f"{item.organisation.name}: {item.category.name} outstanding",
        labels=[f"{d:%d %b %Y}" for d in days],
        series=series,
        description="Records outstanding on each reading day, and the straight path to the targets.",
        label_heading="Day",
        width=320 if small else 640,
        height=140 if small else 240,
        key=f"burn-{item.pk}",
        label_every=max(1, len(days) // (4 if small else 10)),
    )
    return chart.lines(), chart.table()


# Forms ----------------------------------------------------------------------------------------------------


def _managed_programmes(v: Any) -> QuerySet:
    if v.admin:
        return Programme.objects.order_by("name")
    return Programme.objects.filter(pk__in=v.manages).order_by("name")


class CleanseFilterForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, empty_label="Any participant"
    )
    category = forms.ModelChoiceField(
        queryset=CleanseCategory.objects.none(), required=False, empty_label="Any category"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visible = queries.cleanse_visible_to(user)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=visible.values("organisation_id")
        ).order_by("name")
        self.fields["category"].queryset = CleanseCategory.objects.filter(
            pk__in=visible.values("category_id")
        ).order_by("name")


class CategoryForm(ActionForm):
    title = "Add a cleanse category"
    button = "Add category"
    programme = forms.ModelChoiceField(queryset=Programme.objects.none())
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    order = forms.IntegerField(required=False, min_value=0, max_value=1000, initial=0)

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = _managed_programmes(viewer)

    def submit(self, actor: Any) -> str:
        d = self.cleaned_data
        made = actions.create_category(
            actor=actor,
            programme=d["programme"],
            name=d["name"],
            description=d["description"],
            order=d["order"] or 0,
        )
        return f"Category {made.name} added."


class ItemForm(ActionForm):
    title = "Track a cleanse item"
    button = "Add item"
    help = (
        "A participant's records to cleanse in one category: the baseline found, and what is outstanding now."
    )
    category = forms.ModelChoiceField(queryset=CleanseCategory.objects.none())
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label="Participant")
    baseline = forms.IntegerField(min_value=0, max_value=MAX_VOLUME)
    outstanding = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_VOLUME, help_text="Default: the baseline"
    )
    on = forms.DateField(required=False, widget=DATE, label="As on", help_text="Default: today")

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = CleanseCategory.objects.select_related("programme").order_by(
            "programme__name", "order", "name"
        )
        orgs = Organisation.objects.filter(pk__in=viewer.organisation_ids)
        if viewer.manages_any:
            entrants = (
                Entrant.objects.all()
                if viewer.admin
                else Entrant.objects.filter(window__programme_id__in=viewer.manages)
            )
            orgs = Organisation.objects.filter(pk__in=entrants.values("organisation_id")) | orgs
        self.fields["organisation"].queryset = orgs.distinct().order_by("name")

    def submit(self, actor: Any) -> str:
        d = self.cleaned_data
        item = actions.create_item(
            actor=actor,
            category=d["category"],
            organisation=d["organisation"],
            baseline=d["baseline"],
            outstanding=d["outstanding"],
            on=d["on"],
        )
        return f"{item.organisation.name}: {item.category.name} is tracked."


class UploadForm(ActionForm):
    title = "Load readings from a CSV file"
    button = "Load readings"
    help = (
        "Columns organisation (name or MPID), category, date (YYYY-MM-DD), outstanding, and optionally "
        "baseline (for an item not yet tracked). Any error and nothing is loaded; each is listed."
    )
    programme = forms.ModelChoiceField(queryset=Programme.objects.none())
    file = forms.FileField()

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = _managed_programmes(viewer)
        self.line_errors: list = []
        self.error_total = 0

    def submit(self, actor: Any) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > actions.MAX_CSV_BYTES:
            raise ActionError(
                f"The file is {upload.size:,} bytes; the limit is {actions.MAX_CSV_BYTES:,}", field="file"
            )
        try:
            done = actions.import_readings(
                actor=actor,
                programme=self.cleaned_data["programme"],
                content=upload.read(),
                filename=upload.name,
            )
        except actions.ReadingsRefused as exc:
            self.line_errors, self.error_total = exc.errors, exc.total
            raise
        return f"{done['readings']:,} readings loaded ({done['items_created']:,} new items)."


class _ItemForm(ActionForm):
    def __init__(self, *args: Any, item: Any, **kwargs: Any) -> None:
        self.item = item
        super().__init__(*args, **kwargs)


class ReportForm(_ItemForm):
    title = "Report what is outstanding"
    button = "Report"
    help = "One reading a day: a second reading the same day replaces the first."
    outstanding = forms.IntegerField(min_value=0, max_value=MAX_VOLUME)
    on = forms.DateField(widget=DATE, label="On")
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = today()

    def submit(self, actor: Any) -> str:
        d = self.cleaned_data
        actions.report_outstanding(
            actor=actor, item=self.item, outstanding=d["outstanding"], on=d["on"], note=d["note"] or None
        )
        return f"{d['outstanding']:,} outstanding on {d['on']:%d %b %Y} recorded."


class TargetForm(_ItemForm):
    title = "Set a target"
    button = "Set target"
    help = "At most this many outstanding by the date (replaces a target of the same date)."
    by_date = forms.DateField(widget=DATE, label="By")
    outstanding_max = forms.IntegerField(min_value=0, max_value=MAX_VOLUME, label="At most outstanding")

    def submit(self, actor: Any) -> str:
        d = self.cleaned_data
        actions.set_target(
            actor=actor, item=self.item, by_date=d["by_date"], outstanding_max=d["outstanding_max"]
        )
        return f"Target by {d['by_date']:%d %b %Y} set."


class RemoveTargetForm(_ItemForm):
    title = "Remove a target"
    button = "Remove"
    danger = True
    target = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def submit(self, actor: Any) -> str:
        target = CleanseTarget.objects.filter(pk=self.cleaned_data["target"], item=self.item).first()
        if target is None:
            raise ActionError("No such target on this item", field="target")
        actions.remove_target(actor=actor, target=target)
        return f"Target by {target.by_date:%d %b %Y} removed."


ITEM_FORMS: dict[str, type[_ItemForm]] = {
    "report": ReportForm,
    "target": TargetForm,
    "remove_target": RemoveTargetForm,
}


# The list -------------------------------------------------------------------------------------------------


def _filtered(request: HttpRequest) -> tuple[CleanseFilterForm, QuerySet, bool]:
    form = CleanseFilterForm(request.GET or None, user=request.user)
    valid = not request.GET or form.is_valid()
    qs = queries.cleanse_visible_to(request.user)
    if not valid:
        return form, qs.none(), False
    d = form.cleaned_data if form.is_bound else {}
    if d.get("organisation") is not None:
        qs = qs.filter(organisation=d["organisation"])
    if d.get("category") is not None:
        qs = qs.filter(category=d["category"])
    qs = qs.prefetch_related(
        Prefetch("readings", queryset=CleanseReading.objects.order_by("on")),
        Prefetch("targets", queryset=CleanseTarget.objects.order_by("by_date")),
    )
    return form, qs.order_by("organisation__name", "category__order", "category__name", "pk"), True


def _list_context(request: HttpRequest, bound: dict | None = None) -> tuple[dict, bool]:
    v = queries.viewer(request.user)
    form, qs, valid = _filtered(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    day = today()
    rows = []
    for item in page.object_list:
        readings, targets = list(item.readings.all()), list(item.targets.all())
        svg, table = burn_down(item, readings, targets)
        rows.append(
            {"item": item, "standing": standing(item, day, readings, targets), "svg": svg, "table": table}
        )
    bound = bound or {}
    managed = _managed_programmes(v)
    can_manage = v.manages_any
    forms_ = {}
    if can_manage:
        forms_["category"] = bound.get("category") or CategoryForm(prefix="category", viewer=v)
        forms_["upload"] = bound.get("upload") or UploadForm(prefix="upload", viewer=v)
    if v.organisation_ids or can_manage:
        forms_["item"] = bound.get("item") or ItemForm(prefix="item", viewer=v)
    urls = {
        "category": reverse("migration_cleanse_category_new"),
        "item": reverse("migration_cleanse_item_new"),
        "upload": reverse("migration_cleanse_upload"),
    }
    panels = [{"verb": k, "form": f, "url": urls[k]} for k, f in forms_.items()]
    query = {k: val[:100] for k, val in request.GET.items() if k != "page" and val}
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "today": day,
        "panels": panels,
        "upload_form": forms_.get("upload"),
        "extra_qs": urlencode(query),
        "export_qs": urlencode(query),
        "programmes": managed if can_manage else [],
    }
    return context, valid


@login_required
def cleanse_list(request: HttpRequest) -> HttpResponse:
    context, valid = _list_context(request)
    return render(request, "migration/cleanse/list.html", context, status=200 if valid else 400)


def _post_list_form(
    request: HttpRequest, verb: str, form_class: type, *, files: bool = False
) -> HttpResponse:
    v = queries.viewer(request.user)
    args = (request.POST, request.FILES) if files else (request.POST,)
    form = form_class(*args, prefix=verb, viewer=v)
    message, status = run_action_form(form, Actor.from_request(request))
    if message is not None:
        messages.success(request, message)
        return redirect("migration_cleanse")
    context, _valid = _list_context(request, bound={verb: form})
    return render(request, "migration/cleanse/list.html", context, status=status)


@login_required
@post_form(lambda: reverse("migration_cleanse"))
def cleanse_category_new(request: HttpRequest) -> HttpResponse:
    if not queries.viewer(request.user).manages_any:
        return render(request, "core/forbidden.html", {"reason": permissions.NOT_MANAGER}, status=403)
    return _post_list_form(request, "category", CategoryForm)


@login_required
@post_form(lambda: reverse("migration_cleanse"))
def cleanse_item_new(request: HttpRequest) -> HttpResponse:
    return _post_list_form(request, "item", ItemForm)


@login_required
@post_form(lambda: reverse("migration_cleanse"))
def cleanse_upload(request: HttpRequest) -> HttpResponse:
    if not queries.viewer(request.user).manages_any:
        return render(request, "core/forbidden.html", {"reason": permissions.NOT_MANAGER}, status=403)
    return _post_list_form(request, "upload", UploadForm, files=True)


def _standing_of(item: Any) -> Standing:
    cached = getattr(item, "_standing", None)
    if cached is None:
        cached = item._standing = standing(item, today(), list(item.readings.all()), list(item.targets.all()))
    return cached


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


COLUMNS = [
    export.Column("Participant", lambda i: i.organisation.name),
    export.Column("Category", lambda i: i.category.name),
    export.Column("Baseline", lambda i: i.baseline),
    export.Column("Outstanding", lambda i: i.outstanding),
    export.Column("As on", lambda i: i.updated_on.isoformat()),
    export.Column("% cleansed", lambda i: _standing_of(i).percent),
    export.Column(
        "Next target by",
        lambda i: s.next_target.by_date.isoformat() if (s := _standing_of(i)).next_target else "",
    ),
    export.Column(
        "Next target at most",
        lambda i: s.next_target.outstanding_max if (s := _standing_of(i)).next_target else "",
    ),
    export.Column("On track", lambda i: _yes_no(_standing_of(i).on_track)),
    export.Column("Overdue targets", lambda i: len(_standing_of(i).overdue)),
]


@login_required
def cleanse_export(request: HttpRequest) -> HttpResponse:
    form, qs, valid = _filtered(request)
    if not valid:
        text = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items())
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    return export.response(qs, COLUMNS, fmt="csv", stem="migration-cleanse")


# One item -------------------------------------------------------------------------------------------------


def _item_or_404(request: HttpRequest, pk: int) -> CleanseItem:
    return get_object_or_404(
        queries.cleanse_visible_to(request.user).select_related("category__programme"), pk=pk
    )


def item_verbs(user: Any, item: Any) -> list[str]:
    v = queries.viewer(user)
    verbs = []
    if permissions.can_report_cleanse(v, item) is None:
        verbs.append("report")
    if permissions.can_set_cleanse_targets(v, item) is None:
        verbs += ["target", "remove_target"]
    return verbs


def _item_context(request: HttpRequest, item: CleanseItem, bound: dict | None = None) -> dict:
    verbs = item_verbs(request.user, item)
    readings = list(CleanseReading.objects.filter(item=item).order_by("on"))
    targets = list(CleanseTarget.objects.filter(item=item).order_by("by_date"))
    svg, table = burn_down(item, readings, targets, small=False)
    bound = bound or {}
    panels = []
    for verb in ("report", "target"):
        if verb in verbs:
            form = bound.get(verb) or ITEM_FORMS[verb](prefix=verb, item=item)
            panels.append(
                {
                    "verb": verb,
                    "form": form,
                    "url": reverse("migration_cleanse_item_action", args=[item.pk, verb]),
                }
            )
    history = Paginator(list(reversed(readings)), 100).get_page(request.GET.get("page"))
    return {
        "item": item,
        "standing": standing(item, today(), readings, targets),
        "targets": targets,
        "history": history,
        "svg": svg,
        "table": table,
        "panels": panels,
        "can_remove_target": "remove_target" in verbs,
        "remove_error": bound.get("remove_target"),
        "today": today(),
    }


@login_required
def cleanse_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(request, pk)
    return render(request, "migration/cleanse/item.html", _item_context(request, item))


@login_required
@post_form(lambda pk, verb: reverse("migration_cleanse_item", args=[pk]) + f"#do-{verb}")
def cleanse_item_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    if verb not in ITEM_FORMS:
        raise Http404("No such action")
    item = _item_or_404(request, pk)
    form = ITEM_FORMS[verb](request.POST, prefix=verb, item=item)
    message, status = run_action_form(form, Actor.from_request(request))
    if message is not None:
        messages.success(request, message)
        return redirect("migration_cleanse_item", item.pk)
    item = _item_or_404(request, pk)
    if verb in item_verbs(request.user, item):
        context = _item_context(request, item, bound={verb: form})
    else:
        for error in form_errors(form):
            messages.error(request, error)
        context = _item_context(request, item)
    return render(request, "migration/cleanse/item.html", context, status=status)


urlpatterns = [
    path("migration/cleanse/", cleanse_list, name="migration_cleanse"),
    path("migration/cleanse/export/", cleanse_export, name="migration_cleanse_export"),
    path("migration/cleanse/categories/", cleanse_category_new, name="migration_cleanse_category_new"),
    path("migration/cleanse/items/", cleanse_item_new, name="migration_cleanse_item_new"),
    path("migration/cleanse/upload/", cleanse_upload, name="migration_cleanse_upload"),
    path("migration/cleanse/<int:pk>/", cleanse_item, name="migration_cleanse_item"),
    path(
        "migration/cleanse/<int:pk>/<slug:verb>/", cleanse_item_action, name="migration_cleanse_item_action"
    ),
]
