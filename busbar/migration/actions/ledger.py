"""Loading a participant's daily migration file into the MPAN ledger (issue 16 item 4): every line checked
(:mod:`busbar.migration.ledger`), nothing applied when a line is wrong unless the person chose to apply the
valid lines, a re-load changing nothing; failed migrations, refused reverse migrations after M14 and MPANs
with no agent put in the exception queue. One transaction, refused by
:func:`busbar.migration.permissions.can_load_file`, journalled as ``migration.load``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, action, refuse
from busbar.migration import common, exceptionqueue, ledger, permissions
from busbar.migration.models import LedgerLoad, LoadStatus
from busbar.migration.queries import viewer_of
from busbar.parties.models import Organisation

__all__ = ["load_file"]


def _organisation(value: Any) -> Organisation:
    if isinstance(value, Organisation):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        found = Organisation.objects.filter(pk=value).first()
        if found is not None:
            return found
    raise ActionError("Name the organisation whose file this is", field="organisation")


def _filename(name: Any) -> str:
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        raise ActionError("Give the file's name", field="file")
    return name[:200]


@action
def load_file(
    *,
    actor: Actor,
    organisation: Any,
    filename: str,
    content: bytes,
    apply_valid: bool = False,
    now: dt.datetime | None = None,
) -> LedgerLoad:
    """Load ``organisation``'s daily file (CSV or Parquet, see :mod:`busbar.migration.ledger`). With any
    line in error nothing is applied (the load is kept, rejected, with its errors) unless ``apply_valid``:
    then every valid line applies except an MPAN's lines after its first wrong one."""
    now = now or timezone.now()
    if organisation is None:
        raise ActionError("Name the organisation whose file this is", field="organisation")
    organisation = _organisation(organisation)
    viewer = viewer_of(actor)
    refuse(permissions.can_load_file(viewer, organisation.pk), field="organisation")
    actor = actor.acting_for(organisation)
    filename = _filename(filename)
    if not isinstance(content, bytes | bytearray):
        raise ActionError("Send the file's content", field="file")
    if len(content) > ledger.MAX_BYTES:
        raise ActionError(
            f"The file is {len(content):,} bytes; the limit is {ledger.MAX_BYTES:,}", field="file"
        )
    content = bytes(content)
    ledger.lock_ledger()  # before the states are read: they must stay true until this load commits
    checked = ledger.check_file(
        content,
        filename,
        organisation_id=organisation.pk,
        manager=viewer.manages_any,
        today=common.today(now),
    )
    applying = checked.ok or bool(apply_valid)
    if checked.errors:
        status = LoadStatus.PARTIAL if apply_valid else LoadStatus.REJECTED
    else:
        status = LoadStatus.APPLIED if checked.events else LoadStatus.UNCHANGED
    load = LedgerLoad.objects.create(
        organisation=organisation,
        uploaded_by=actor.user,
        filename=filename,
        file_format=ledger.file_format(content, filename),
        sha256=hashlib.sha256(content).hexdigest(),
        rows=checked.rows,
        applied=len(checked.events) if applying else 0,
        unchanged=checked.unchanged,
        rejected=checked.rejected,
        status=status,
        apply_valid=bool(apply_valid),
        errors=[e.as_dict() for e in checked.errors[: ledger.MAX_ERRORS_KEPT]],
        created_at=now,
    )
    counts = {"events": 0, "new_mpans": 0, "changed_mpans": 0}
    touched = []
    if applying:
        if checked.events:
            counts = ledger.apply(checked, load=load)
        touched = ledger.open_exceptions(checked, load=load, applied=True, now=now)
    journal(
        actor=actor,
        action="migration.load",
        obj=load,
        owner=organisation,
        changes={
            "status": [None, status.value],
            "rows": [None, load.rows],
            "applied": [None, load.applied],
            "unchanged": [None, load.unchanged],
            "rejected": [None, load.rejected],
            "new_mpans": [None, counts["new_mpans"]],
            "apply_valid": [None, load.apply_valid],
        },
        note=filename,
    )
    exceptionqueue.journal_touched(actor, touched, load=load)
    return load
