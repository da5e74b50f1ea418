"""Daily files with bad lines (issue 16, "Bad input"): each bad line gives a line-numbered error and the file
applies nothing, unless the person chose to apply the valid lines; a re-load of the same file changes
nothing; a Parquet file loads like a CSV."""

from __future__ import annotations

import io

import pytest

from busbar.lib.actions import ActionError, NotPermitted
from busbar.migration import aggregates, ledger
from busbar.migration.actions.ledger import load_file
from busbar.migration.models import DailyProgress, LedgerEvent, LedgerLoad, LoadStatus, Mpan
from busbar.migration.tests.conftest import NOW, actor, mpan

pytestmark = pytest.mark.django_db

HEADER = "mpan,segment,supplier,dno,agent,event,date\n"


def csv_of(*lines: str) -> bytes:
    return (HEADER + "".join(f"{ln}\n" for ln in lines)).encode()


def load(m, content: bytes, *, user=None, org=None, apply_valid=False, name="daily.csv") -> LedgerLoad:
    return load_file(
        actor=actor(user or m.world.user_a),
        organisation=org or m.world.org_a,
        filename=name,
        content=content,
        apply_valid=apply_valid,
        now=NOW,
    )


def bad_check_digit(n: int) -> str:
    good = mpan("10", n)
    return good[:12] + str((int(good[12]) + 1) % 10)


def errors_by_line(result: LedgerLoad) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for e in result.errors:
        out.setdefault(e["line"], []).append(f"{e['field']}: {e['message']}")
    return out


GOOD = (
    f"{mpan('10', 1)},smart,ALPH,10,DLTA,schedule,2027-06-01",
    f"{mpan('10', 1)},smart,ALPH,10,DLTA,migrate,2027-06-10",
    f"{mpan('10', 2)},Non-smart,ALPH,10,DLTA,schedule,2027-06-02",
)


def test_a_clean_file_applies_and_a_reload_changes_nothing(m) -> None:
    first = load(m, csv_of(*GOOD))
    assert (first.status, first.rows, first.applied, first.rejected) == (LoadStatus.APPLIED, 3, 3, 0)
    one = Mpan.objects.get(core=int(mpan("10", 1)))
    assert (one.state, one.supplier_id, one.agent_id, one.distributor) == (
        "migrated",
        m.world.org_a.pk,
        m.agent_org.pk,
        "10",
    )
    assert Mpan.objects.get(core=int(mpan("10", 2))).segment == "non_smart"
    before = (LedgerEvent.objects.count(), list(DailyProgress.objects.values_list("migrated", "scheduled")))
    again = load(m, csv_of(*GOOD))
    assert (again.status, again.applied, again.unchanged, again.rejected) == (LoadStatus.UNCHANGED, 0, 3, 0)
    assert (
        LedgerEvent.objects.count(),
        list(DailyProgress.objects.values_list("migrated", "scheduled")),
    ) == before
    assert aggregates.stored() == aggregates.recount()


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        (f"{bad_check_digit(5)},smart,ALPH,10,DLTA,schedule,2027-06-01", "mpan", "Check digit wrong"),
        (f"{mpan('10', 5)},smart,ZZZZ,10,DLTA,schedule,2027-06-01", "supplier", "Unknown supplier MPID"),
        (f"{mpan('10', 5)},smart,BRAV,10,DLTA,schedule,2027-06-01", "supplier", "not the organisation"),
        (f"{mpan('10', 5)},smart,ALPH,11,DLTA,schedule,2027-06-01", "dno", "not the MPAN's distributor"),
        (f"{mpan('10', 5)},smart,ALPH,10,NOPE,schedule,2027-06-01", "agent", "Unknown agent MPID"),
        (f"{mpan('10', 5)},smart,ALPH,10,DLTA,explode,2027-06-01", "event", "Unknown event"),
        (f"{mpan('10', 5)},wind,ALPH,10,DLTA,schedule,2027-06-01", "segment", "Unknown segment"),
        (f"{mpan('10', 5)},smart,ALPH,10,DLTA,schedule,2027-06-31", "date", "YYYY-MM-DD"),
        (f"{mpan('10', 5)},smart,ALPH,10,DLTA,schedule,2027-06-17", "date", "in the future"),
        (f"{mpan('10', 5)},smart,ALPH,10,DLTA,migrate,2027-06-01", "event", "is not scheduled"),
        (f"{mpan('10', 5)},smart,ALPH,10,DLTA,schedule", "line", "6 fields"),
    ],
)
def test_each_bad_line_is_named_and_nothing_applies(m, line: str, field: str, words: str) -> None:
    result = load(m, csv_of(*GOOD, line))
    assert result.status == LoadStatus.REJECTED and result.applied == 0 and result.rejected == 1
    [message] = errors_by_line(result)[5]
    assert message.startswith(f"{field}:") and words in message, message
    assert (
        not Mpan.objects.exists() and not LedgerEvent.objects.exists() and not DailyProgress.objects.exists()
    )
    assert LedgerLoad.objects.filter(pk=result.pk, status="rejected").exists()


def test_migrated_before_scheduled_in_the_same_file_is_out_of_order(m) -> None:
    result = load(
        m,
        csv_of(
            f"{mpan('10', 7)},smart,ALPH,10,DLTA,migrate,2027-06-01",
            f"{mpan('10', 7)},smart,ALPH,10,DLTA,schedule,2027-06-02",
        ),
    )
    errors = errors_by_line(result)
    assert "out of order" in errors[2][0] and "is not scheduled" in errors[2][0]
    assert "line 2 of the same MPAN" in errors[3][0]


def test_duplicate_row_names_the_first_line(m) -> None:
    result = load(m, csv_of(*GOOD, GOOD[2]))
    assert errors_by_line(result) == {
        5: [f"line: Duplicate of line 4 ({mpan('10', 2)} schedule on 2027-06-02)"]
    }
    assert not Mpan.objects.exists()


def test_reverse_after_m14_is_refused(m) -> None:
    m.programme.segment_windows.filter(segment="smart").update(reverse_until="2027-06-05")
    result = load(m, csv_of(*GOOD, f"{mpan('10', 1)},smart,ALPH,10,DLTA,reverse,2027-06-12"))
    assert "after M14" in errors_by_line(result)[5][0]
    assert result.status == LoadStatus.REJECTED and not Mpan.objects.exists()


def test_reverse_of_an_excluded_site_is_refused(m) -> None:
    load(m, csv_of(*GOOD))
    Mpan.objects.filter(core=int(mpan("10", 1))).update(excluded=True)
    result = load(m, csv_of(f"{mpan('10', 1)},smart,ALPH,10,DLTA,reverse,2027-06-12"))
    assert "excluded from reverse migration" in errors_by_line(result)[2][0]
    assert Mpan.objects.get(core=int(mpan("10", 1))).state == "migrated"


def test_apply_valid_lines_applies_the_rest_and_says_why_an_mpan_stops(m) -> None:
    content = csv_of(
        *GOOD,
        f"{bad_check_digit(9)},smart,ALPH,10,DLTA,schedule,2027-06-01",
        f"{mpan('10', 3)},smart,ALPH,10,DLTA,migrate,2027-06-03",
        f"{mpan('10', 3)},smart,ALPH,10,DLTA,schedule,2027-06-04",
    )
    result = load(m, content, apply_valid=True)
    assert (result.status, result.applied, result.rejected) == (LoadStatus.PARTIAL, 3, 3)
    assert "Not applied: line 6 of the same MPAN has an error" in errors_by_line(result)[7][0]
    assert set(Mpan.objects.values_list("core", flat=True)) == {int(mpan("10", 1)), int(mpan("10", 2))}
    again = load(m, content, apply_valid=True)
    assert (again.applied, again.unchanged, again.rejected) == (0, 3, 3)
    assert LedgerEvent.objects.count() == 3


def test_the_uploader_may_load_only_for_its_organisation(m) -> None:
    with pytest.raises(NotPermitted):
        load(m, csv_of(*GOOD), user=m.world.user_b, org=m.world.org_a)
    with pytest.raises(NotPermitted):
        load(m, csv_of(*GOOD), user=m.world.resolver, org=m.world.org_a)
    with pytest.raises(NotPermitted):
        load(m, csv_of(*GOOD), user=m.assurer, org=m.world.org_a)
    # A migration manager loads on a supplier's behalf, any supplier's lines.
    done = load(m, csv_of(*GOOD, f"{mpan('10', 8)},smart,BRAV,10,DLTA,schedule,2027-06-01"), user=m.si)
    assert done.status == LoadStatus.APPLIED and done.applied == 4


def test_whole_file_problems_are_refused(m) -> None:
    with pytest.raises(ActionError) as empty:
        load(m, b"")
    assert empty.value.field == "file"
    with pytest.raises(ActionError) as binary:
        load(m, HEADER.encode() + b"\xff\xfe\x00bad\n")
    assert binary.value.field == "file"
    missing = load(m, b"mpan,segment,supplier\n1,2,3\n")
    assert missing.status == LoadStatus.REJECTED
    assert (
        missing.errors[0]["line"] == 1
        and "Missing columns: dno, agent, event, date" in missing.errors[0]["message"]
    )


def test_too_many_lines_are_refused(m, monkeypatch) -> None:
    monkeypatch.setattr(ledger, "MAX_LINES", 2)
    with pytest.raises(ActionError, match="more than 2 lines"):
        load(m, csv_of(*GOOD))


def test_a_parquet_file_loads_like_a_csv(m) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [line.split(",") for line in GOOD]
    table = pa.table({name: [r[i] for r in rows] for i, name in enumerate(ledger.COLUMNS)})
    table = table.set_column(0, "mpan", pa.array([int(r[0]) for r in rows], pa.int64()))
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    result = load(m, buffer.getvalue(), name="daily.parquet")
    assert (result.status, result.file_format, result.applied) == (LoadStatus.APPLIED, "parquet", 3)
    assert Mpan.objects.get(core=int(mpan("10", 1))).state == "migrated"
    assert load(m, buffer.getvalue(), name="daily.parquet").status == LoadStatus.UNCHANGED
