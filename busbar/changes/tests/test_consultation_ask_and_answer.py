"""The operator asks other providers and participants to assess a change's impact by a deadline (1 to 90
days on); each consulted organisation answers for itself, again if it wishes, late if it must."""

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.changes import queries
from busbar.changes.actions import consult, respond_consultation
from busbar.changes.models import Consultation, ConsultationImpact
from busbar.changes.tests.conftest import NOW
from busbar.lib.actions import ActionError, Actor, Conflict, IllegalTransition, NotPermitted
from busbar.parties.models import Organisation
from busbar.records.models import Notification

pytestmark = pytest.mark.django_db

#: NOW is 16 June 2027 in London.
TODAY = dt.date(2027, 6, 16)


def _ask(chg, *orgs, user=None, change=None, deadline=TODAY + dt.timedelta(days=14)):
    return consult(
        actor=Actor(user=user or chg.desk),
        change=change or chg.submitted,
        organisations=list(orgs),
        deadline=deadline,
        now=NOW,
    )


@pytest.mark.parametrize("persona", ["desk", "ops"])
def test_the_operator_asks_and_those_asked_are_told(chg, persona):
    made = _ask(chg, chg.gas_org, chg.world.org_b, user=getattr(chg, persona))
    assert {c.organisation for c in made} == {chg.gas_org, chg.world.org_b}
    assert all(c.deadline == TODAY + dt.timedelta(days=14) and c.requested_at == NOW for c in made)
    told = set(
        Notification.objects.filter(record=chg.submitted.record).values_list("recipient_id", flat=True)
    )
    assert {chg.gas.pk, chg.bravo.pk} <= told and chg.alpha.pk not in told
    # Bravo now sees the change it was asked about (and only its own consultation).
    assert queries.visible_to(chg.bravo).filter(pk=chg.submitted.pk).exists()
    assert list(queries.consultations_visible_to(chg.bravo, chg.submitted)) == [
        c for c in made if c.organisation == chg.world.org_b
    ]


@pytest.mark.parametrize("persona", ["provider", "gas", "alpha"])
def test_others_may_not_ask(chg, persona):
    with pytest.raises(NotPermitted):
        _ask(chg, chg.world.org_b, user=getattr(chg, persona))
    assert not Consultation.objects.exists()


def test_organisations_already_asked_are_skipped(chg):
    _ask(chg, chg.gas_org)
    made = _ask(chg, chg.gas_org, chg.world.org_a, chg.world.org_a)
    assert [c.organisation for c in made] == [chg.world.org_a]
    with pytest.raises(Conflict) as refused:
        _ask(chg, chg.gas_org)
    assert refused.value.field == "organisations"
    assert Consultation.objects.filter(change=chg.submitted).count() == 2


@pytest.mark.parametrize(
    ("deadline", "ok"),
    [
        (TODAY, False),
        (TODAY - dt.timedelta(days=1), False),
        (TODAY + dt.timedelta(days=1), True),
        (TODAY + dt.timedelta(days=90), True),
        (TODAY + dt.timedelta(days=91), False),
        (dt.datetime(2027, 6, 30, 12, 0, tzinfo=dt.UTC), False),
        ("2027-06-30", False),
        (None, False),
    ],
)
def test_deadline_bounds(chg, deadline, ok):
    if ok:
        assert len(_ask(chg, chg.gas_org, deadline=deadline)) == 1
        return
    with pytest.raises(ActionError) as refused:
        _ask(chg, chg.gas_org, deadline=deadline)
    assert refused.value.field == "deadline"
    assert not Consultation.objects.exists()


def test_bad_organisations_are_refused(chg):
    for orgs in ([], [chg.world.provider], [chg.gas_org, chg.world.provider]):
        with pytest.raises(ActionError) as refused:
            _ask(chg, *orgs)
        assert refused.value.field == "organisations"
    Organisation.objects.filter(pk=chg.world.org_b.pk).update(is_active=False)
    chg.world.org_b.refresh_from_db()
    with pytest.raises(ActionError) as refused:
        _ask(chg, chg.world.org_b)
    assert refused.value.field == "organisations"
    many = Organisation.objects.bulk_create(
        Organisation(name=f"Supplier {n}", slug=f"supplier-{n}") for n in range(51)
    )
    with pytest.raises(ActionError) as refused:
        _ask(chg, *many)
    assert refused.value.field == "organisations"
    assert not Consultation.objects.exists()


def test_drafts_and_ended_changes_are_not_consulted_on(chg):
    for change in (chg.draft, chg.live, chg.done):
        with pytest.raises(IllegalTransition):
            _ask(chg, chg.world.org_b, change=change)


def test_the_consulted_organisation_answers_again_and_late(chg):
    (asked,) = _ask(chg, chg.world.org_b)
    with pytest.raises(NotPermitted):
        respond_consultation(actor=Actor(user=chg.alpha), consultation=asked, impact="low", response="x")
    with pytest.raises(NotPermitted):
        respond_consultation(actor=Actor(user=chg.desk), consultation=asked, impact="low", response="x")
    answer = respond_consultation(
        actor=Actor(user=chg.bravo),
        consultation=asked,
        impact=ConsultationImpact.HIGH,
        response="Our switching window closes then",
        concerns=True,
        now=NOW,
    )
    assert (answer.impact, answer.concerns, answer.responded_at, answer.responded_by) == (
        "high",
        True,
        NOW,
        chg.bravo,
    )
    late = NOW + dt.timedelta(days=20)  # after the deadline: still taken
    answer = respond_consultation(
        actor=Actor(user=chg.bravo), consultation=asked, impact="low", response="We moved our run", now=late
    )
    asked.refresh_from_db()
    assert (asked.impact, asked.concerns, asked.response, asked.responded_at) == (
        "low",
        False,
        "We moved our run",
        late,
    )
    entry = AuditEntry.objects.filter(action="change.consultation").latest("id")
    assert "after the deadline" in entry.note and entry.actor_organisation == chg.world.org_b


@pytest.mark.parametrize(
    ("impact", "response", "concerns", "field"),
    [
        ("severe", "x", False, "impact"),
        ("", "x", False, "impact"),
        ("high", "", True, "response"),
        ("high", "x" * 5_001, False, "response"),
        ("high", "nul\x00", False, "response"),
    ],
)
def test_bad_answers_name_the_field(chg, impact, response, concerns, field):
    (asked,) = _ask(chg, chg.world.org_b)
    with pytest.raises(ActionError) as refused:
        respond_consultation(
            actor=Actor(user=chg.bravo),
            consultation=asked,
            impact=impact,
            response=response,
            concerns=concerns,
        )
    assert refused.value.field == field
    asked.refresh_from_db()
    assert asked.responded_at is None
