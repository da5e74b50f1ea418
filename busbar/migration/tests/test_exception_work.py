"""Working an exception: the supplier and the managers add updates and internal notes, investigate, resolve
(with the resolution) and reopen; readers, DNOs and agents may not (403); status changes outside the table
are 409; internal notes are hidden from those who do not work it."""

from __future__ import annotations

import pytest

from busbar.lib.actions import ActionError, Actor, IllegalTransition, NotPermitted
from busbar.migration.actions import exceptions as actions
from busbar.migration.models import ExceptionKind, ExceptionStatus
from busbar.migration.tests.conftest import NOW, TODAY, actor, mpan
from busbar.records.models import Entry

pytestmark = pytest.mark.django_db


def _raise(m):
    items = [{"core": int(mpan("10", 1)), "agent_id": m.agent_org.pk}, {"core": int(mpan("12", 2))}]
    return actions.record_exception(
        actor=Actor.system(),
        kind=ExceptionKind.NO_AGENT,
        supplier=m.world.org_a,
        day=TODAY,
        mpans=items,
        now=NOW,
    )


def test_record_exception_extends_the_open_one(m) -> None:
    first = _raise(m)
    again = actions.record_exception(
        actor=Actor.system(),
        kind=ExceptionKind.NO_AGENT,
        supplier=m.world.org_a,
        day=TODAY,
        mpans=[{"core": int(mpan("10", 1))}, {"core": int(mpan("10", 3))}],
        now=NOW,
    )
    assert again.pk == first.pk and again.mpans == 3
    assert first.reference.startswith("MEX")
    with pytest.raises(NotPermitted):
        actions.record_exception(
            actor=actor(m.world.user_b), kind="failed", supplier=m.world.org_a, day=TODAY, mpans=[{"core": 1}]
        )
    with pytest.raises(ActionError) as bad:
        actions.record_exception(
            actor=Actor.system(), kind="failed", supplier=m.world.org_a, day=TODAY, mpans=[{"core": 12}]
        )
    assert bad.value.field == "mpans[0].core"


def test_supplier_and_manager_work_it(m) -> None:
    exc = _raise(m)
    actions.investigate(actor=actor(m.world.user_a), exception=exc, note="Looking at the agent appointments")
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.INVESTIGATING
    with pytest.raises(IllegalTransition):
        actions.investigate(actor=actor(m.si), exception=exc)
    with pytest.raises(ActionError) as empty:
        actions.resolve(actor=actor(m.si), exception=exc, resolution="  ")
    assert empty.value.field == "resolution"
    actions.resolve(
        actor=actor(m.si), exception=exc, resolution="Agents appointed in the registration system"
    )
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.RESOLVED and exc.resolved_at is not None
    with pytest.raises(IllegalTransition):
        actions.resolve(actor=actor(m.si), exception=exc, resolution="again")
    with pytest.raises(ActionError):
        actions.reopen(actor=actor(m.world.user_a), exception=exc, note="")
    actions.reopen(actor=actor(m.world.user_a), exception=exc, note="Two MPANs still have no agent")
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.OPEN and exc.resolved_at is None
    with pytest.raises(IllegalTransition):
        actions.reopen(actor=actor(m.si), exception=exc, note="already open")


@pytest.mark.parametrize("who", ["assurer", "dno", "agent", "code_body_user"])
def test_others_may_not_work_it(m, who) -> None:
    exc = _raise(m)
    user = getattr(m, who)
    for call in (
        lambda: actions.investigate(actor=actor(user), exception=exc),
        lambda: actions.resolve(actor=actor(user), exception=exc, resolution="done"),
        lambda: actions.add_update(actor=actor(user), exception=exc, body="hello"),
        lambda: actions.add_note(actor=actor(user), exception=exc, body="hello"),
    ):
        with pytest.raises(NotPermitted):
            call()
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.OPEN


def test_internal_notes_hidden_from_non_workers(m) -> None:
    exc = _raise(m)
    actions.add_update(actor=actor(m.world.user_a), exception=exc, body="PUBLIC-UPDATE text")
    actions.add_note(actor=actor(m.si), exception=exc, body="SECRET-NOTE text")
    url = f"/migration/exceptions/{exc.reference}/"
    for user in (m.si, m.world.user_a):
        page = m.client(user).get(url).content.decode()
        assert "SECRET-NOTE" in page and "PUBLIC-UPDATE" in page
    for user in (m.assurer, m.dno, m.agent):
        page = m.client(user).get(url).content.decode()
        assert "PUBLIC-UPDATE" in page and "SECRET-NOTE" not in page, user
    api = m.client(m.dno).get(f"/api/v1/migration/exceptions/{exc.reference}").json()
    assert [u["body"] for u in api["updates"]] == ["PUBLIC-UPDATE text"]
    assert Entry.objects.filter(record=exc.record, is_internal=True).count() == 1


def test_page_forms_follow_permissions(m) -> None:
    exc = _raise(m)
    url = f"/migration/exceptions/{exc.reference}/"
    page = m.client(m.world.user_a).get(url).content.decode()
    assert 'id="do-resolve"' in page and 'id="do-investigate"' in page and 'id="do-note"' in page
    for user in (m.assurer, m.dno, m.agent):
        page = m.client(user).get(url).content.decode()
        assert 'id="do-resolve"' not in page and 'id="do-update"' not in page
    r = m.client(m.assurer).post(url + "resolve/", {"resolve-resolution": "done"})
    assert r.status_code == 403
    r = m.client(m.world.user_b).post(url + "resolve/", {"resolve-resolution": "done"})
    assert r.status_code == 404
    r = m.client(m.world.user_a).post(url + "resolve/", {"resolve-resolution": ""})
    assert r.status_code == 422
    r = m.client(m.world.user_a).post(url + "resolve/", {"resolve-resolution": "Fixed at source"})
    assert r.status_code == 302
    exc.refresh_from_db()
    assert exc.status == ExceptionStatus.RESOLVED
    r = m.client(m.world.user_a).post(url + "investigate/", {"investigate-note": ""})
    assert r.status_code == 409
    page = m.client(m.world.user_a).get(url).content.decode()
    assert 'id="do-reopen"' in page and "Fixed at source" in page
    r = m.client(m.world.user_a).post(url + "update/", {"update-body": "With a file"})
    assert r.status_code == 302
    assert m.client(m.world.user_a).get(url + "nonsense/").status_code == 302


def test_api_actions(m) -> None:
    exc = _raise(m)
    base = f"/api/v1/migration/exceptions/{exc.reference}"
    si = m.client(m.si)
    r = si.post(base + "/investigate", {"note": ""}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "investigating"
    r = si.post(base + "/investigate", {}, content_type="application/json")
    assert r.status_code == 409
    r = si.post(base + "/resolve", {"resolution": ""}, content_type="application/json")
    assert r.status_code == 422
    r = m.client(m.assurer).post(base + "/resolve", {"resolution": "x"}, content_type="application/json")
    assert r.status_code == 403
    r = m.client(m.world.user_b).post(base + "/resolve", {"resolution": "x"}, content_type="application/json")
    assert r.status_code == 404
    r = si.post(base + "/resolve", {"resolution": "Put right"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["resolution"] == "Put right"
    assert r.json()["allowed_actions"] == ["update", "note", "reopen"]
    r = m.client(m.world.user_a).post(base + "/reopen", {"note": "Not yet"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "open"
    r = m.client(m.world.user_a).post(
        base + "/updates", {"body": "internal", "internal": True}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["is_internal"] is True
    r = m.client(m.dno).post(base + "/updates", {"body": "hi"}, content_type="application/json")
    assert r.status_code == 403
    r = si.post(base + "/updates", {"body": "x", "sneaky": 1}, content_type="application/json")
    assert r.status_code == 422
