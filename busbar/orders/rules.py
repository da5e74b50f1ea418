"""The ordering rules as data, evaluated (RQ-24, RQ-25): which rule is in force for a variant, the earliest
delivery date a lead time allows, whether an order keeps within its month's forecast, and the forecast
lines a supplier submits (from a form, the API or a CSV file).

Each check raises :class:`~busbar.lib.actions.ActionError` naming the field at fault; a forecast with bad
lines raises :class:`LineErrors` naming every bad line (nothing is stored).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, Sum, When
from django.utils import timezone

from busbar.lib.actions import ActionError
from busbar.orders.models import (
    Forecast,
    HubOrder,
    HubVariant,
    OmsSettings,
    OrderRule,
    OrderStatus,
    Region,
    ShortResolution,
)

#: A forecast quantity is a whole number from 0 to this.
MAX_FORECAST = 1_000_000
#: An order's quantity is at most this (a sanity bound; the forecast tolerance is the real limit).
MAX_ORDER = 1_000_000
#: At most this many lines in one forecast submission (months × regions × variants, with room to spare).
MAX_LINES = 2_000
#: A CSV forecast file is at most this many bytes.
MAX_CSV_BYTES = 512 * 1024
CSV_COLUMNS = ("month", "region", "variant", "quantity")


# Rules in force ---------------------------------------------------------------------------------------


def rule_for(variant: HubVariant | None, on_date: dt.date) -> OrderRule | None:
    """The rule in force on ``on_date`` for ``variant``: its own rule with the latest ``effective_from`` on or
    before the date, else the all-variants rule so chosen; None when there is none."""
    qs = OrderRule.objects.filter(effective_from__lte=on_date).select_related("calendar", "variant")
    if variant is not None:
        own = qs.filter(variant=variant).order_by("-effective_from", "-id").first()
        if own is not None:
            return own
    return qs.filter(variant__isnull=True).order_by("-effective_from", "-id").first()


def earliest_delivery(rule: OrderRule, ordered_at: dt.datetime) -> dt.date:
    """The first delivery date ``rule`` allows for an order placed at ``ordered_at``: ``lead_time_days``
    working days on the rule's calendar (weekends and England & Wales bank holidays closed on the default
    working-hours calendar), as a London date. An order placed out of hours counts from the next opening."""
    from busbar.records.sla import working_calendar

    calendar = working_calendar(rule.calendar)
    due = calendar.add_working_days(ordered_at, int(rule.lead_time_days))
    return timezone.localdate(due)


def settings() -> OmsSettings:
    """The OMS settings row (an unsaved default when the installation has none)."""
    return OmsSettings.objects.select_related("order_sla_policy").first() or OmsSettings()


# Months -----------------------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def horizon(today: dt.date, oms: OmsSettings | None = None) -> list[dt.date]:
    """The months a forecast submitted on ``today`` covers: from next month, ``forecast_horizon_months``
    of them."""
    oms = oms or settings()
    first = add_months(month_start(today), 1)
    return [add_months(first, i) for i in range(oms.forecast_horizon_months)]


def frozen(today: dt.date, oms: OmsSettings | None = None) -> list[dt.date]:
    """The near months of the horizon whose forecast, once given, can no longer change."""
    oms = oms or settings()
    return horizon(today, oms)[: oms.freeze_months]


def parse_month(value: Any) -> dt.date | None:
    """``2027-08``, ``2027-08-01`` or a date → the first of the month; None when it is not one."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return month_start(value)
    if not isinstance(value, str):
        return None
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\s*", value)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)).replace(day=1)
    except ValueError:
        return None


def region_of(value: Any) -> str | None:
    """A region by code or name (any case)."""
    if not isinstance(value, str):
        return None
    wanted = value.strip().lower()
    for code, label in Region.choices:
        if wanted in (code, label.lower()):
            return code
    return None


def describe(month: dt.date, region: str, variant: HubVariant) -> str:
    return f"{month:%Y-%m} {Region(region).label} {variant.name}"


# Orders -----------------------------------------------------------------------------------------------


def ordered_total(
    supplier: Any, month: dt.date, region: str, variant: HubVariant, *, exclude: Any = None
) -> int:
    """What ``supplier`` has on order for the cell: its orders not cancelled (a short shipment whose
    balance was cancelled counts what was delivered)."""
    qs = HubOrder.objects.filter(supplier=supplier, month=month, region=region, variant=variant).exclude(
        status=OrderStatus.CANCELLED
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    counted = Case(
        When(short_resolution=ShortResolution.CANCEL_BALANCE, then=F("delivered_quantity")),
        default=F("quantity"),
    )
    return int(qs.aggregate(total=Sum(counted))["total"] or 0)


def ceiling(forecast: int, tolerance_percent: int) -> int:
    """The most a month's orders may total: forecast × (1 + tolerance %), rounded down."""
    return forecast * (100 + tolerance_percent) // 100


@dataclass(frozen=True)
class Allowance:
    """Where a supplier stands for one month, region and variant."""

    forecast: int | None
    tolerance_percent: int
    ordered: int

    @property
    def ceiling(self) -> int | None:
        return None if self.forecast is None else ceiling(self.forecast, self.tolerance_percent)

    @property
    def remaining(self) -> int:
        return 0 if self.ceiling is None else max(self.ceiling - self.ordered, 0)


def allowance(
    supplier: Any, month: dt.date, region: str, variant: HubVariant, rule: OrderRule | None
) -> Allowance:
    cell = (
        Forecast.objects.filter(supplier=supplier, month=month, region=region, variant=variant)
        .values_list("quantity", flat=True)
        .first()
    )
    return Allowance(
        forecast=cell,
        tolerance_percent=rule.tolerance_percent if rule else 0,
        ordered=ordered_total(supplier, month, region, variant),
    )


def check_order(
    *,
    supplier: Any,
    region: str,
    variant: HubVariant,
    quantity: int,
    delivery_date: dt.date,
    now: dt.datetime,
) -> OrderRule:
    """The rule in force for an order placed ``now``, when the order keeps to it; else the first breach as
    an :class:`ActionError` naming the field (quantity, delivery_date, variant)."""
    if not variant.orderable or not variant.is_active:
        raise ActionError(f"{variant.name} cannot be ordered (returns only)", field="variant")
    today = timezone.localdate(now)
    rule = rule_for(variant, today)
    if rule is None:
        raise ActionError(f"No ordering rule is in force for {variant.name}", field="variant")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_ORDER:
        raise ActionError(f"Give a whole number of hubs from 1 to {MAX_ORDER:,}", field="quantity")
    if quantity < rule.min_quantity:
        raise ActionError(f"The minimum order is {rule.min_quantity:,} hubs", field="quantity")
    if quantity % rule.pack_size:
        lower = quantity // rule.pack_size * rule.pack_size
        raise ActionError(
            f"Order whole packs of {rule.pack_size}: {quantity:,} is not a multiple "
            f"(try {lower:,} or {lower + rule.pack_size:,})",
            field="quantity",
        )
    earliest = earliest_delivery(rule, now)
    if delivery_date < earliest:
        raise ActionError(
            f"The earliest delivery date is {earliest:%a %d %b %Y} ({rule.lead_time_days} working days' "
            f"notice on {rule.calendar.name})",
            field="delivery_date",
        )
    month = month_start(delivery_date)
    where = describe(month, region, variant)
    cell = (
        Forecast.objects.filter(supplier=supplier, month=month, region=region, variant=variant)
        .values_list("quantity", flat=True)
        .first()
    )
    if cell is None:
        raise ActionError(f"No forecast for {where}: forecast the month before ordering", field="quantity")
    already = ordered_total(supplier, month, region, variant)
    if (already + quantity) * 100 > cell * (100 + rule.tolerance_percent):
        most = max(ceiling(cell, rule.tolerance_percent) - already, 0)
        packs = most // rule.pack_size * rule.pack_size
        raise ActionError(
            f"Outside the forecast tolerance for {where}: the forecast is {cell:,} with a "
            f"{rule.tolerance_percent}% tolerance (at most {ceiling(cell, rule.tolerance_percent):,}); "
            f"{already:,} already ordered, so at most {most:,} more can be ordered "
            f"({packs:,} in packs of {rule.pack_size})",
            field="quantity",
        )
    return rule


# Forecast lines ---------------------------------------------------------------------------------------


class LineErrors(ActionError):
    """A forecast with bad lines: every one named (``errors``: (label, message)); nothing stored."""

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        self.errors = list(errors)
        shown = "; ".join(f"{label}: {message}" for label, message in self.errors[:20])
        more = f"; and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        first = self.errors[0][0] if self.errors else None
        field = first if first and first.startswith("lines[") else "lines"
        super().__init__(f"{len(self.errors)} bad line(s), nothing saved: {shown}{more}", field=field)


@dataclass(frozen=True)
class Cell:
    month: dt.date
    region: str
    variant: HubVariant
    quantity: int


def _label(line: Mapping[str, Any], index: int) -> str:
    if isinstance(line, Mapping) and isinstance(line.get("label"), str):
        return line["label"][:80]
    number = line.get("line") if isinstance(line, Mapping) else None
    return f"Line {number}" if isinstance(number, int) and number > 0 else f"lines[{index}]"


def _quantity(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,7}\s*", value.replace(",", "")):
        return int(value.replace(",", ""))
    return None


def clean_lines(
    lines: Iterable[Mapping[str, Any]],
    *,
    supplier: Any,
    today: dt.date,
    oms: OmsSettings | None = None,
) -> list[Cell]:
    """The forecast lines checked: a month of the horizon, a region, an orderable variant, a quantity from
    0 to 1,000,000, each cell once, and no change to a frozen month's cell already forecast. Every bad
    line is reported (:class:`LineErrors`)."""
    oms = oms or settings()
    lines = list(lines)
    if not lines:
        raise ActionError("Give at least one forecast line", field="lines")
    if len(lines) > MAX_LINES:
        raise ActionError(f"At most {MAX_LINES:,} lines in one forecast", field="lines")
    months = horizon(today, oms)
    frozen_months = set(months[: oms.freeze_months])
    variants = {v.code: v for v in HubVariant.objects.all()}
    current = {
        (c.month, c.region, c.variant_id): c.quantity
        for c in Forecast.objects.filter(supplier=supplier, month__in=frozen_months)
    }
    errors: list[tuple[str, str]] = []
    seen: dict[tuple, str] = {}
    cells = []
    for index, line in enumerate(lines):
        label = _label(line, index)
        if not isinstance(line, Mapping):
            errors.append((label, "not a forecast line"))
            continue
        month = parse_month(line.get("month"))
        region = region_of(line.get("region"))
        code = line.get("variant")
        variant = variants.get(code.strip().lower()) if isinstance(code, str) else None
        quantity = _quantity(line.get("quantity"))
        problems = []
        if month is None:
            problems.append(f"month {str(line.get('month'))[:20]!r} is not a month like 2027-08")
        elif month not in months:
            problems.append(
                f"month {month:%Y-%m} is outside the forecast horizon {months[0]:%Y-%m} to {months[-1]:%Y-%m}"
            )
        if region is None:
            problems.append(
                f"region {str(line.get('region'))[:20]!r} is not one of " + ", ".join(Region.values)
            )
        if variant is None:
            problems.append(f"variant {str(code)[:30]!r} is unknown")
        elif not variant.orderable or not variant.is_active:
            problems.append(f"variant {variant.code} is not orderable")
        if quantity is None or not 0 <= quantity <= MAX_FORECAST:
            problems.append(
                f"quantity {str(line.get('quantity'))[:12]!r} is not a whole number "
                f"from 0 to {MAX_FORECAST:,}"
            )
        if not problems:
            key = (month, region, variant.pk)
            if key in seen:
                problems.append(f"{describe(month, region, variant)} is already given on {seen[key]}")
            elif month in frozen_months and key in current and current[key] != quantity:
                problems.append(
                    f"{describe(month, region, variant)} is frozen at {current[key]:,}: a month within "
                    f"{oms.freeze_months} month(s) cannot change once forecast"
                )
            seen.setdefault(key, label)
        if problems:
            errors.append((label, "; ".join(problems)))
        else:
            cells.append(Cell(month=month, region=region, variant=variant, quantity=quantity))
    if errors:
        raise LineErrors(errors)
    return cells


def read_csv(content: bytes) -> list[dict[str, Any]]:
    """A forecast CSV (header ``month,region,variant,quantity``) as lines carrying their file line numbers
    (the header is line 1). A file that is not such a CSV is refused on ``file``."""
    if len(content) > MAX_CSV_BYTES:
        raise ActionError(f"The file is over {MAX_CSV_BYTES // 1024} KB", field="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ActionError("The file is not UTF-8 text (save it as CSV UTF-8)", field="file") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ActionError("The file is empty", field="file") from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in CSV_COLUMNS if c not in names]
    if missing:
        raise ActionError(
            "Line 1: the header must name the columns "
            + ",".join(CSV_COLUMNS)
            + f" (missing {', '.join(missing)})",
            field="file",
        )
    lines = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            values = dict(zip(names, row, strict=False))
            lines.append({**{c: values.get(c, "") for c in CSV_COLUMNS}, "line": reader.line_num})
            if len(lines) > MAX_LINES:
                raise ActionError(f"At most {MAX_LINES:,} lines in one forecast", field="file")
    except csv.Error as exc:
        raise ActionError(f"Line {reader.line_num}: {exc}", field="file") from None
    if not lines:
        raise ActionError("The file has no forecast lines", field="file")
    return lines
