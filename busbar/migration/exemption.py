"""The written confirmation of a SIT exemption (QM-04: "If Participants have completed SIT, they do not need
to complete Qualification Testing" — "Participants are likely to expect written confirmation of this").

A PDF made with :func:`busbar.lib.pdf.render` from ``exemption_letter.typ``: addressed to the
organisation, naming the programme, the reference given when the exemption was confirmed
(:func:`busbar.migration.actions.qualification.confirm_exemption`), the date SIT was completed, what it
exempts from, and the date of the confirmation. The same bytes each time for an exemption that does not
change (the PDF's timestamp is the confirmation's). Read-only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from busbar.lib import pdf
from busbar.migration.common import LONDON
from busbar.migration.models import Entrant

TEMPLATE = (
    Path(__file__).resolve().parent / "templates" / "migration" / "qualification" / "exemption_letter.typ"
)


def _day(value: Any) -> str:
    return f"{value:%-d %B %Y}" if value else "—"


def has_letter(entrant: Any) -> bool:
    """Whether the entrant has a written confirmation to download."""
    return bool(entrant.exemption_reference and entrant.exemption_confirmed_at)


def _confirmed_by(entrant: Any) -> tuple[str, str]:
    """Who confirmed the exemption (the journal's latest entry): their name and organisation."""
    from busbar.audit.models import AuditEntry

    entry = (
        AuditEntry.objects.filter(
            record_type=ContentType.objects.get_for_model(Entrant),
            record_id=str(entrant.pk),
            action="migration.confirm_exemption",
        )
        .select_related("actor_organisation")
        .order_by("-id")
        .first()
    )
    if entry is None:
        return "", ""
    return entry.actor_label, entry.actor_organisation.name if entry.actor_organisation else ""


def letter_data(entrant: Any) -> dict[str, Any]:
    """What the template reads (``sys.inputs.data``)."""
    window = entrant.window
    programme = window.programme
    by, by_org = _confirmed_by(entrant)
    confirmed = timezone.localtime(entrant.exemption_confirmed_at, LONDON)
    role = entrant.market_role or entrant.get_kind_display()
    return {
        "organisation": entrant.organisation.name,
        "role": role,
        "programme_name": programme.name,
        "programme_code": programme.code,
        "reference": entrant.exemption_reference,
        "sit_completed_on": _day(entrant.sit_completed_on),
        "sit_phase": window.sit_phase.name if window.sit_phase_id else "",
        "window_opens": _day(window.opens),
        "window_closes": _day(window.closes),
        "date": _day(confirmed.date()),
        "confirmed_at": confirmed.strftime("%-d %b %Y %H:%M"),
        "confirmed_by": f"{by}, {by_org}" if by and by_org else by,
        "issuer": by_org or f"The {programme.name} programme",
    }


def render_letter(entrant: Any) -> bytes:
    """The confirmation as a PDF (raises ValueError when the entrant has none)."""
    if not has_letter(entrant):
        raise ValueError("The entrant has no confirmed SIT exemption")
    return pdf.render(
        TEMPLATE.read_text(encoding="utf-8"), letter_data(entrant), timestamp=entrant.exemption_confirmed_at
    )


def letter_filename(entrant: Any) -> str:
    """e.g. ``qex-mhhs-0001-alpha-energy.pdf``."""
    stem = f"{entrant.exemption_reference}-{entrant.organisation.name}"
    return re.sub(r"[^a-z0-9.-]+", "-", stem.lower()).strip("-")[:150] + ".pdf"
