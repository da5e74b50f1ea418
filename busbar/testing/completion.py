"""What a Test Completion Report holds (TA-11, TA-12): built from the data when the report is generated and
frozen in ``CompletionReport.content``, so the HTML page and the PDF show the same thing, and an approved
report never changes.

Sections: scope (phase, window, environments, participants by cohort and role, scenarios by interface),
results (progress per participant and cohort, totals, the glide-path summary, the first-time pass ratio),
open issues (by category, with references and summaries), exceptions (the author's text, the issues excluded
and those accepted with a workaround), gate criteria (as :func:`busbar.testing.criteria.evaluate_gates`
says they stand) and the evidence list.

A **phase** report is read only by those who read the whole programme, so it holds every participant's
results and issues. A **participant's** report is read by that participant too, so it holds only its own:
its results, the issues it raised, owns or that came from its executions, and its evidence; its gate
criteria are evaluated as the participant may read them (other participants counted, never named).

Read helpers only (the change is :func:`busbar.testing.actions.reports.generate_report`); a fixed number of
queries whatever the size of the phase.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from busbar.lib import pdf
from busbar.testing import figures
from busbar.testing.models import (
    OPEN_ISSUE_STATUSES,
    CompletionReport,
    Evidence,
    Gate,
    IssueStatus,
    Participation,
    Phase,
    Scenario,
    TestingIssue,
)

#: The most rows a list of the report holds (the rest counted, not listed).
MAX_ISSUES = 300
MAX_EVIDENCE = 500
MAX_GLIDE_WEEKS = 60
SCHEMA = 1
#: The Typst template of the PDF (the HTML page shows the same content: reports/_content.html).
TEMPLATE = Path(__file__).resolve().parent / "templates" / "testing" / "reports" / "completion_report.typ"


#: The longest reason or workaround quoted in a report (the issue's page has the whole text): keeps a
#: report of hundreds of excluded issues within what the PDF renderer takes.
QUOTE_MAX = 2000


def _cut(text: str) -> str:
    return text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1].rstrip() + "…"


def _d(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _local(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value, figures.LONDON).strftime("%-d %b %Y %H:%M") if value else None


def _org(org) -> str:
    return org.name if org is not None else ""


def _issues_of(phase: Phase, participation: Participation | None):
    qs = TestingIssue.objects.filter(phase=phase)
    if participation is not None:
        org = participation.organisation_id
        qs = qs.filter(Q(participation=participation) | Q(raised_by_organisation_id=org) | Q(owner_id=org))
    return qs


def _scope(phase: Phase, parts: list[Participation]) -> dict[str, Any]:
    cohorts: dict[str, list[dict]] = {}
    for p in parts:
        cohorts.setdefault(p.cohort.name if p.cohort else "No cohort", []).append(
            {
                "organisation": p.organisation.name,
                "role": p.role.label,
                "mandatory": p.mandatory,
                "status": p.get_status_display(),
            }
        )
    interfaces = (
        Scenario.objects.filter(phase=phase, is_active=True)
        .values("interface")
        .annotate(total=Count("id"), mandatory=Count("id", filter=Q(mandatory=True)))
        .order_by("interface")
    )
    by_interface = [
        {"interface": r["interface"] or "(none)", "scenarios": r["total"], "mandatory": r["mandatory"]}
        for r in interfaces
    ]
    return {
        "window": {
            "planned_start": _d(phase.planned_start),
            "planned_end": _d(phase.planned_end),
            "actual_start": _d(phase.actual_start),
            "actual_end": _d(phase.actual_end),
        },
        "environments": [e.name for e in phase.environments.all()],
        "cohorts": [{"name": name, "members": members} for name, members in cohorts.items()],
        "participants": len(parts),
        "scenarios_by_interface": by_interface,
        "scenarios": sum(r["scenarios"] for r in by_interface),
        "mandatory_scenarios": sum(r["mandatory"] for r in by_interface),
    }


def _results(phase: Phase, rep: figures.Report, whole: bool) -> dict[str, Any]:
    prog = rep.progress
    threshold = phase.pass_threshold
    members = [
        {
            "organisation": m.participation.organisation.name,
            "role": m.participation.role.label,
            "cohort": m.participation.cohort.name if m.participation.cohort else "",
            "status": m.participation.get_status_display(),
            "applicable": m.applicable,
            "passed": m.passed,
            "failed": m.failed,
            "blocked": m.blocked,
            "not_run": m.not_run,
            "pct_passed": str(m.pct_passed),
            "complete": m.complete(threshold),
        }
        for m in prog.members
    ]
    cohorts = []
    for g in prog.cohorts:
        t = prog.cohort_totals.get(g.cohort.pk if g.cohort else None) or figures.Totals()
        cohorts.append(
            {
                "name": g.cohort.name if g.cohort else "No cohort",
                "complete": g.complete,
                "members": len(g.members),
                "applicable": t.applicable,
                "passed": t.passed,
                "pct_passed": str(t.pct_passed),
            }
        )
    t = prog.totals
    glide_weeks = [w for w in rep.glide.weeks if not w.future][-MAX_GLIDE_WEEKS:]
    out = {
        "threshold": f"{Decimal(threshold).normalize():f}",
        "members": members,
        "cohorts": cohorts,
        "totals": {
            "applicable": t.applicable,
            "executed": t.executed,
            "passed": t.passed,
            "failed": t.failed,
            "blocked": t.blocked,
            "not_run": t.not_run,
            "pct_passed": str(t.pct_passed),
        },
        "glide": {
            **rep.glide.summary(),
            "weeks": [
                {
                    "week": w.week.isoformat(),
                    "planned_executed": w.planned_executed,
                    "actual_executed": w.actual_executed,
                    "planned_passed": w.planned_passed,
                    "actual_passed": w.actual_passed,
                }
                for w in glide_weeks
            ],
        },
        "first_time_pass": {
            "from": _local(rep.ftp.start),
            "from_label": rep.ftp.start_label,
            "to": _local(rep.ftp.end),
            "to_label": rep.ftp.end_label,
            "first_executions": rep.ftp.first,
            "passed_first_time": rep.ftp.passed,
            "ratio": str(rep.ftp.ratio) if rep.ftp.ratio is not None else None,
        },
    }
    if whole:
        from busbar.testing.progress import exit_rule_met

        met, reason = exit_rule_met(phase)
        out["exit_rule"] = {"rule": phase.get_exit_rule_display(), "met": met, "reason": reason}
    return out


def _open_issues(issues, rep: figures.Report, today: dt.date) -> dict[str, Any]:
    opened = (
        issues.filter(status__in=OPEN_ISSUE_STATUSES)
        .select_related("owner")
        .order_by("category", "created_at", "id")
    )
    rows = list(opened[: MAX_ISSUES + 1])
    listed = [
        {
            "reference": i.reference,
            "category": i.get_category_display() if i.category else "Not yet triaged",
            "status": i.get_status_display(),
            "summary": i.summary,
            "owner": _org(i.owner),
            "age_days": (today - timezone.localtime(i.created_at, figures.LONDON).date()).days,
        }
        for i in rows[:MAX_ISSUES]
    ]
    ages = rep.ages
    return {
        "by_category": [{"category": r.label, "buckets": r.buckets, "total": r.total} for r in ages.rows],
        "age_headings": ages.headings,
        "total": ages.total,
        "items": listed,
        "more": max(ages.total - len(listed), 0),
    }


def _exceptions(issues, text: str) -> dict[str, Any]:
    rows = list(
        issues.filter(status__in=(IssueStatus.EXCLUDED, IssueStatus.ACCEPTED)).order_by("status", "id")[
            :MAX_ISSUES
        ]
    )
    return {
        "text": text,
        "excluded": [
            {"reference": i.reference, "summary": i.summary, "reason": _cut(i.exclusion_reason)}
            for i in rows
            if i.status == IssueStatus.EXCLUDED
        ],
        "accepted": [
            {"reference": i.reference, "summary": i.summary, "workaround": _cut(i.workaround)}
            for i in rows
            if i.status == IssueStatus.ACCEPTED
        ],
    }


def _gates(phase: Phase, participation: Participation | None) -> list[dict[str, Any]]:
    """The phase's gates as they stand; in a participant's report, as that participant may read them (its
    own figures, the issues of its report and no other participant's names or figures)."""
    from busbar.testing.criteria import Viewer, evaluate_gates

    viewer = None
    if participation is not None:
        org = participation.organisation_id
        viewer = Viewer(
            organisation_ids=frozenset({org}),
            issues=_issues_of(phase, participation),
            reports=CompletionReport.objects.filter(participation__organisation_id=org),
        )
    gates = list(Gate.objects.filter(phase=phase).select_related("phase", "board").order_by("kind", "id"))
    states = evaluate_gates(gates, viewer)
    return [
        {
            "name": g.name,
            "kind": g.get_kind_display(),
            "board": g.board_label or g.board.name,
            "status": g.get_status_display(),
            "decided_at": _local(g.decided_at),
            "criteria": [
                {
                    "text": s.criterion.text,
                    "mandatory": s.criterion.mandatory,
                    "automatic": s.automatic,
                    "status": s.status_label,
                    "detail": s.detail,
                    "blocking": s.blocking,
                    "evidence_count": s.evidence_count,
                }
                for s in states.get(g.pk, [])
            ],
        }
        for g in gates
    ]


def _evidence(phase: Phase, participation: Participation | None) -> dict[str, Any]:
    in_scope = Q(criterion__gate__phase=phase)
    if participation is None:
        in_scope |= Q(execution__phase=phase)
    else:
        in_scope |= Q(execution__phase=phase, execution__participation=participation)
    qs = (
        Evidence.objects.filter(in_scope)
        .select_related("uploaded_by", "uploaded_by_organisation", "execution__scenario", "criterion")
        .order_by("created_at", "id")
    )
    rows = list(qs[: MAX_EVIDENCE + 1])
    items = []
    for e in rows[:MAX_EVIDENCE]:
        if e.execution_id:
            on = f"{e.execution.scenario.code} ({e.execution.get_result_display()})"
        else:
            on = f"Criterion: {e.criterion.text}"
        items.append(
            {
                "name": e.filename,
                "size": e.size,
                "on": on,
                "uploaded_by": e.uploaded_by.display_name if e.uploaded_by else "",
                "organisation": _org(e.uploaded_by_organisation),
                "uploaded_at": _local(e.created_at),
            }
        )
    return {"items": items, "more": len(rows) > MAX_EVIDENCE}


def build(
    *,
    phase: Phase,
    participation: Participation | None,
    exceptions: str,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The report's content as generated now: JSON-ready (strings, numbers, lists, dicts)."""
    now = now or timezone.now()
    today = figures.london_today(now)
    phase = Phase.objects.select_related("programme", "owner").get(pk=phase.pk)
    base = Participation.objects.filter(phase=phase).select_related("organisation", "role", "cohort", "phase")
    parts = list(base.filter(pk=participation.pk) if participation else base)
    issues = _issues_of(phase, participation)
    rep = figures.report(
        phase,
        parts,
        issues,
        whole_phase=participation is None,
        participation=participation,
        now=now,
    )
    content: dict[str, Any] = {
        "schema": SCHEMA,
        "programme": {"code": phase.programme.code, "name": phase.programme.name},
        "phase": {
            "code": phase.code,
            "name": phase.name,
            "kind": phase.get_kind_display(),
            "status": phase.get_status_display(),
            "owner": phase.owner.name,
        },
        "participant": (
            {
                "organisation": participation.organisation.name,
                "role": participation.role.label,
                "cohort": participation.cohort.name if participation.cohort else "",
            }
            if participation
            else None
        ),
        "as_of": _local(now),
        "scope": _scope(phase, parts),
        "results": _results(phase, rep, participation is None),
        "open_issues": _open_issues(issues, rep, today),
        "exceptions": _exceptions(issues, exceptions),
        "gates": _gates(phase, participation),
        "evidence": _evidence(phase, participation),
    }
    return content


def pdf_data(report: CompletionReport) -> dict[str, Any]:
    """What the PDF template reads (``sys.inputs.data``): the frozen content plus the report's title,
    version, status and decision as they stand."""
    phase = report.phase
    return {
        "title": report.title,
        "version": report.version,
        "status": report.get_status_display(),
        "summary": report.summary,
        "generated_at": _local(report.generated_at),
        "generated_by": report.generated_by.display_name if report.generated_by else "Busbar",
        "generated_by_organisation": _org(report.generated_by_organisation),
        "decision": (
            {
                "outcome": report.get_status_display(),
                "at": _local(report.decided_at),
                "by": report.decided_by.display_name if report.decided_by else "",
                "organisation": _org(report.decided_by_organisation),
                "note": report.decision_note,
            }
            if report.decided_at
            else None
        ),
        "programme_name": phase.programme.name,
        "phase_name": phase.name,
        "content": report.content,
    }


def render_pdf(report: CompletionReport) -> bytes:
    """The report as a PDF (busbar.lib.pdf): the same bytes each time for a report that no longer changes."""
    return pdf.render(TEMPLATE.read_text(encoding="utf-8"), pdf_data(report), timestamp=report.generated_at)


def pdf_filename(report: CompletionReport) -> str:
    """e.g. ``mhhs-sit-functional-completion-report-v2.pdf`` (a participant's: its name too)."""
    parts = [report.phase.programme.code, report.phase.code]
    if report.participation_id:
        parts.append(report.participation.organisation.name)
    stem = "-".join(parts + ["completion-report", f"v{report.version}"])
    return re.sub(r"[^a-z0-9.-]+", "-", stem.lower()).strip("-")[:150] + ".pdf"
