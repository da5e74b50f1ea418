"""The item page: what it is for (Markdown), what happens next (approvals, tasks, SLA in words), the form
with the right widget per kind of question, and raising from it — redirect to the new request on success;
on a bad answer the form again with the error on the question and the values kept, nothing written. A
redirect item shows where to go and no form. The desk raises for any organisation; a person of one
organisation is not asked which."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from busbar.parties.models import MembershipRole
from busbar.records.models import Attachment
from busbar.requests.models import CatalogueItem, ItemField, Request
from busbar.requests.tests.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return TODAY


def page(r, user, slug):
    return r.client(user).get(reverse("catalogue_item", args=[slug]))


def test_item_page_says_what_happens_next(r) -> None:
    CatalogueItem.objects.filter(pk=r.network.pk).update(
        description="Read **this** first.\n\n<script>alert(1)</script>"
    )
    body = page(r, r.world.user_a, "network-connection").content.decode()
    assert "<strong>this</strong>" in body and "<script>alert" not in body
    assert body.index("Approval by the requester") < body.index("Approval by the operator")
    assert body.index("Check the application") < body.index("Configure the connection (CSS Provider)")
    assert "We aim to respond within 1 working day" in body
    assert "fulfil the request within 5 working days" in body


def test_every_kind_of_question_gets_its_widget(r, today) -> None:
    kinds = [
        ("text", {}),
        ("textarea", {}),
        ("choice", {"choices": ["Gas", "Power"]}),
        ("date", {"not_before_days": 1}),
        ("number", {"min": 1, "max": 5, "integer": True}),
        ("email", {}),
        ("organisation", {}),
        ("service", {}),
        ("person", {}),
        ("role", {}),
        ("file", {"extensions": ["pdf"]}),
    ]
    for n, (kind, options) in enumerate(kinds):
        ItemField.objects.create(
            item=r.info, key=f"q_{kind}", label=f"Q {kind}", kind=kind, options=options, order=10 + n
        )
    body = page(r, r.world.admin_a, "information").content.decode()
    assert 'type="text" name="q_text"' in body
    assert '<textarea name="q_textarea"' in body
    assert '<select name="q_choice"' in body and '<option value="Gas">Gas</option>' in body
    assert 'type="date" name="q_date"' in body and 'min="2027-06-17"' in body
    assert 'type="number" name="q_number"' in body and 'max="5"' in body and 'step="1"' in body
    assert 'type="email" name="q_email"' in body
    assert '<select name="q_organisation"' in body and "Bravo Energy" in body
    assert '<select name="q_service"' in body and ">CSS<" in body
    assert '<select name="q_person"' in body and "user@alpha.example" in body
    assert "user@bravo.example" not in body  # people of the requester's organisation only
    assert '<select name="q_role"' in body and 'value="org_admin"' in body and 'value="analyst"' not in body
    assert 'type="file" name="q_file"' in body and 'accept=".pdf"' in body
    assert 'enctype="multipart/form-data"' in body


def test_redirect_item_shows_where_to_go_and_no_form(r) -> None:
    response = page(r, r.world.user_a, "uk-link-access")
    body = response.content.decode()
    assert "managed by Xoserve" in body and 'href="https://www.xoserve.com/"' in body
    assert "Raise request" not in body
    posted = r.client(r.world.user_a).post(reverse("catalogue_item", args=["uk-link-access"]), {})
    assert posted.status_code == 403 and Request.objects.count() == 0


def test_raise_from_the_page_redirects_to_the_request(r, today) -> None:
    diagram = SimpleUploadedFile("net.pdf", b"%PDF-1.4 diagram", content_type="application/pdf")
    response = r.client(r.world.user_a).post(
        reverse("catalogue_item", args=["network-connection"]),
        {
            "req-raise_for": r.world.org_a.pk,
            "req-summary": "Second circuit",
            "wanted_by": (TODAY + dt.timedelta(days=10)).isoformat(),
            "circuits": "2",
            "service": str(r.css.pk),
            "diagram": diagram,
        },
    )
    req = Request.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "request_detail", args=[req.reference]
    )
    assert req.summary == "Second circuit" and req.organisation == r.world.org_a
    assert req.answers["circuits"] == 2 and req.answers["service"] == r.css.pk
    assert Attachment.objects.filter(record=req.record, pk=req.answers["diagram"]).exists()


def test_bad_answer_shows_the_error_on_the_question_keeps_values_writes_nothing(r, today) -> None:
    response = r.client(r.world.user_a).post(
        reverse("catalogue_item", args=["network-connection"]),
        {
            "req-raise_for": r.world.org_a.pk,
            "wanted_by": (TODAY + dt.timedelta(days=2)).isoformat(),
            "circuits": "7",
            "service": str(r.css.pk),
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_wanted_by_error"' in body and "Wanted by cannot be before 21 June 2027" in body
    assert 'value="7"' in body and 'value="2027-06-18"' in body
    assert Request.objects.count() == 0
    too_many = r.client(r.world.user_a).post(
        reverse("catalogue_item", args=["network-connection"]),
        {"wanted_by": "2027-06-30", "circuits": "11", "service": str(r.css.pk)},
    )
    assert too_many.status_code == 422 and "Circuits must be at most 10" in too_many.content.decode()
    assert Request.objects.count() == 0


def test_desk_chooses_the_organisation_and_people_follow_it(r, today) -> None:
    w = r.world
    client = r.client(w.analyst)
    body = client.get(
        reverse("catalogue_item", args=["mfa-reset"]), {"req-raise_for": w.org_b.pk}
    ).content.decode()
    assert "Raise for organisation" in body and "Raise a request for Bravo Energy" in body
    assert "user@bravo.example" in body and "user@alpha.example" not in body
    response = client.post(
        reverse("catalogue_item", args=["mfa-reset"]), {"req-raise_for": w.org_b.pk, "person": w.user_b.pk}
    )
    assert response.status_code == 302
    req = Request.objects.get()
    assert (
        req.organisation == w.org_b and req.answers == {"person": w.user_b.pk} and req.requester == w.analyst
    )


def test_one_organisation_is_not_asked_which_and_cannot_raise_for_another(r, today) -> None:
    w = r.world
    body = page(r, w.user_a, "information").content.decode()
    assert "Raise for organisation" not in body and "Raise a request for Alpha Energy" in body
    response = r.client(w.user_a).post(
        reverse("catalogue_item", args=["information"]), {"req-raise_for": w.org_b.pk, "question": "Hello?"}
    )
    assert response.status_code == 422 and Request.objects.count() == 0


def test_admins_only_item_refused_to_a_member_of_two_where_not_admin(r, today) -> None:
    from busbar.conftest import make_org
    from busbar.lib.actions import Actor
    from busbar.parties import actions as party_actions

    w = r.world
    other = make_org("Charlie Energy", ["energy_supplier"])
    party_actions.add_member(
        actor=Actor.system(),
        organisation=other,
        email=w.admin_a.email,
        full_name="Admin",
        role=MembershipRole.PARTICIPANT,
    )
    client = r.client(w.admin_a)
    body = client.get(
        reverse("catalogue_item", args=["new-portal-user"]), {"req-raise_for": other.pk}
    ).content.decode()
    assert "Raise for organisation" in body and "Only an organisation administrator can ask for this" in body
    response = client.post(
        reverse("catalogue_item", args=["new-portal-user"]),
        {
            "req-raise_for": other.pk,
            "email": "new@charlie.example",
            "full_name": "New",
            "role": "participant",
        },
    )
    assert response.status_code == 403 and Request.objects.count() == 0
