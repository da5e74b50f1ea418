"""Moving entrants through qualification: the code body of the entrant or the managers; the table decides
(409 otherwise); go-live only when eligible (QM-13), refused naming the missing steps."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, IllegalTransition, NotPermitted
from busbar.migration.actions import qualification as act
from busbar.migration.models import Entrant, QualificationStatus
from busbar.migration.tests.conftest import NOW, actor

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _allocate(m, entrant, tranche) -> None:
    Entrant.objects.filter(pk=entrant.pk).update(status=QualificationStatus.ALLOCATED, tranche=tranche)
    entrant.refresh_from_db()


def test_code_body_moves_its_entrants_through_qualification(m) -> None:
    _allocate(m, m.alpha, m.tranches[0])
    cb = actor(m.code_body_user)
    for user in (m.world.user_a, m.assurer, m.agent):
        with pytest.raises(NotPermitted):
            act.start_qualification(actor=actor(user), entrant=m.alpha, now=NOW)
    act.start_qualification(actor=cb, entrant=m.alpha, now=NOW)
    done = act.qualify(actor=cb, entrant=m.alpha, now=NOW)
    assert done.status == QualificationStatus.QUALIFIED and done.qualified_on == dt.date(2027, 6, 16)
    assert list(
        AuditEntry.objects.filter(record_id=str(m.alpha.pk), action__startswith="migration.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["migration.start_qualification", "migration.qualify"]
    # an entrant of no code body of theirs: not theirs to move
    Entrant.objects.filter(pk=m.bravo.pk).update(code_body=None)
    _allocate(m, m.bravo, m.tranches[1])
    with pytest.raises(NotPermitted):
        act.start_qualification(actor=cb, entrant=m.bravo, now=NOW)
    act.start_qualification(actor=actor(m.si), entrant=m.bravo, now=NOW)


def test_table_refuses_other_moves(m) -> None:
    si = actor(m.si)
    with pytest.raises(IllegalTransition):
        act.qualify(actor=si, entrant=m.alpha, now=NOW)  # needs → qualified
    with pytest.raises(ActionError) as exc:
        act.start_qualification(actor=si, entrant=m.alpha, now=NOW)  # needs → qualifying
    assert exc.value.status == 409
    act.withdraw(actor=si, entrant=m.alpha, now=NOW)
    with pytest.raises(IllegalTransition):
        act.withdraw(actor=si, entrant=m.alpha, now=NOW)
    assert act.reinstate(actor=si, entrant=m.alpha, now=NOW).status == QualificationStatus.NEEDS
    Entrant.objects.filter(pk=m.alpha.pk).update(status=QualificationStatus.ALLOCATED, tranche=None)
    with pytest.raises(ActionError) as exc:
        act.start_qualification(actor=si, entrant=m.alpha, now=NOW)
    assert exc.value.field == "tranche"
    _allocate(m, m.alpha, m.tranches[0])
    act.start_qualification(actor=si, entrant=m.alpha, now=NOW)
    with pytest.raises(ActionError) as exc:
        act.qualify(actor=si, entrant=m.alpha, qualified_on="2027-07-01", now=NOW)
    assert exc.value.field == "qualified_on"


def test_mark_live_names_missing_steps(m) -> None:
    si = actor(m.si)
    Entrant.objects.filter(pk=m.alpha.pk).update(status=QualificationStatus.QUALIFIED)
    with pytest.raises(NotPermitted):
        act.mark_live(actor=actor(m.code_body_user), entrant=m.alpha, now=NOW)
    with pytest.raises(ActionError) as exc:
        act.mark_live(actor=si, entrant=m.alpha, now=NOW)
    assert exc.value.status == 422 and exc.value.field == "status"
    assert "At least one of its agents" in exc.value.message and "New systems live" in exc.value.message
    Entrant.objects.filter(pk=m.delta.pk).update(status=QualificationStatus.EXEMPT)
    Entrant.objects.filter(pk=m.alpha.pk).update(systems_live_on=dt.date(2027, 6, 1))
    done = act.mark_live(actor=si, entrant=m.alpha, now=NOW)
    assert done.status == QualificationStatus.LIVE and done.live_on == dt.date(2027, 6, 16)
    with pytest.raises(IllegalTransition):
        act.withdraw(actor=si, entrant=m.alpha, now=NOW)


@pytest.fixture
def frozen(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def test_status_endpoint_409_403_404_422(m, frozen) -> None:
    url = f"/api/v1/migration/qualification/mhhs/entrants/{m.alpha.pk}/status"
    r = m.client(m.si).post(url, {"to": "qualified"}, content_type=JSON)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "status"
    assert m.client(m.world.user_a).post(url, {"to": "withdrawn"}, content_type=JSON).status_code == 403
    assert m.client(m.assurer).post(url, {"to": "withdrawn"}, content_type=JSON).status_code == 403
    for user in (m.world.user_b, m.dno, m.world.resolver):
        assert m.client(user).post(url, {"to": "withdrawn"}, content_type=JSON).status_code == 404
    assert m.client(None).post(url, {"to": "withdrawn"}, content_type=JSON).status_code == 401
    assert m.client(m.si).post(url, {"to": "exempt"}, content_type=JSON).status_code == 422
    _allocate(m, m.alpha, m.tranches[0])
    r = m.client(m.code_body_user).post(url, {"to": "qualifying"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["status"] == "qualifying"
    r = m.client(m.code_body_user).post(url, {"to": "qualified", "on": "2027-06-01"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["qualified_on"] == "2027-06-01"
    r = m.client(m.si).post(url, {"to": "live"}, content_type=JSON)
    assert r.status_code == 422 and "Not eligible" in r.json()["detail"]


def test_status_form_on_the_entrant_page(m, frozen) -> None:
    _allocate(m, m.alpha, m.tranches[0])
    page = f"/migration/qualification/mhhs/entrants/{m.alpha.pk}/"
    body = m.client(m.code_body_user).get(page).content.decode()
    assert 'value="qualifying"' in body and 'value="live"' not in body
    assert 'value="qualifying"' not in m.client(m.world.user_a).get(page).content.decode()
    assert m.client(m.world.user_a).post(page, {"form": "status", "to": "qualifying"}).status_code == 403
    r = m.client(m.code_body_user).post(page, {"form": "status", "to": "qualifying"})
    assert r.status_code == 302
    assert Entrant.objects.get(pk=m.alpha.pk).status == QualificationStatus.QUALIFYING
    r = m.client(m.code_body_user).post(page, {"form": "status", "to": "withdrawn"})
    assert r.status_code == 302
    r = m.client(m.code_body_user).post(page, {"form": "status", "to": "qualified"})
    assert r.status_code == 409 or r.status_code == 403
