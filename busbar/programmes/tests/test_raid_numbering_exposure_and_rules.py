"""RAID items are numbered R1, R2… per programme, score likelihood × impact as their exposure, keep each
type's own columns (GV-20), refuse bad input naming the field, change status only as the table allows
(409), journal every change (the public/private flag with its reason), and tell the owner organisation's
people when an item becomes theirs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, IllegalTransition, NotPermitted
from busbar.programmes.actions import raid as actions
from busbar.programmes.models import Milestone, RaidItem, RaidKind, RaidStatus
from busbar.programmes.tests.conftest import actor_for
from busbar.records.models import Notification
from busbar.testing.access import forget_access
from busbar.testing.models import Programme, ProgrammeFunction, ProgrammeParty


def _raise(gov, **fields):
    fields.setdefault("kind", RaidKind.RISK)
    fields.setdefault("title", "A risk")
    return actions.raise_item(actor=actor_for(gov.office), programme=gov.programme, **fields)


def test_numbers_follow_on_per_programme(gov) -> None:
    first, second = _raise(gov), _raise(gov, kind=RaidKind.ASSUMPTION, title="An assumption")
    assert (first.display_ref, second.display_ref) == ("R5", "R6")
    assert first.reference.startswith("RAID") and first.record.reference == first.reference
    other = Programme.objects.create(code="fs", name="Faster Switching")
    ProgrammeParty.objects.create(
        programme=other, organisation=gov.prog.pm_org, function=ProgrammeFunction.PROGRAMME_MANAGER
    )
    forget_access(gov.office)
    elsewhere = actions.raise_item(
        actor=actor_for(gov.office), programme=other, kind=RaidKind.ISSUE, title="X"
    )
    assert elsewhere.display_ref == "R1"
    assert _raise(gov).display_ref == "R7"


def test_exposure_is_likelihood_times_impact(gov) -> None:
    item = _raise(gov, likelihood=4, impact_score=5)
    assert item.exposure == 20
    assert _raise(gov, likelihood=4).exposure == 0  # not scored on both
    edited = actions.edit_item(actor=actor_for(gov.office), item=item, likelihood=2)
    assert edited.exposure == 10 and RaidItem.objects.get(pk=item.pk).exposure == 10
    entry = AuditEntry.objects.filter(action="programmes.raid.edit", record_id=str(item.pk)).last()
    assert entry.changes["exposure"] == [20, 10] and entry.changes["likelihood"] == [4, 2]
    cleared = actions.edit_item(actor=actor_for(gov.office), item=item, impact_score=None)
    assert cleared.exposure == 0
    with pytest.raises(ActionError) as refused:
        actions.edit_item(actor=actor_for(gov.office), item=item, impact_score=None)
    assert "Nothing to change" in refused.value.message


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"kind": "opportunity"}, "kind"),
        ({"likelihood": 6}, "likelihood"),
        ({"impact_score": 0}, "impact_score"),
        ({"likelihood": True}, "likelihood"),
        ({"uncertainty": "high"}, "uncertainty"),  # an assumption's column, not a risk's
        ({"manageable": "yes"}, "manageable"),
        ({"impact_level": "extreme"}, "impact_level"),
        ({"rag": "complete"}, "rag"),
        ({"theme": "x" * 81}, "theme"),
        ({"raised_on": dt.date(1999, 12, 31)}, "raised_on"),
        ({"raised_on": timezone.localdate() + dt.timedelta(days=2)}, "raised_on"),
        ({"title": "nul\x00"}, "title"),
    ],
)
def test_bad_input_is_refused_naming_the_field(gov, fields, field) -> None:
    before = RaidItem.objects.count()
    with pytest.raises(ActionError) as refused:
        _raise(gov, **fields)
    assert refused.value.field == field and refused.value.status == 422
    assert RaidItem.objects.count() == before


def test_owners_milestones_and_phases_must_be_the_programmes(gov) -> None:
    with pytest.raises(ActionError) as refused:
        _raise(gov, owner_organisation=gov.world.provider)
    assert refused.value.field == "owner_organisation"
    with pytest.raises(ActionError) as refused:
        _raise(gov, owner_organisation=gov.prog.assurer_org)  # assurers own no RAID items
    assert refused.value.field == "owner_organisation"
    other = Programme.objects.create(code="fs", name="Faster Switching")
    foreign = Milestone.objects.create(programme=other, code="M1", name="Elsewhere")
    with pytest.raises(ActionError) as refused:
        _raise(gov, kind=RaidKind.DEPENDENCY, impacting_milestone=foreign)
    assert refused.value.field == "impacting_milestone"
    with pytest.raises(ActionError) as refused:
        _raise(gov, kind=RaidKind.DEPENDENCY, impacting_milestone=gov.m10, impacted_milestone=gov.m10)
    assert refused.value.field == "impacted_milestone"
    with pytest.raises(ActionError) as refused:
        _raise(gov, owner_organisation=gov.world.org_a, owner_user=gov.bravo)
    assert refused.value.field == "owner_user"
    dep = _raise(
        gov,
        kind=RaidKind.DEPENDENCY,
        title="SEC change",
        impacting_milestone=gov.m14,
        impacted_milestone=gov.m15,
        manageable="not_yet",
        external_ref="SEC MP162",
        owner_organisation=gov.world.org_a,
        owner_user=gov.alpha,
    )
    assert (dep.impacting_milestone, dep.impacted_milestone, dep.owner_user) == (gov.m14, gov.m15, gov.alpha)
    # Both ways: the milestones know the dependencies on them.
    assert list(gov.m14.impacting_dependencies.all()) == [dep]
    assert set(gov.m14.impacted_dependencies.all()) == {gov.r4}


def test_raising_and_editing_refused_to_all_but_the_office(gov) -> None:
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk, gov.si):
        with pytest.raises(NotPermitted):
            actions.raise_item(actor=actor_for(user), programme=gov.programme, kind="risk", title="x")
    with pytest.raises(NotPermitted):
        actions.edit_item(actor=actor_for(gov.alpha), item=gov.r2, rag="green")
    with pytest.raises(NotPermitted):
        actions.close_item(actor=actor_for(gov.alpha), item=gov.r2, reason="done")
    entry = actions.add_update(
        actor=actor_for(gov.alpha), item=gov.r2, body="Build 60% done", activities="More"
    )
    assert entry.author == gov.alpha and RaidItem.objects.get(pk=gov.r2.pk).activities == "More"
    with pytest.raises(NotPermitted):
        actions.add_update(actor=actor_for(gov.bravo), item=gov.r2, body="not mine")
    with pytest.raises(NotPermitted):
        actions.add_update(actor=actor_for(gov.assurer), item=gov.r1, body="assurers read only")


def test_status_changes_follow_the_table(gov) -> None:
    office = actor_for(gov.office)
    closed = actions.close_item(actor=office, item=gov.r1, reason="Mitigated")
    assert closed.status == RaidStatus.CLOSED and closed.closed_on == timezone.localdate()
    with pytest.raises(IllegalTransition):
        actions.close_item(actor=office, item=gov.r1, reason="again")
    with pytest.raises(IllegalTransition):
        actions.add_update(actor=office, item=gov.r1, body="on a closed item")
    reopened = actions.reopen_item(actor=office, item=gov.r1, reason="Back")
    assert reopened.status == RaidStatus.OPEN and reopened.closed_on is None and reopened.closure_reason == ""
    with pytest.raises(IllegalTransition):
        actions.reopen_item(actor=office, item=gov.r1, reason="not closed")
    with pytest.raises(ActionError) as refused:
        actions.close_item(actor=office, item=gov.r1, reason=" ")
    assert refused.value.field == "reason"
    with pytest.raises(ActionError) as refused:
        actions.edit_item(actor=office, item=gov.r1, kind=RaidKind.ISSUE)
    assert refused.value.field == "kind"


def test_public_flag_changes_are_journalled(gov) -> None:
    office = actor_for(gov.office)
    actions.set_public(actor=office, item=gov.r2, is_public=True, reason="TMAG19-01: make it public")
    entry = AuditEntry.objects.get(action="programmes.raid.publish", record_id=str(gov.r2.pk))
    assert entry.changes == {"is_public": [False, True]} and entry.note == "TMAG19-01: make it public"
    with pytest.raises(ActionError):
        actions.set_public(actor=office, item=gov.r2, is_public=True)
    actions.edit_item(actor=office, item=gov.r2, is_public=False, rag="amber")
    entry = AuditEntry.objects.get(action="programmes.raid.unpublish", record_id=str(gov.r2.pk))
    assert entry.changes["is_public"] == [True, False] and entry.changes["rag"] == ["red", "amber"]
    with pytest.raises(NotPermitted):
        actions.set_public(actor=actor_for(gov.alpha), item=gov.r2, is_public=True)
    # The history on the item's page shows it to the office…
    page = gov.client(gov.office).get(f"/programmes/raid/{gov.r2.reference}/").content
    assert b"made it public" in page and b"made it private" in page and b"TMAG19-01" in page


def test_internal_notes_stay_out_of_a_readers_history(gov) -> None:
    office = actor_for(gov.office)
    actions.add_update(actor=office, item=gov.r1, body="Supplier X is the cause", internal=True)
    actions.add_update(actor=office, item=gov.r1, body="Second environment ordered")
    for user, sees in ((gov.office, True), (gov.assurer, True), (gov.bravo, False), (gov.desk, False)):
        page = gov.client(user).get(f"/programmes/raid/{gov.r1.reference}/").content
        assert b"Second environment ordered" in page
        assert (b"Supplier X is the cause" in page) is sees, user
        assert (b"added an internal note" in page) is sees, user


def test_the_owner_organisation_is_told(gov, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        item = _raise(gov, title="Migration data not ready", owner_organisation=gov.world.org_b)
    told = Notification.objects.filter(record_id=item.record_id)
    assert list(told.values_list("recipient", flat=True)) == [gov.bravo.pk]
    assert told.get().kind == Notification.Kind.ASSIGNMENT and "R5" in told.get().title
    assert told.get().url == f"/programmes/raid/{item.reference}/"
    with django_capture_on_commit_callbacks(execute=True):
        actions.edit_item(actor=actor_for(gov.office), item=item, owner_organisation=gov.world.org_a)
    assert set(Notification.objects.filter(record_id=item.record_id).values_list("recipient", flat=True)) == {
        gov.bravo.pk,
        gov.alpha.pk,
        gov.world.admin_a.pk,  # every active person of the owner organisation
    }
    # Nothing is told when the change is rolled back.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _raise(gov, title="Never told", owner_organisation=gov.world.org_b)
    assert len(callbacks) == 1
    assert not Notification.objects.filter(title__contains="Never told").exists()
