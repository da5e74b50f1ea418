"""A load puts failed migrations, refused reverse migrations after M14 and MPANs with no agent in the
exception queue on the record kernel: one exception per kind, supplier and day, extended by later loads
while open."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.migration.actions.ledger import load_file
from busbar.migration.models import ExceptionKind, ExceptionMpan, ExceptionStatus, MigrationException
from busbar.migration.tests.conftest import NOW, actor, mpan

pytestmark = pytest.mark.django_db

HEADER = "mpan,segment,supplier,dno,agent,event,date\n"


def load(m, *lines: str, apply_valid=False):
    return load_file(
        actor=actor(m.world.user_a),
        organisation=m.world.org_a,
        filename="daily.csv",
        content=(HEADER + "".join(f"{ln}\n" for ln in lines)).encode(),
        apply_valid=apply_valid,
        now=NOW,
    )


def test_failed_migrations_open_one_exception_per_supplier_and_day_and_later_loads_extend_it(m) -> None:
    a, b = mpan("10", 1), mpan("10", 2)
    first = load(
        m,
        f"{a},smart,ALPH,10,DLTA,schedule,2027-06-01",
        f"{b},smart,ALPH,10,DLTA,schedule,2027-06-01",
        f"{a},smart,ALPH,10,DLTA,fail,2027-06-03",
    )
    [exception] = MigrationException.objects.filter(kind=ExceptionKind.FAILED)
    assert exception.reference.startswith("MEX") and exception.record.kind == "migration_exception"
    assert (exception.supplier_id, exception.day, exception.mpans, exception.load_id) == (
        m.world.org_a.pk,
        dt.date(2027, 6, 3),
        1,
        first.pk,
    )
    item = ExceptionMpan.objects.get(exception=exception)
    assert (item.core, item.distributor, item.agent_id) == (int(a), "10", m.agent_org.pk)
    second = load(m, f"{b},smart,ALPH,10,DLTA,fail,2027-06-03")
    exception.refresh_from_db()
    assert (exception.mpans, exception.load_id) == (2, second.pk)
    assert MigrationException.objects.filter(kind=ExceptionKind.FAILED).count() == 1
    assert AuditEntry.objects.filter(action="migration.exception_extend").exists()
    # Once resolved, the next failure of that day opens a new one.
    MigrationException.objects.filter(pk=exception.pk).update(status=ExceptionStatus.RESOLVED)
    c = mpan("10", 3)
    load(m, f"{c},smart,ALPH,10,DLTA,schedule,2027-06-01", f"{c},smart,ALPH,10,DLTA,fail,2027-06-03")
    assert MigrationException.objects.filter(kind=ExceptionKind.FAILED).count() == 2


def test_mpans_with_no_agent_open_an_exception(m) -> None:
    load(
        m,
        f"{mpan('10', 1)},smart,ALPH,10,,schedule,2027-06-01",
        f"{mpan('10', 2)},smart,ALPH,10,,schedule,2027-06-01",
    )
    [exception] = MigrationException.objects.filter(kind=ExceptionKind.NO_AGENT)
    assert exception.mpans == 2 and exception.items.count() == 2
    # A re-load adds nothing.
    load(
        m,
        f"{mpan('10', 1)},smart,ALPH,10,,schedule,2027-06-01",
        f"{mpan('10', 2)},smart,ALPH,10,,schedule,2027-06-01",
    )
    exception.refresh_from_db()
    assert exception.mpans == 2 and ExceptionMpan.objects.count() == 2


def test_a_reverse_after_m14_applied_as_valid_lines_opens_an_exception(m) -> None:
    m.programme.segment_windows.filter(segment="smart").update(reverse_until="2027-06-05")
    a = mpan("10", 1)
    load(m, f"{a},smart,ALPH,10,DLTA,schedule,2027-06-01", f"{a},smart,ALPH,10,DLTA,migrate,2027-06-02")
    rejected = load(m, f"{a},smart,ALPH,10,DLTA,reverse,2027-06-10")
    assert rejected.status == "rejected" and not MigrationException.objects.exists()
    load(m, f"{a},smart,ALPH,10,DLTA,reverse,2027-06-10", apply_valid=True)
    [exception] = MigrationException.objects.filter(kind=ExceptionKind.LATE_REVERSE)
    assert exception.day == dt.date(2027, 6, 10) and exception.mpans == 1
    assert "after M14" in exception.items.get().detail


def test_a_clean_load_opens_no_exception(m) -> None:
    load(m, f"{mpan('10', 1)},smart,ALPH,10,DLTA,schedule,2027-06-01")
    assert not MigrationException.objects.exists()
