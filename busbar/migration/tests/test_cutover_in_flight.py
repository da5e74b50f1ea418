"""A segment's cut-over: the day after its window closes, MPANs still scheduled (or reversed and scheduled
again) are marked in flight and put in the exception queue per supplier; the segment is counted per
supplier, distributor and agent, and each party reads its own share. Refused before the close is over
and once recorded (409), and to anyone but the migration managers (403); the periodic scan takes each
due cut-over once. Pages and API per persona."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib.actions import Conflict, NotPermitted
from busbar.migration import tasks
from busbar.migration.actions.cutover import record_cutover
from busbar.migration.actions.ledger import load_file
from busbar.migration.models import Cutover, ExceptionKind, LedgerState, MigrationException, Mpan, Threshold
from busbar.migration.tests.conftest import NOW, actor, mpan

pytestmark = pytest.mark.django_db

HEADER = "mpan,segment,supplier,dno,agent,event,date\n"
CLOSE = dt.date(2027, 6, 10)
API = "/api/v1/migration"
JSON = "application/json"
A, B, C, D, E, F = (mpan("10", 1), mpan("10", 2), mpan("11", 3), mpan("11", 4), mpan("10", 5), mpan("12", 6))


@pytest.fixture
def frozen(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def _load(m, user, org, lines) -> None:
    done = load_file(
        actor=actor(user),
        organisation=org,
        filename="daily.csv",
        content=(HEADER + "".join(f"{ln}\n" for ln in lines)).encode(),
        now=NOW,
    )
    assert done.rejected == 0, done.errors


@pytest.fixture
def closed(m):
    """Alpha: A scheduled; B migrated; C reversed and scheduled again; D reversed only; E never touched
    beyond an advanced schedule. Bravo: F scheduled in distributor 12. The smart window closed on 10 June
    2027 ("today" is 16 June)."""
    _load(
        m,
        m.world.user_a,
        m.world.org_a,
        [
            f"{A},smart,ALPH,10,DLTA,schedule,2027-06-01",
            f"{B},smart,ALPH,10,DLTA,schedule,2027-06-01",
            f"{B},smart,ALPH,10,DLTA,migrate,2027-06-02",
            f"{C},smart,ALPH,11,DLTA,schedule,2027-05-01",
            f"{C},smart,ALPH,11,DLTA,migrate,2027-05-02",
            f"{C},smart,ALPH,11,DLTA,reverse,2027-05-20",
            f"{C},smart,ALPH,11,DLTA,schedule,2027-06-05",
            f"{D},smart,ALPH,11,,schedule,2027-05-01",
            f"{D},smart,ALPH,11,,migrate,2027-05-02",
            f"{D},smart,ALPH,11,,reverse,2027-05-20",
            f"{E},advanced,ALPH,10,DLTA,schedule,2027-06-01",
        ],
    )
    _load(m, m.world.user_b, m.world.org_b, [f"{F},smart,BRAV,12,DLTA,schedule,2027-06-03"])
    m.programme.segment_windows.filter(segment="smart").update(closes=CLOSE)
    return m


def test_cutover_marks_in_flight_and_opens_one_exception_per_supplier(closed) -> None:
    m = closed
    taken = record_cutover(actor=actor(m.si), programme=m.programme, segment="smart", now=NOW)
    assert (taken.day, taken.in_flight, taken.not_migrated, taken.migrated) == (CLOSE, 3, 1, 1)
    flagged = dict(Mpan.objects.filter(in_flight_at__isnull=False).values_list("core", "in_flight_at"))
    assert flagged == {int(A): CLOSE, int(C): CLOSE, int(F): CLOSE}
    assert Mpan.objects.get(core=int(C)).state == LedgerState.REVERSED  # the state itself is kept
    found = {x.supplier_id: x for x in MigrationException.objects.filter(kind=ExceptionKind.IN_FLIGHT)}
    assert {k: (x.mpans, x.day) for k, x in found.items()} == {
        m.world.org_a.pk: (2, CLOSE),
        m.world.org_b.pk: (1, CLOSE),
    }
    alpha = found[m.world.org_a.pk]
    assert alpha.reference.startswith("MEX") and alpha.summary.startswith("MPANs in flight at cut-over")
    assert {i.core for i in alpha.items.all()} == {int(A), int(C)}
    assert "not migrated when the window closed" in alpha.items.first().detail
    entry = AuditEntry.objects.get(action="migration.cutover")
    assert entry.changes["in_flight"] == [None, 3] and entry.changes["marked"] == [None, 3]
    assert (
        AuditEntry.objects.filter(
            action="migration.exception_open", note__startswith="MPANs in flight"
        ).count()
        == 2
    )
    # The advanced segment is untouched: its window has not closed.
    assert Mpan.objects.get(core=int(E)).in_flight_at is None


def test_refused_before_the_close_is_over_once_recorded_and_to_others(closed) -> None:
    m = closed
    with pytest.raises(Conflict, match="closes on"):
        record_cutover(actor=actor(m.si), programme=m.programme, segment="advanced", now=NOW)
    on_close = dt.datetime(2027, 6, 10, 12, 0, tzinfo=dt.UTC)
    with pytest.raises(Conflict, match="once that day is over"):
        record_cutover(actor=actor(m.si), programme=m.programme, segment="smart", now=on_close)
    for user in (m.world.user_a, m.agent, m.dno, m.code_body_user, m.world.resolver):
        with pytest.raises(NotPermitted):
            record_cutover(actor=actor(user), programme=m.programme, segment="smart", now=NOW)
    record_cutover(actor=actor(m.si), programme=m.programme, segment="smart", now=NOW)
    with pytest.raises(Conflict, match="was recorded on"):
        record_cutover(actor=actor(m.si), programme=m.programme, segment="smart", now=NOW)
    assert Cutover.objects.count() == 1 and MigrationException.objects.filter(kind="in_flight").count() == 2


def test_periodic_scan_takes_each_due_cutover_once(closed) -> None:
    # The close is a London day: 22:30 UTC on 10 June is still that day (BST), 23:00 UTC is the next.
    assert tasks.check_cutovers.call(dt.datetime(2027, 6, 10, 22, 30, tzinfo=dt.UTC).isoformat()) == 0
    assert tasks.check_cutovers.call(dt.datetime(2027, 6, 10, 23, 0, tzinfo=dt.UTC).isoformat()) == 1
    assert tasks.check_cutovers.call(NOW.isoformat()) == 0
    taken = Cutover.objects.get()
    assert taken.recorded_by is None and (taken.segment, taken.in_flight) == ("smart", 3)
    # A window moved to a later close (then over) gets a cut-over of its own.
    closed.programme.segment_windows.filter(segment="smart").update(closes=dt.date(2027, 6, 12))
    assert tasks.check_cutovers.call(NOW.isoformat()) == 1
    assert Cutover.objects.count() == 2
    # Marked again with the later close; the exception of the second close holds the same MPANs.
    assert Mpan.objects.get(core=int(A)).in_flight_at == dt.date(2027, 6, 12)
    assert MigrationException.objects.filter(kind="in_flight", day=dt.date(2027, 6, 12)).count() == 2


def _counts(m, user) -> list[tuple]:
    body = m.client(user).get(f"{API}/cutovers").json()
    return [
        (c["segment"], c["counts"]["in_flight"], c["counts"]["not_migrated"], c["counts"]["migrated"])
        for c in body
    ]


def test_api_records_and_each_party_reads_its_share(closed, frozen) -> None:
    m = closed

    def post(user, seg="smart"):
        return m.client(user).post(f"{API}/cutovers", {"segment": seg}, content_type=JSON)

    for user in (m.world.user_a, m.agent, m.dno, m.world.resolver):
        assert post(user).status_code == 403
    assert m.client(None).post(f"{API}/cutovers", {"segment": "smart"}, content_type=JSON).status_code == 401
    assert post(m.si, "advanced").status_code == 409
    assert post(m.si, "gas").status_code == 422
    made = post(m.si)
    assert made.status_code == 201 and made.json()["counts"] == {
        "in_flight": 3,
        "not_migrated": 1,
        "migrated": 1,
    }
    assert post(m.si).status_code == 409
    assert _counts(m, m.si) == _counts(m, m.assurer) == _counts(m, m.world.analyst) == [("smart", 3, 1, 1)]
    assert _counts(m, m.world.user_a) == [("smart", 2, 1, 1)]
    assert _counts(m, m.world.user_b) == [("smart", 1, 0, 0)]
    assert _counts(m, m.dno) == [("smart", 1, 0, 1)]  # distributor 10: A in flight, B migrated
    assert _counts(m, m.agent) == [("smart", 3, 0, 1)]  # D has no agent
    assert _counts(m, m.world.resolver) == [("smart", 0, 0, 0)]
    assert m.client(None).get(f"{API}/cutovers").status_code == 401
    windows = {w["segment"]: w for w in m.client(m.world.user_a).get(f"{API}/segment-windows").json()}
    assert windows["smart"]["cutover"]["counts"]["in_flight"] == 2 and windows["advanced"]["cutover"] is None


def test_api_mpans_in_flight_filter_per_persona(closed, frozen) -> None:
    m = closed
    record_cutover(actor=actor(m.si), programme=m.programme, segment="smart", now=NOW)
    mpans = lambda user, q="?in_flight=true": {  # noqa: E731
        r["mpan"]: r["in_flight_at"] for r in m.client(user).get(f"{API}/ledger/mpans{q}").json()["items"]
    }
    assert mpans(m.si) == {A: "2027-06-10", C: "2027-06-10", F: "2027-06-10"}
    assert mpans(m.world.user_b) == {F: "2027-06-10"}
    assert mpans(m.dno) == {A: "2027-06-10"}
    assert mpans(m.world.resolver) == {}
    assert set(mpans(m.si, "?in_flight=false")) == {B, D, E}
    assert m.client(m.world.user_a).get(f"{API}/ledger/mpans/{A}").json()["in_flight_at"] == "2027-06-10"


def test_api_segment_window_and_threshold_end_for_managers_only(closed, frozen) -> None:
    m = closed
    body = {"opens": "2027-03-01", "reverse_until": "2027-12-31", "closes": "2028-07-31"}
    url = f"{API}/segment-windows/advanced"
    for user in (m.world.user_a, m.dno, m.agent, m.world.resolver):
        assert m.client(user).put(url, body, content_type=JSON).status_code == 403
    done = m.client(m.si).put(url, body, content_type=JSON)
    assert done.status_code == 200 and done.json()["closes"] == "2028-07-31"
    assert m.client(m.si).put(f"{API}/segment-windows/gas", body, content_type=JSON).status_code == 422
    bad = {**body, "closes": "2027-01-01"}
    assert m.client(m.si).put(url, bad, content_type=JSON).status_code == 422
    threshold = Threshold.objects.filter(programme=m.programme).order_by("pk").first()
    end = f"{API}/thresholds/{threshold.pk}/end"
    assert m.client(m.world.user_a).post(
        end, {"effective_to": "2027-12-31"}, content_type=JSON
    ).status_code in (403, 404)
    assert (
        m.client(m.si).post(end, {"effective_to": "2027-12-31"}, content_type=JSON).json()["effective_to"]
        == "2027-12-31"
    )
    assert (
        m.client(m.si)
        .post(f"{API}/thresholds/999999/end", {"effective_to": "2027-12-31"}, content_type=JSON)
        .status_code
        == 404
    )
    assert m.client(m.si).post(end, {"effective_to": "2026-12-31"}, content_type=JSON).status_code == 422


def test_pages_offer_the_cutover_to_managers_and_show_it(closed, frozen) -> None:
    m = closed
    page = "/migration/thresholds/"
    assert "Record the cut-over now" in m.client(m.si).get(page).content.decode()
    supplier_page = m.client(m.world.user_a).get(page).content.decode()
    assert "Record the cut-over now" not in supplier_page and "taken by the next scan" in supplier_page
    refused = m.client(m.world.user_a).post("/migration/thresholds/cutover/", {"segment": "smart"})
    assert refused.status_code == 403 and not Cutover.objects.exists()
    done = m.client(m.si).post("/migration/thresholds/cutover/", {"segment": "smart"}, follow=True)
    assert done.status_code == 200 and "3 MPANs in flight" in done.content.decode()
    again = m.client(m.si).post("/migration/thresholds/cutover/", {"segment": "smart"}, follow=True)
    assert "was recorded on" in again.content.decode()
    assert "2 in flight" in m.client(m.world.user_a).get(page).content.decode()
    readiness = m.client(m.world.user_a).get("/migration/reports/readiness/").content.decode()
    assert "Cut-overs" in readiness and "kind=in_flight" in readiness
    lookup = m.client(m.world.user_a).get(f"/migration/ledger/mpans/?mpan={A}").content.decode()
    assert "in flight at cut-over" in lookup
    assert m.client(m.world.user_b).get(f"/migration/ledger/mpans/?mpan={A}").status_code == 404
    queue = m.client(m.world.user_b).get("/migration/exceptions/?kind=in_flight").content.decode()
    assert "MPANs in flight at cut-over" in queue
