"""The KPI pages' query: ``?month=YYYY-MM&provider=&service=&severity=&organisation=`` (and ``from`` for a
trend), parsed once, bounded and checked against what the viewer may slice by
(:func:`busbar.reports.queries.audience`).

* Garbage (``month=13-2027``, ``provider=abc``, an unknown service or severity) is a :class:`QueryError`
  naming the field, shown as a 400 page (or a plain 400 for exports).
* A slice the viewer may not see (another provider's figures, any provider breakdown for a participant,
  another participant's incidents) is :class:`Hidden`: a 404, the same as a provider that does not exist,
  so the page never tells which organisations are providers.
* A month after the current one is allowed: the page says there are no figures yet.
* A range (``from`` … ``month``) over :data:`MAX_MONTHS` months is refused naming ``from``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.http import QueryDict
from django.utils import timezone

from busbar.reports.queries import Audience

LONDON = ZoneInfo("Europe/London")
#: The longest range of months one page or export reads (five years).
MAX_MONTHS = 60
#: A trend's length: the chosen month and the twelve before it.
TREND_MONTHS = 13
FIRST_YEAR, LAST_YEAR = 2000, 2199
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_ID = re.compile(r"^\d{1,12}$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")
_CODE = re.compile(r"^[-A-Za-z0-9_]{1,10}$")
#: The query arguments a KPI page understands (everything else is ignored).
FIELDS = ("month", "from", "provider", "service", "severity", "organisation")


class QueryError(ValueError):
    """A query argument that is not well formed (400, naming ``field``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Hidden(LookupError):
    """A slice the viewer may not see, or that does not exist (404)."""


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(start: dt.date, end: dt.date) -> int:
    """Months from ``start`` to ``end``, both included."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def this_month(now: dt.datetime | None = None) -> dt.date:
    today = timezone.localtime(now or timezone.now(), LONDON).date()
    return today.replace(day=1)


def parse_month(raw: str, field: str) -> dt.date:
    match = _MONTH.match(raw.strip()[:20])
    if not match:
        raise QueryError(field, "give a month as YYYY-MM, for example 2027-05")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise QueryError(field, "the month must be 01 to 12")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise QueryError(field, f"the year must be {FIRST_YEAR} to {LAST_YEAR}")
    return dt.date(year, month, 1)


@dataclass(frozen=True)
class Choice:
    id: int | str
    label: str


@dataclass(frozen=True)
class KpiQuery:
    """A parsed, allowed query. ``start`` is the trend's first month (``month`` for one-month figures)."""

    month: dt.date
    start: dt.date
    provider: Choice | None = None
    service: Choice | None = None
    severity: str = ""
    organisation: Choice | None = None
    #: The current month (London): a later ``month`` has no figures yet.
    current: dt.date | None = None

    @property
    def is_future(self) -> bool:
        return self.current is not None and self.month > self.current

    @property
    def provider_id(self) -> int | None:
        return int(self.provider.id) if self.provider else None

    @property
    def service_id(self) -> int | None:
        return int(self.service.id) if self.service else None

    @property
    def organisation_id(self) -> int | None:
        return int(self.organisation.id) if self.organisation else None

    def filters(self, *, start: dt.date | None = None, end: dt.date | None = None, **changes):
        """The engine's filters for this query (one month unless ``start``/``end`` are given)."""
        from busbar.reports import engine

        values = {
            "provider_id": self.provider_id,
            "service_id": self.service_id,
            "severity": self.severity or None,
            "organisation_id": self.organisation_id,
            **changes,
        }
        return engine.Filters(start=start or self.month, end=end or self.month, **values)

    def args(self, **changes) -> dict[str, str]:
        """The query arguments that reproduce this query (``changes`` override; None drops one)."""
        values: dict[str, str | None] = {
            "month": f"{self.month:%Y-%m}",
            "provider": str(self.provider.id) if self.provider else None,
            "service": str(self.service.id) if self.service else None,
            "severity": self.severity or None,
            "organisation": str(self.organisation.id) if self.organisation else None,
        }
        values.update({k: (None if v is None else str(v)) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v not in (None, "")}

    def qs(self, **changes) -> str:
        return urlencode(self.args(**changes))

    def replace(self, **changes) -> KpiQuery:
        return replace(self, **changes)


def provider_choices(who: Audience) -> list[Choice]:
    """The providers the viewer may slice by: every provider for the desk, its own for a provider."""
    from busbar.parties.models import PROVIDER_ROLES, Organisation

    if who.kind == "participant" or who.kind == "anonymous":
        return []
    qs = Organisation.objects.filter(roles__role__in=PROVIDER_ROLES).distinct().order_by("name")
    if not who.is_desk:
        qs = qs.filter(pk__in=who.provider_ids)
    return [Choice(pk, name) for pk, name in qs.values_list("pk", "name")[:500]]


def service_choices() -> list[Choice]:
    from busbar.services.models import Service

    qs = Service.objects.order_by("name").values_list("pk", "name")[:500]
    return [Choice(pk, name) for pk, name in qs]


def severity_choices() -> list[Choice]:
    """Severity codes, most severe first, once each (schemes share codes)."""
    from busbar.services.models import Severity

    seen: dict[str, str] = {}
    for code, label in Severity.objects.order_by("rank", "scheme_id").values_list("code", "label")[:200]:
        seen.setdefault(code, f"{code}: {label}")
    return [Choice(code, label) for code, label in seen.items()]


def parse(
    params: QueryDict,
    who: Audience,
    *,
    trend: bool = False,
    now: dt.datetime | None = None,
) -> KpiQuery:
    """The query in ``params`` for ``who``; :class:`QueryError` (400) or :class:`Hidden` (404)."""
    from busbar.parties.models import PROVIDER_ROLES, Organisation
    from busbar.services.models import Service, Severity

    current = this_month(now)
    raw_month = params.get("month", "")
    month = parse_month(raw_month, "month") if raw_month.strip() else current
    start = month
    if trend:
        start = add_months(month, -(TREND_MONTHS - 1))
        raw_from = params.get("from", "")
        if raw_from.strip():
            start = parse_month(raw_from, "from")
            if start > month:
                raise QueryError("from", "must not be after the month")
            if months_between(start, month) > MAX_MONTHS:
                raise QueryError("from", f"a range covers at most {MAX_MONTHS} months (five years)")

    provider = None
    raw = params.get("provider", "").strip()
    if raw:
        if not _ID.match(raw):
            raise QueryError("provider", "give a provider's number")
        if not who.may_see_provider(int(raw)):
            raise Hidden("provider")
        found = (
            Organisation.objects.filter(pk=int(raw), roles__role__in=PROVIDER_ROLES)
            .values_list("pk", "name")
            .first()
        )
        if found is None:
            raise Hidden("provider")
        provider = Choice(*found)

    service = None
    raw = params.get("service", "").strip()
    if raw:
        if _ID.match(raw):
            found = Service.objects.filter(pk=int(raw)).values_list("pk", "name").first()
        elif _SLUG.match(raw):
            found = Service.objects.filter(slug=raw).values_list("pk", "name").first()
        else:
            found = None
        if found is None:
            raise QueryError("service", "no such service")
        service = Choice(*found)

    severity = params.get("severity", "").strip()
    if severity and (not _CODE.match(severity) or not Severity.objects.filter(code=severity).exists()):
        raise QueryError("severity", "no such severity")

    organisation = None
    raw = params.get("organisation", "").strip()
    if raw:
        if not _ID.match(raw):
            raise QueryError("organisation", "give an organisation's number")
        if not who.may_see_organisation(int(raw)):
            raise Hidden("organisation")
        found = Organisation.objects.filter(pk=int(raw)).values_list("pk", "name").first()
        if found is None:
            raise Hidden("organisation")
        organisation = Choice(*found)

    return KpiQuery(
        month=month,
        start=start,
        provider=provider,
        service=service,
        severity=severity,
        organisation=organisation,
        current=current,
    )
