"""The demo data set has pending invitations, shown to the inviting organisation's administrators."""

import pytest
from django.test import Client

from busbar.core.demo import INVITATIONS, load_demo
from busbar.parties.models import Invitation

pytestmark = pytest.mark.django_db


def test_demo_invitations_are_pending_and_shown_to_the_administrator() -> None:
    load_demo(apps=False)  # the parties only: the invitations are theirs
    pending = Invitation.objects.filter(status="pending")
    assert sorted(pending.values_list("email", flat=True)) == sorted(i[2] for i in INVITATIONS)
    load_demo(apps=False)  # the parties only: the invitations are theirs
    assert Invitation.objects.count() == len(INVITATIONS)  # loading again adds none
    brightwater = pending.get(organisation__slug="brightwater")
    assert brightwater.invited_by.email == "admin@brightwater.example"
    from busbar.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email="admin@brightwater.example"))
    page = client.get(f"/organisations/{brightwater.organisation_id}/")
    assert b"Pending invitations" in page.content and brightwater.email.encode() in page.content
