"""Raising, editing and moving items through the pages (without JavaScript), and the service review
pages per persona."""

import datetime as dt

import pytest

from busbar.registers import actions
from busbar.registers.models import Improvement, Risk
from busbar.registers.tests.conftest import NOW, actor

pytestmark = pytest.mark.django_db


def test_provider_raises_a_risk_through_the_form(reg, frozen) -> None:
    client = reg.client(reg.world.resolver)
    assert client.get("/risks/new/").status_code == 200
    response = client.post(
        "/risks/new/",
        {
            "title": "Key rotation",
            "organisation": reg.world.provider.pk,
            "likelihood": "2",
            "impact": "5",
            "category": "security",
            "services": [reg.css.pk],
            "kpis": ["availability"],
        },
    )
    assert response.status_code == 302
    risk = Risk.objects.get(title="Key rotation")
    assert risk.score == 10 and risk.organisation == reg.world.provider


def test_form_shows_a_bad_score_on_its_field(reg, frozen) -> None:
    response = reg.client(reg.world.analyst).post(
        "/improvements/new/",
        {
            "title": "X",
            "organisation": reg.world.operator.pk,
            "likelihood": "9",
            "impact": "3",
            "source": "provider",
        },
    )
    assert response.status_code == 422 and b"id_likelihood_error" in response.content
    assert not Improvement.objects.filter(title="X").exists()


def test_participant_cannot_open_the_forms(reg) -> None:
    assert reg.client(reg.world.user_a).get("/risks/new/").status_code == 403
    assert reg.client(reg.world.user_a).get(f"/risks/{reg.risk.reference}/edit/").status_code == 404


def test_edit_and_status_through_the_page(reg, frozen) -> None:
    client = reg.client(reg.world.resolver)
    url = f"/risks/{reg.risk.reference}/"
    assert client.get(url + "edit/").status_code == 200
    response = client.post(url + "edit/", {**_risk_form(reg.risk), "impact": "2"})
    assert response.status_code == 302
    reg.risk.refresh_from_db()
    assert reg.risk.score == 8
    assert client.post(url + "status/", {"status-status": "mitigating"}).status_code == 302
    refused = client.post(url + "status/", {"status-status": "accepted"})
    assert refused.status_code == 422  # not offered to the provider: a choice error
    assert reg.client(reg.gas).post(url + "status/", {"status-status": "mitigating"}).status_code == 404


def _risk_form(risk) -> dict:
    return {
        "title": risk.title,
        "likelihood": str(risk.likelihood),
        "impact": str(risk.impact),
        "category": risk.category,
        "services": [s.pk for s in risk.services.all()],
        "kpis": risk.kpis,
        "review_by": risk.review_by.isoformat() if risk.review_by else "",
    }


def test_service_review_pages_per_persona(reg, frozen) -> None:
    review = actions.schedule_review(
        actor=actor(reg.world.ops),
        provider=reg.world.provider,
        title="CSS May review",
        held_on=NOW - dt.timedelta(days=1),
        now=NOW,
    )
    actions.add_review_action(
        actor=actor(reg.world.ops), review=review, text="Send the capacity plan", now=NOW
    )
    url = f"/service-reviews/{review.pk}/"
    desk = reg.client(reg.world.analyst).get(url)
    assert desk.status_code == 200 and b'id="do-minutes"' in desk.content
    provider = reg.client(reg.world.resolver).get(url)
    assert (
        provider.status_code == 200
        and b'id="do-minutes"' not in provider.content
        and b">Done<" in provider.content
    )
    assert reg.client(reg.gas).get(url).status_code == 404
    assert reg.client(reg.world.user_a).get("/service-reviews/").status_code == 404
    assert b"CSS May review" in reg.client(reg.world.resolver).get("/service-reviews/").content
    assert b"CSS May review" not in reg.client(reg.gas).get("/service-reviews/").content
    assert reg.client(reg.world.resolver).get("/service-reviews/new/").status_code == 403
    held = reg.client(reg.world.ops).post(url + "minutes/", {"minutes-minutes": "Agreed the plan."})
    assert held.status_code == 302
    review.refresh_from_db()
    assert review.status == "held"
