"""Data cleanse tracking (QM-19, QM-26, QM-31): the programme's cleanse categories, each participant's
cleanse items (a baseline and what is outstanding), daily readings of what is outstanding (one a day: a
second the same day replaces it), targets by date, and a CSV of readings loaded all-or-nothing. Every
change journalled as ``migration.<verb>``."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.lib.limits import SHORT_TEXT, TEXT_MAX, clean_text
from busbar.migration import permissions
from busbar.migration.common import check_day, check_volume, mpid_map, today
from busbar.migration.models import CleanseCategory, CleanseItem, CleanseReading, CleanseTarget
from busbar.migration.queries import viewer_of

#: A CSV of readings holds at most this many lines and bytes.
MAX_CSV_LINES = 50_000
MAX_CSV_BYTES = 5 * 1024 * 1024
#: At most this many line errors are reported (the count says how many there were).
MAX_ERRORS_SHOWN = 200
CSV_COLUMNS = ("organisation", "category", "date", "outstanding")


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str


class ReadingsRefused(ActionError):
    """A CSV of readings with errors: nothing was loaded. ``errors``: each line's problems."""

    def __init__(self, errors: list[LineError], total: int) -> None:
        first = errors[0]
        super().__init__(
            f"{total:,} error{'s' if total != 1 else ''} in the file, nothing loaded; "
            f"line {first.line}: {first.message}",
            field="file",
        )
        self.errors = errors
        self.total = total


def _write(actor: Actor, obj: Any, verb: str, owner: Any, changes: dict) -> None:
    journal(actor=actor, action=f"migration.{verb}", obj=obj, owner=owner, changes=changes)


def _not_future(day: dt.date, *, field: str, now: dt.datetime | None) -> dt.date:
    if day > today(now):
        raise ActionError("A reading is of a day that has come: not in the future", field=field)
    return day


def _item_of(item: CleanseItem) -> CleanseItem:
    return (
        CleanseItem.objects.select_for_update(of=("self",))
        .select_related("category", "organisation")
        .get(pk=item.pk)
    )


@action
def create_category(
    *, actor: Actor, programme: Any, name: str, description: str = "", order: int = 0
) -> CleanseCategory:
    """A kind of data problem participants cleanse (the programme's migration managers)."""
    refuse(permissions.can_keep_cleanse_categories(viewer_of(actor), programme))
    name = clean_text(name, field="name", limit=120, what="The name")
    description = clean_text(description, field="description", limit=TEXT_MAX, required=False)
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 1000:
        raise ActionError("Give an order from 0 to 1000", field="order")
    if CleanseCategory.objects.filter(programme=programme, name__iexact=name).exists():
        raise Conflict(f"There is a category {name!r} already", field="name")
    category = CleanseCategory.objects.create(
        programme=programme, name=name, description=description, order=order
    )
    _write(actor, category, "create_cleanse_category", None, {"name": [None, name]})
    return category


@action
def create_item(
    *,
    actor: Actor,
    category: CleanseCategory,
    organisation: Any,
    baseline: int,
    outstanding: int | None = None,
    on: dt.date | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> CleanseItem:
    """A participant's cleanse work in ``category``: ``baseline`` records found, ``outstanding`` now
    (default: the baseline) as read on ``on`` (default: today). The organisation itself or the managers."""
    refuse(permissions.can_create_cleanse_item(viewer_of(actor), category, organisation.pk))
    baseline = check_volume(baseline, field="baseline")
    outstanding = baseline if outstanding is None else check_volume(outstanding, field="outstanding")
    on = _not_future(check_day(on or today(now), field="on"), field="on", now=now)
    note = clean_text(note, field="note", limit=500, required=False)
    if CleanseItem.objects.filter(category=category, organisation=organisation).exists():
        raise Conflict(f"{organisation.name} has a {category.name} item already", field="category")
    try:
        with transaction.atomic():
            item = CleanseItem.objects.create(
                category=category,
                organisation=organisation,
                baseline=baseline,
                outstanding=outstanding,
                updated_on=on,
                note=note,
                updated_by=actor.user,
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        raise Conflict(f"{organisation.name} has a {category.name} item already", field="category") from None
    CleanseReading.objects.create(item=item, on=on, outstanding=outstanding)
    _write(
        actor,
        item,
        "create_cleanse_item",
        organisation,
        {"category": [None, category.name], "baseline": [None, baseline], "outstanding": [None, outstanding]},
    )
    return item


def _apply_reading(item: CleanseItem, outstanding: int, on: dt.date, user: Any) -> int | None:
    """Store the reading (replacing that day's); the item follows its latest reading. The replaced
    figure (None: a new day)."""
    old = CleanseReading.objects.filter(item=item, on=on).values_list("outstanding", flat=True).first()
    CleanseReading.objects.update_or_create(item=item, on=on, defaults={"outstanding": outstanding})
    if on >= item.updated_on:
        item.outstanding, item.updated_on = outstanding, on
    item.updated_by = user
    item.save(update_fields=["outstanding", "updated_on", "updated_by"])
    return old


@action
def report_outstanding(
    *,
    actor: Actor,
    item: CleanseItem,
    outstanding: int,
    on: dt.date,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> CleanseReading:
    """What is outstanding on ``on`` (not in the future; a second reading the same day replaces the
    first). The item's figure is its latest reading's. The organisation itself or the managers."""
    item = _item_of(item)
    refuse(permissions.can_report_cleanse(viewer_of(actor), item))
    actor = actor.acting_for(item.organisation)
    outstanding = check_volume(outstanding, field="outstanding")
    on = _not_future(check_day(on, field="on"), field="on", now=now)
    if note is not None:
        item.note = clean_text(note, field="note", limit=500, required=False)
        item.save(update_fields=["note"])
    old = _apply_reading(item, outstanding, on, actor.user)
    _write(actor, item, "report_cleanse", item.organisation, {f"outstanding on {on}": [old, outstanding]})
    return CleanseReading.objects.get(item=item, on=on)


@action
def set_target(*, actor: Actor, item: CleanseItem, by_date: dt.date, outstanding_max: int) -> CleanseTarget:
    """At most ``outstanding_max`` outstanding by ``by_date`` (replaces a target of the same date): the
    programme's migration managers."""
    item = _item_of(item)
    refuse(permissions.can_set_cleanse_targets(viewer_of(actor), item))
    by_date = check_day(by_date, field="by_date")
    outstanding_max = check_volume(outstanding_max, field="outstanding_max")
    old = CleanseTarget.objects.filter(item=item, by_date=by_date).values_list("outstanding_max", flat=True)
    before = old.first()
    target, _ = CleanseTarget.objects.update_or_create(
        item=item, by_date=by_date, defaults={"outstanding_max": outstanding_max}
    )
    _write(
        actor,
        item,
        "set_cleanse_target",
        item.organisation,
        {f"target by {by_date}": [before, outstanding_max]},
    )
    return target


@action
def remove_target(*, actor: Actor, target: CleanseTarget) -> None:
    """Take a target away (the programme's migration managers)."""
    item = _item_of(target.item)
    refuse(permissions.can_set_cleanse_targets(viewer_of(actor), item))
    deleted, _ = CleanseTarget.objects.filter(pk=target.pk, item=item).delete()
    if not deleted:
        raise Conflict("That target has been removed already", field="target")
    _write(
        actor,
        item,
        "remove_cleanse_target",
        item.organisation,
        {f"target by {target.by_date}": [target.outstanding_max, None]},
    )


# The CSV of readings --------------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    if len(content) > MAX_CSV_BYTES:
        raise ActionError(f"The file is {len(content):,} bytes; the limit is {MAX_CSV_BYTES:,}", field="file")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ActionError("The file is not UTF-8 text (save it as CSV UTF-8)", field="file") from None


def _organisations(values: set[str]) -> dict[str, Any]:
    """lower-case name or upper-case MPID -> organisation (two queries)."""
    from busbar.parties.models import Organisation

    found: dict[str, Any] = {}
    names = {v.lower() for v in values}
    for org in Organisation.objects.annotate(lname=Lower("name")).filter(lname__in=names):
        found[org.name.lower()] = org
    mpids = mpid_map()
    wanted = {mpids[v.upper()] for v in values if v.upper() in mpids}
    by_id = {o.pk: o for o in Organisation.objects.filter(pk__in=wanted)}
    for value, org_id in mpids.items():
        if org_id in by_id:
            found.setdefault(value, by_id[org_id])
    return found


def _check_rows(
    programme: Any, text: str, now: dt.datetime | None
) -> tuple[list[tuple[int, Any, Any, dt.date, int, int | None]], list[LineError], int]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise ActionError("The file is empty: give a header row and readings", field="file")
    columns = [h.strip().lower() for h in header]
    missing = [c for c in CSV_COLUMNS if c not in columns]
    if missing:
        raise ActionError(
            f"The header row lacks {', '.join(missing)}"
            f" (columns: {', '.join(CSV_COLUMNS)}, baseline optional)",
            field="file",
        )
    at = {c: columns.index(c) for c in (*CSV_COLUMNS, "baseline") if c in columns}
    raw: list[tuple[int, list[str]]] = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(raw) >= MAX_CSV_LINES:
            raise ActionError(f"At most {MAX_CSV_LINES:,} readings in one file", field="file")
        raw.append((number, row))
    if not raw:
        raise ActionError("The file has no readings", field="file")

    def cell(row: list[str], name: str) -> str:
        index = at.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    orgs = _organisations({cell(r, "organisation") for _, r in raw if cell(r, "organisation")})
    categories = {c.name.lower(): c for c in CleanseCategory.objects.filter(programme=programme)}
    errors: list[LineError] = []
    good: list[tuple[int, Any, Any, dt.date, int, int | None]] = []
    seen: dict[tuple[int, int, dt.date], int] = {}
    last = today(now)
    for number, row in raw:
        problems: list[LineError] = []
        name = cell(row, "organisation")
        org = orgs.get(name.lower()) or orgs.get(name.upper())
        if org is None:
            problems.append(LineError(number, "organisation", f"No organisation {name[:60]!r}"))
        category = categories.get(cell(row, "category").lower())
        if category is None:
            problems.append(LineError(number, "category", f"No category {cell(row, 'category')[:60]!r}"))
        day = None
        try:
            day = check_day(cell(row, "date"), field="date")
            if day > last:
                problems.append(LineError(number, "date", "A reading is not of a day in the future"))
        except ActionError as exc:
            problems.append(LineError(number, "date", exc.message))
        outstanding = baseline = None
        try:
            outstanding = check_volume(cell(row, "outstanding"), field="outstanding")
        except ActionError as exc:
            problems.append(LineError(number, "outstanding", exc.message))
        if cell(row, "baseline"):
            try:
                baseline = check_volume(cell(row, "baseline"), field="baseline")
            except ActionError as exc:
                problems.append(LineError(number, "baseline", exc.message))
        if not problems:
            key = (org.pk, category.pk, day)
            if key in seen:
                problems.append(LineError(number, "date", f"The same reading as line {seen[key]}"))
            seen.setdefault(key, number)
        if problems:
            errors.extend(problems)
        else:
            good.append((number, org, category, day, outstanding, baseline))
    return good, errors, len(raw)


@action
def import_readings(
    *, actor: Actor, programme: Any, content: bytes, filename: str = "", now: dt.datetime | None = None
) -> dict[str, int]:
    """Load a CSV of readings (``organisation`` by name or MPID, ``category``, ``date``, ``outstanding``,
    optionally ``baseline`` for an item not yet tracked): all or nothing. Any line in error refuses the
    whole file (:class:`ReadingsRefused`, each error with its line). The programme's managers."""
    v = viewer_of(actor)
    refuse(permissions.can_keep_cleanse_categories(v, programme))
    good, errors, lines = _check_rows(programme, _decode(content), now)
    items = {
        (i.organisation_id, i.category_id): i
        for i in CleanseItem.objects.select_for_update(of=("self",))
        .select_related("category", "organisation")
        .filter(category__programme=programme, organisation_id__in={g[1].pk for g in good})
    }
    for number, org, category, _day, _out, _base in good:
        item = items.get((org.pk, category.pk))
        if item is not None and permissions.can_report_cleanse(v, item) is not None:
            errors.append(LineError(number, "organisation", f"You may not report for {org.name}"))
    if errors:
        errors.sort(key=lambda e: e.line)
        raise ReadingsRefused(errors[:MAX_ERRORS_SHOWN], len(errors))
    created = 0
    for _number, org, category, day, outstanding, baseline in sorted(good, key=lambda g: g[3]):
        item = items.get((org.pk, category.pk))
        if item is None:
            item = CleanseItem.objects.create(
                category=category,
                organisation=org,
                baseline=baseline if baseline is not None else outstanding,
                outstanding=outstanding,
                updated_on=day,
                updated_by=actor.user,
                created_at=now or timezone.now(),
            )
            items[(org.pk, category.pk)] = item
            created += 1
        _apply_reading(item, outstanding, day, actor.user)
    result = {"lines": lines, "readings": len(good), "items_created": created}
    journal(
        actor=actor,
        action="migration.import_cleanse_readings",
        obj=programme,
        owner=None,
        changes={"readings": [None, len(good)], "items_created": [None, created]},
        note=clean_text(filename, field="filename", limit=SHORT_TEXT, required=False),
    )
    return result
