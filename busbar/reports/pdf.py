"""The monthly service report as a PDF: the same snapshot the page draws (:mod:`busbar.reports.monthly`),
typeset by the one renderer of Busbar (:mod:`busbar.lib.pdf`, Typst) from
``templates/reports/service_reports/monthly_report.typ``: a title block, the KPI table with met / missed,
the 13-month charts drawn by Typst itself, attribution, major incidents with their reviews, changes, top
problems, availability and the commentary. The data is redacted for the reader first
(:func:`busbar.reports.monthly.for_viewer`)."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from busbar.lib import pdf
from busbar.reports import monthly
from busbar.reports.models import ServiceReport, ServiceReportStatus

TEMPLATE = (
    Path(__file__).resolve().parent / "templates" / "reports" / "service_reports" / "monthly_report.typ"
)
OPERATOR = "Switching service operator"


def _localise(content: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(content)
    for m in out.get("major_incidents", []):
        m["opened_local"] = monthly.local(m.get("opened_at"))
        m["resolved_local"] = monthly.local(m.get("resolved_at")) if m.get("resolved_at") else "not yet"
        m["review"]["completed_local"] = monthly.local(m["review"].get("completed_at"))
    return out


def pdf_data(report: ServiceReport, content: dict[str, Any]) -> dict[str, Any]:
    """What the template reads: the report's own fields and its (redacted) content."""
    scope = content.get("scope", {})
    published = report.status == ServiceReportStatus.PUBLISHED
    title = f"{content.get('month_label', '')}: {scope.get('title', '')}"
    status = report.get_status_display()
    return {
        "title": title,
        "subtitle": (
            f"Service levels of {scope.get('provider')} for {content.get('month_label', '')}"
            if scope.get("kind") == "provider"
            else f"The switching service end to end, every provider, {content.get('month_label', '')}"
        ),
        "operator": OPERATOR,
        "status": status,
        "status_line": f"{status} · figures as of {monthly.local(content.get('built_at'))} (UK time)",
        "built_at": monthly.local(content.get("built_at")),
        "published_at": monthly.local(report.published_at) if published and report.published_at else None,
        "published_by": report.published_by.display_name if published and report.published_by else "",
        "summary": report.summary,
        "highlights": report.highlights,
        "concerns": report.concerns,
        "improvements": report.improvements,
        "content": _localise(content),
    }


def render(report: ServiceReport, content: dict[str, Any]) -> bytes:
    """The PDF of ``report`` showing ``content`` (already redacted for the reader)."""
    stamp = report.published_at or report.generated_at
    return pdf.render(TEMPLATE.read_text(encoding="utf-8"), pdf_data(report, content), timestamp=stamp)


def query(report: ServiceReport, content: dict[str, Any], selector: str) -> list[dict[str, Any]]:
    """What the PDF shows for ``selector`` (for tests: ``"<title>"``, ``"heading"``)."""
    return pdf.query(TEMPLATE.read_text(encoding="utf-8"), pdf_data(report, content), selector)


def filename(report: ServiceReport) -> str:
    """e.g. ``service-report-2027-05-end-to-end.pdf``."""
    who = report.provider.name if report.provider_id else "end-to-end"
    stem = f"service-report-{report.month:%Y-%m}-{who}"
    return re.sub(r"[^a-z0-9.-]+", "-", stem.lower()).strip("-")[:150] + ".pdf"
