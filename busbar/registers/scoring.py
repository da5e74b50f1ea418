"""Scores and codes the registers share: likelihood × impact, its bands, the 5×5 heat map, and the KPI
codes an item may bear on.

The registers sit below ``busbar.reports`` in the layers, so the ten KPI codes are named here once more
(a test holds them equal to ``busbar.reports.kpis.CODES``); only the codes, never the definitions.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

#: The ten seed KPIs (digest §4.2), by code, with the label shown beside each.
KPI_CODES: tuple[str, ...] = (
    "availability",
    "interruptions",
    "interruption_minutes",
    "major_changes",
    "emergency_changes",
    "incidents",
    "escalations",
    "response_time",
    "resolution_time",
    "resolved_in_sla",
)
KPI_LABELS: dict[str, str] = {
    "availability": "Service availability",
    "interruptions": "Service interruptions",
    "interruption_minutes": "Average interruption duration",
    "major_changes": "Major changes",
    "emergency_changes": "Emergency changes",
    "incidents": "Incidents",
    "escalations": "Escalations",
    "response_time": "Average initial response time",
    "resolution_time": "Incident resolution time",
    "resolved_in_sla": "Resolved within SLA",
}
KPI_CHOICES = [(code, KPI_LABELS[code]) for code in KPI_CODES]
#: The most KPIs or services one item names.
MAX_KPIS = len(KPI_CODES)
MAX_SERVICES = 50
SCALE = (1, 2, 3, 4, 5)
SCORE_WORDS = {1: "Very low", 2: "Low", 3: "Medium", 4: "High", 5: "Very high"}


def score(likelihood: int | None, impact: int | None) -> int | None:
    """likelihood × impact (1–25), or None when either is missing."""
    if likelihood is None or impact is None:
        return None
    return likelihood * impact


def band(value: int | None) -> str:
    """The badge class of a score: red (bad) 15–25, amber (warn) 8–14, green (ok) 1–7."""
    if value is None:
        return ""
    if value >= 15:
        return "bad"
    if value >= 8:
        return "warn"
    return "ok"


BAND_LABELS = {"bad": "High", "warn": "Medium", "ok": "Low", "": "Not scored"}


@dataclass(frozen=True)
class Cell:
    likelihood: int
    impact: int
    count: int
    url: str
    current: bool

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def band(self) -> str:
        return band(self.score)


def heat_map(qs: QuerySet, *, url_for, current: tuple[int, int] | None = None) -> list[list[Cell]]:
    """The 5×5 grid of ``qs`` (already visible and filtered) counted by likelihood × impact in one query:
    rows likelihood 5 → 1, columns impact 1 → 5. ``url_for(likelihood, impact)`` is each cell's list."""
    counts = {
        (row["likelihood"], row["impact"]): row["n"]
        for row in qs.order_by().values("likelihood", "impact").annotate(n=Count("pk"))
    }
    return [
        [Cell(lk, im, counts.get((lk, im), 0), url_for(lk, im), current == (lk, im)) for im in SCALE]
        for lk in reversed(SCALE)
    ]
