"""The catalogue actions: refused to everyone but the operator, journalled, one transaction (a refused row
leaves the item as it was), the item's rules (redirect text, priority of the policy's scheme, providers
that are providers), and a request in flight keeps the approvals and tasks it was raised with."""

from __future__ import annotations

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.requests.actions import catalogue as cat
from busbar.requests.models import CatalogueItem
from busbar.requests.tests.conftest import actor

pytestmark = pytest.mark.django_db


def test_refused_to_all_but_the_operator(r) -> None:
    w = r.world
    for user in (w.analyst, w.resolver, w.user_a, w.admin_a, r.dcc):
        with pytest.raises(NotPermitted):
            cat.create_item(actor=actor(user), name="X", summary="Y")
        with pytest.raises(NotPermitted):
            cat.set_item_active(actor=actor(user), item=r.info, active=False)
        with pytest.raises(NotPermitted):
            cat.set_fields(actor=actor(user), item=r.info, fields=[])
    item = cat.create_item(actor=actor(w.ops), name="X", summary="Y", audience="everyone")
    assert AuditEntry.objects.filter(action="catalogue.create", record_id=str(item.pk), actor=w.ops).exists()
    assert cat.create_item(actor=Actor.system(), name="Z", summary="Y").slug == "z"


def test_a_refused_row_changes_nothing(r) -> None:
    with pytest.raises(ActionError) as exc:
        cat.set_fields(
            actor=actor(r.world.ops),
            item=r.info,
            fields=[
                {"key": "topic", "label": "Topic", "kind": "text"},
                {"key": "when", "label": "When", "kind": "date", "options": {"not_before_days": "soon"}},
            ],
        )
    assert exc.value.field == "fields[1].options"
    assert [f.key for f in r.info.fields.all()] == ["question"]
    assert not AuditEntry.objects.filter(action="catalogue.fields").exists()


def test_item_rules(r) -> None:
    ops = actor(r.world.ops)
    with pytest.raises(ActionError) as exc:
        cat.update_item(actor=ops, item=r.info, fields={"priority": "P7"})
    assert exc.value.field == "priority" and "P1, P2, P3, P4" in exc.value.message
    with pytest.raises(ActionError) as exc:
        cat.update_item(actor=ops, item=r.info, fields={"kind": "redirect"})
    assert exc.value.field == "redirect_text"
    with pytest.raises(ActionError) as exc:
        cat.update_item(actor=ops, item=r.redirect, fields={"fulfilment": "new_user"})
    assert exc.value.field == "fulfilment"
    with pytest.raises(ActionError) as exc:
        cat.update_item(actor=ops, item=r.info, fields={"summary": r.info.summary})
    assert "Nothing to change" in exc.value.message
    with pytest.raises(ActionError) as exc:
        cat.set_task_templates(
            actor=ops, item=r.info, tasks=[{"title": "T", "assignee": "provider", "provider": r.world.org_b}]
        )
    assert exc.value.field == "tasks[0].provider"
    with pytest.raises(ActionError) as exc:
        cat.set_approval_steps(
            actor=ops, item=r.info, steps=[{"approver": "operator", "provider": r.world.provider}]
        )
    assert exc.value.field == "steps[0].provider"
    done = cat.update_item(actor=ops, item=r.info, fields={"priority": "P1", "category": "Urgent"})
    entry = AuditEntry.objects.get(action="catalogue.update", record_id=str(done.pk))
    assert entry.changes["priority"] == ["P4", "P1"] and entry.changes["category"] == ["Advice", "Urgent"]


def test_request_in_flight_keeps_what_it_was_raised_with(r) -> None:
    from busbar.requests import actions

    w = r.world
    req = actions.raise_request(
        actor=actor(w.user_a), item=r.info, organisation=w.org_a, answers={"question": "When?"}
    )
    cat.set_task_templates(actor=actor(w.ops), item=r.info, tasks=[])
    cat.set_approval_steps(actor=actor(w.ops), item=r.info, steps=[{"approver": "operator"}])
    assert [t.title for t in req.tasks.all()] == ["Answer the question"]
    assert req.approvals.count() == 0
    assert CatalogueItem.objects.get(pk=r.info.pk).approval_steps.count() == 1
