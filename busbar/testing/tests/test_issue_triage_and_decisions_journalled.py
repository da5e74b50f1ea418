"""The SI triages a testing issue (category 1–4, root cause, an owner taking part in the programme); every
triage decision is kept as a TriageDecision with its reason and in the journal; the owner's people are
told in their inbox and by email, the raiser of the status change."""

from __future__ import annotations

import pytest
from django.core import mail

from busbar.audit.models import AuditEntry
from busbar.conftest import make_org
from busbar.lib.actions import ActionError, IllegalTransition, NotPermitted
from busbar.records.models import Notification
from busbar.testing.actions import issues as actions
from busbar.testing.models import IssueStatus, TriageDecision
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.issue_fixtures import raised, triaged


def _journal(issue):
    return list(
        AuditEntry.objects.filter(record_id=str(issue.pk), action__startswith="testing_issue.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_si_triages_to_category_2_test_data(prog, django_capture_on_commit_callbacks):
    issue = raised(prog)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        issue = triaged(prog, issue, category=2, root_cause="test_data", owner=prog.world.org_a)
    assert (issue.status, issue.category, issue.root_cause, issue.owner) == (
        IssueStatus.TRIAGED,
        2,
        "test_data",
        prog.world.org_a,
    )
    assert issue.triaged_at is not None
    decision = TriageDecision.objects.get(issue=issue)
    assert decision.kind == "triage" and decision.decided_by == prog.si
    assert decision.reason == "Alpha's test data has the wrong MPAN"
    assert decision.changes["category"] == [None, 2] and decision.changes["status"] == ["new", "triaged"]
    assert _journal(issue) == ["testing_issue.raise", "testing_issue.triage"]
    # Alpha (owner and raiser) is told of the assignment and of the status change; the SI (who acted) not.
    assert Notification.objects.filter(recipient=prog.world.user_a, record=issue.record).count() == 2
    assert (
        not Notification.objects.filter(recipient=prog.si, record=issue.record, kind="assignment")
        .exclude(title__startswith="New")
        .exists()
    )
    # Email: the assignment to each of Alpha's people, the status change to the raiser; one recipient each.
    sent = sorted((m.to[0], m.subject.split(": ")[0]) for m in mail.outbox)
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert [to for to, _ in sent] == sorted(
        [prog.world.admin_a.email, prog.world.user_a.email, prog.world.user_a.email]
    )


def test_retriage_writes_another_decision_and_nothing_to_change_is_refused(prog):
    issue = triaged(prog)
    actions.triage(
        actor=actor_for(prog.si),
        issue=issue,
        category=1,
        root_cause="system_defect",
        owner=prog.agent_org,
        reason="It is the agent's defect",
    )
    kinds = list(TriageDecision.objects.filter(issue=issue).values_list("kind", "changes"))
    assert len(kinds) == 2 and kinds[1][1]["owner"] == ["Alpha Energy", "Meter Agent Co"]
    with pytest.raises(ActionError) as same:
        actions.triage(
            actor=actor_for(prog.si),
            issue=issue,
            category=1,
            root_cause="system_defect",
            owner=prog.agent_org,
        )
    assert same.value.status == 422


def test_every_status_change_is_a_decision_with_its_journal_entry(prog):
    issue = triaged(prog)
    actions.start_fix(actor=actor_for(prog.world.user_a), issue=issue, note="Reloading the data")
    actions.ready_for_retest(actor=actor_for(prog.world.user_a), issue=issue, note="New MPAN loaded")
    kinds = list(TriageDecision.objects.filter(issue=issue).order_by("id").values_list("kind", flat=True))
    assert kinds == ["triage", "start_fix", "ready_for_retest"]
    assert _journal(issue)[-3:] == [
        "testing_issue.triage",
        "testing_issue.start_fix",
        "testing_issue.ready_for_retest",
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"category": 5}, "category"),
        ({"category": 0}, "category"),
        ({"root_cause": "bad_luck"}, "root_cause"),
        ({"owner": None}, "owner"),
    ],
)
def test_bad_triage_input_names_the_field(prog, kwargs, field):
    issue = raised(prog)
    args = {"category": 2, "root_cause": "test_data", "owner": prog.world.org_a, **kwargs}
    with pytest.raises(ActionError) as refused:
        actions.triage(actor=actor_for(prog.si), issue=issue, **args)
    assert refused.value.field == field and refused.value.status == 422
    assert not TriageDecision.objects.exists()


def test_owner_must_take_part_in_the_programme(prog):
    issue = raised(prog)
    outsider = make_org("Unrelated Supplier", ["energy_supplier"])
    with pytest.raises(ActionError) as refused:
        actions.triage(actor=actor_for(prog.si), issue=issue, category=3, root_cause="", owner=outsider)
    assert refused.value.field == "owner" and "Unrelated Supplier" in refused.value.message
    # an organisation holding a function (the SI itself) may own the fix
    done = actions.triage(
        actor=actor_for(prog.si), issue=issue, category=3, root_cause="environment", owner=prog.si_org
    )
    assert done.owner == prog.si_org


def test_only_the_si_triages(prog):
    issue = raised(prog)
    w = prog.world
    for user in (w.user_a, w.user_b, prog.assurer, w.analyst, prog.pm, prog.da):
        with pytest.raises(NotPermitted):
            actions.triage(
                actor=actor_for(user), issue=issue, category=2, root_cause="test_data", owner=w.org_a
            )
    assert not TriageDecision.objects.exists()


def test_illegal_status_change_is_409(prog):
    issue = raised(prog)
    with pytest.raises(IllegalTransition) as refused:
        actions.start_fix(actor=actor_for(prog.si), issue=issue)
    assert refused.value.status == 409 and "triaged" in refused.value.message
