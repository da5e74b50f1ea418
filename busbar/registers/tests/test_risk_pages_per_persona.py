"""The risk register's list and page: the desk and the owning provider read and work them; another
provider reads only its own; a participant and anonymous are turned away."""

import pytest

pytestmark = pytest.mark.django_db


def test_desk_lists_every_risk_sorted_by_score(reg, frozen) -> None:
    for user in (reg.world.analyst, reg.world.ops):
        response = reg.client(user).get("/risks/")
        assert response.status_code == 200
        body = response.content.decode()
        refs = [reg.operator_risk.reference, reg.risk.reference, reg.gas_risk.reference]
        positions = [body.index(r) for r in refs]
        assert positions == sorted(positions)  # 25, 16, 6


def test_provider_lists_only_its_own_and_those_on_its_services(reg, frozen) -> None:
    body = reg.client(reg.world.resolver).get("/risks/").content.decode()
    assert reg.risk.reference in body
    assert reg.gas_risk.reference not in body
    assert reg.operator_risk.reference not in body
    other = reg.client(reg.gas).get("/risks/").content.decode()
    assert reg.gas_risk.reference in other and reg.risk.reference not in other


def test_participant_and_anonymous_are_turned_away(reg) -> None:
    assert reg.client(reg.world.user_a).get("/risks/").status_code == 404
    assert reg.client(reg.world.user_a).get(f"/risks/{reg.risk.reference}/").status_code == 404
    assert reg.client(None).get("/risks/").status_code == 302  # to sign in
    assert reg.client(None).get(f"/risks/{reg.risk.reference}/").status_code == 302


def test_detail_shows_forms_to_those_who_may_use_them(reg, frozen) -> None:
    url = f"/risks/{reg.risk.reference}/"
    desk = reg.client(reg.world.analyst).get(url)
    assert desk.status_code == 200
    assert b'id="do-status"' in desk.content and b"Accepted" in desk.content
    owner = reg.client(reg.world.resolver).get(url)
    assert owner.status_code == 200 and b'id="do-review"' in owner.content
    assert b'value="accepted"' not in owner.content  # accepting is the desk's decision
    assert reg.client(reg.gas).get(url).status_code == 404
