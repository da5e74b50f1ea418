"""Every demand action, allowed and denied: the filer edits, withdraws and responds; the desk analyses,
notifies, requests mitigation, records compliance, closes and reopens; operations managers keep the
tolerances; anyone else is refused (403) and nothing changes; a status change the table forbids is a 409.
Visibility per persona: the filer, another supplier (nothing), a provider (only after notification and
only if affected), the desk (all)."""

import datetime as dt

import pytest

from busbar.audit.queries import timeline_for
from busbar.demand import actions, permissions, queries
from busbar.demand.models import Compliance, DemandStatus
from busbar.demand.tests.conftest import NOW, actor, line
from busbar.lib.actions import ActionError, Conflict, IllegalTransition, NotPermitted
from busbar.parties.queries import scope_for
from busbar.records.queries import entries_visible_to


def _sees(user, notice) -> bool:
    return queries.visible_to(user).filter(pk=notice.pk).exists()


def test_visibility_per_persona(d) -> None:
    w = d.world
    assert _sees(w.user_a, d.notice) and _sees(w.admin_a, d.notice)
    assert not _sees(w.user_b, d.notice) and _sees(w.user_b, d.notice_b)
    assert _sees(w.analyst, d.notice) and _sees(w.ops, d.notice_b)
    for provider in (w.resolver, d.gas, d.elec):
        assert not _sees(provider, d.notice)
    actions.notify_providers(actor=actor(w.analyst), notice=d.notice, now=NOW)
    assert _sees(w.resolver, d.notice) and _sees(d.gas, d.notice)
    assert not _sees(d.elec, d.notice)  # not affected
    assert not _sees(w.user_b, d.notice)
    assert not _sees(None, d.notice)
    gas_lines = list(queries.lines_visible_to(d.gas).filter(notice=d.notice))
    assert [ln.service_id for ln in gas_lines] == [d.uk_link.pk]
    assert queries.lines_visible_to(w.user_a).filter(notice=d.notice).count() == 2


def test_filer_edits_and_withdraws_others_may_not(d) -> None:
    for user in (d.world.analyst, d.world.resolver, d.gas):
        with pytest.raises(NotPermitted):
            actions.update_notice(actor=actor(user), notice=d.notice, fields={"title": "X"}, now=NOW)
        with pytest.raises(NotPermitted):
            actions.withdraw_notice(actor=actor(user), notice=d.notice, now=NOW)
    done = actions.update_notice(
        actor=actor(d.world.admin_a), notice=d.notice, fields={"title": "New"}, now=NOW
    )
    assert done.title == "New"
    gone = actions.withdraw_notice(actor=actor(d.world.user_a), notice=d.notice, note="Campaign off", now=NOW)
    assert gone.status == DemandStatus.WITHDRAWN and gone.closed_at == NOW
    with pytest.raises(IllegalTransition):
        actions.withdraw_notice(actor=actor(d.world.user_a), notice=d.notice, now=NOW)
    with pytest.raises(Conflict):
        actions.update_notice(actor=actor(d.world.user_a), notice=d.notice, fields={"title": "Y"}, now=NOW)


def test_filer_cannot_change_after_the_bulletin(d) -> None:
    actions.notify_providers(actor=actor(d.world.analyst), notice=d.notice, now=NOW)
    with pytest.raises(Conflict) as exc:
        actions.update_notice(actor=actor(d.world.user_a), notice=d.notice, fields={"title": "Y"}, now=NOW)
    assert exc.value.status == 409
    with pytest.raises(IllegalTransition):
        actions.withdraw_notice(actor=actor(d.world.user_a), notice=d.notice, now=NOW)


@pytest.mark.parametrize(
    "call",
    [
        lambda d, a: actions.start_analysis(actor=a, notice=d.notice, analysis="x", now=NOW),
        lambda d, a: actions.notify_providers(actor=a, notice=d.notice, now=NOW),
        lambda d, a: actions.request_mitigation(actor=a, notice=d.notice, text="x", now=NOW),
        lambda d, a: actions.record_compliance(actor=a, notice=d.notice, compliance="not_needed", now=NOW),
        lambda d, a: actions.close_notice(actor=a, notice=d.notice, now=NOW),
        lambda d, a: actions.reopen_notice(actor=a, notice=d.notice, note="x", now=NOW),
        lambda d, a: actions.add_note(actor=a, notice=d.notice, body="x", now=NOW),
    ],
)
def test_desk_work_is_refused_to_everyone_else(d, call) -> None:
    for user in (d.world.user_a, d.world.admin_a, d.world.resolver, d.gas, d.world.user_b):
        with pytest.raises(NotPermitted):
            call(d, actor(user))
    assert [e.action for e in timeline_for(d.notice)] == ["demand.file"]


def test_the_desk_works_a_notice_through(d) -> None:
    desk = actor(d.world.analyst)
    n = actions.start_analysis(actor=desk, notice=d.notice, analysis="CSS peaks Monday 09:00", now=NOW)
    assert n.status == DemandStatus.UNDER_ANALYSIS
    n = actions.start_analysis(actor=desk, notice=n, analysis="Revised: peaks all week", now=NOW)
    assert n.status == DemandStatus.UNDER_ANALYSIS and n.analysis == "Revised: peaks all week"
    n = actions.notify_providers(actor=desk, notice=n, now=NOW)
    n = actions.request_mitigation(actor=desk, notice=n, text="Spread over 10 days", now=NOW)
    assert n.status == DemandStatus.MITIGATION_REQUESTED and n.mitigation_requested_at == NOW
    with pytest.raises(NotPermitted):
        actions.respond(actor=actor(d.world.analyst), notice=n, response="x", now=NOW)
    with pytest.raises(NotPermitted):
        actions.respond(actor=actor(d.gas), notice=n, response="x", now=NOW)
    n = actions.respond(actor=actor(d.world.user_a), notice=n, response="We will stagger", now=NOW)
    n = actions.record_compliance(actor=desk, notice=n, compliance=Compliance.COMPLIED, now=NOW)
    n = actions.close_notice(actor=desk, notice=n, note="Done", now=NOW)
    assert n.status == DemandStatus.CLOSED and n.closed_at == NOW and n.compliance == "complied"
    with pytest.raises(IllegalTransition):
        actions.start_analysis(actor=desk, notice=n, analysis="again", now=NOW)
    with pytest.raises(IllegalTransition):
        actions.close_notice(actor=desk, notice=n, now=NOW)
    with pytest.raises(ActionError) as exc:
        actions.reopen_notice(actor=desk, notice=n, note="  ", now=NOW)
    assert exc.value.field == "note"
    n = actions.reopen_notice(actor=desk, notice=n, note="The campaign was extended", now=NOW)
    assert n.status == DemandStatus.UNDER_ANALYSIS and n.closed_at is None
    journal = {e.action for e in timeline_for(n)}
    assert {
        "demand.file",
        "demand.status",
        "demand.analysis",
        "demand.mitigation",
        "demand.response",
    } <= journal
    assert {"demand.compliance"} <= journal


def test_respond_needs_an_open_mitigation_request(d) -> None:
    with pytest.raises(Conflict):
        actions.respond(actor=actor(d.world.user_a), notice=d.notice, response="x", now=NOW)


def test_compliance_rules(d) -> None:
    desk = actor(d.world.analyst)
    with pytest.raises(Conflict):  # filed: nothing to comply with yet
        actions.record_compliance(actor=desk, notice=d.notice, compliance="not_needed", now=NOW)
    actions.start_analysis(actor=desk, notice=d.notice, analysis="Fine", now=NOW)
    with pytest.raises(ActionError) as exc:
        actions.record_compliance(actor=desk, notice=d.notice, compliance="complied", now=NOW)
    assert exc.value.field == "compliance"  # no mitigation was requested
    with pytest.raises(ActionError) as exc:
        actions.record_compliance(actor=desk, notice=d.notice, compliance="bogus", now=NOW)
    assert exc.value.field == "compliance"
    done = actions.record_compliance(actor=desk, notice=d.notice, compliance="not_needed", now=NOW)
    assert done.compliance == "not_needed"


def test_updates_and_notes(d) -> None:
    entry = actions.add_update(actor=actor(d.world.user_a), notice=d.notice, body="Start moved", now=NOW)
    actions.add_update(actor=actor(d.world.analyst), notice=d.notice, body="Thanks", now=NOW)
    note = actions.add_note(actor=actor(d.world.analyst), notice=d.notice, body="Watch CSS", now=NOW)
    with pytest.raises(NotPermitted):
        actions.add_update(actor=actor(d.world.user_b), notice=d.notice, body="x", now=NOW)
    with pytest.raises(NotPermitted):
        actions.add_update(actor=actor(d.gas), notice=d.notice, body="x", now=NOW)
    assert set(entries_visible_to(d.world.user_a, d.notice).values_list("pk", flat=True)) >= {entry.pk}
    assert note.pk not in set(entries_visible_to(d.world.user_a, d.notice).values_list("pk", flat=True))
    assert note.pk in set(entries_visible_to(d.world.analyst, d.notice).values_list("pk", flat=True))


def test_filing_for_another_organisation_is_refused(d) -> None:
    with pytest.raises(NotPermitted) as exc:
        actions.file_notice(
            actor=actor(d.world.user_a),
            organisation=d.world.org_b,
            title="x",
            starts_on=dt.date(2027, 7, 1),
            ends_on=dt.date(2027, 7, 2),
            lines=[line(d.css, 1, 2)],
            now=NOW,
        )
    assert exc.value.field == "organisation"
    with pytest.raises(NotPermitted):  # a provider files for its own organisation only
        actions.file_notice(
            actor=actor(d.gas),
            organisation=d.world.org_a,
            title="x",
            starts_on=dt.date(2027, 7, 1),
            ends_on=dt.date(2027, 7, 2),
            lines=[line(d.css, 1, 2)],
            now=NOW,
        )
    on_behalf = actions.file_notice(
        actor=actor(d.world.analyst),
        organisation=d.world.org_b,
        title="Phoned in",
        starts_on=dt.date(2027, 7, 1),
        ends_on=dt.date(2027, 7, 2),
        lines=[line(d.css, 1, 2)],
        now=NOW,
    )
    assert on_behalf.organisation_id == d.world.org_b.pk
    with pytest.raises(NotPermitted):  # the desk files for suppliers and providers only
        actions.file_notice(
            actor=actor(d.world.analyst),
            organisation=d.world.operator,
            title="x",
            starts_on=dt.date(2027, 7, 1),
            ends_on=dt.date(2027, 7, 2),
            lines=[line(d.css, 1, 2)],
            now=NOW,
        )


def test_tolerances_kept_by_operations_managers_only(d) -> None:
    for user in (d.world.analyst, d.world.user_a, d.world.resolver):
        with pytest.raises(NotPermitted):
            actions.set_tolerance(
                actor=actor(user),
                service=d.css,
                effective_from=dt.date(2027, 8, 1),
                tolerance_percent=5,
                now=NOW,
            )
    replaced = actions.set_tolerance(
        actor=actor(d.world.ops),
        service=d.css,
        effective_from=dt.date(2027, 7, 1),
        tolerance_percent=40,
        now=NOW,
    )
    assert replaced.pk == d.css_later.pk and replaced.tolerance_percent == 40
    with pytest.raises(ActionError) as exc:
        actions.set_tolerance(
            actor=actor(d.world.ops),
            service=d.css,
            effective_from=dt.date(2027, 7, 1),
            tolerance_percent=40,
            now=NOW,
        )
    assert exc.value.field == "tolerance_percent"


def test_available_verbs(d) -> None:
    w = d.world
    assert permissions.available(scope_for(w.user_a), d.notice) == ["edit", "withdraw", "update"]
    desk = permissions.available(scope_for(w.analyst), d.notice)
    assert {"analyse", "notify", "note", "update"} <= set(desk) and "edit" not in desk and "close" not in desk
    assert permissions.available(scope_for(d.gas), d.notice) == []
