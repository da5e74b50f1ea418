"""Every action form on the incident page has its heading and a labelled button."""

import pytest

from busbar.incidents.tests.conftest import raise_for

pytestmark = pytest.mark.django_db


def test_desk_sees_titled_forms_with_labelled_buttons(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    html = world.client(world.analyst).get(f"/incidents/{incident.reference}/").content.decode()
    for title, button in (
        ("Triage", "Save triage"),
        ("Assign", "Assign"),
        ("Resolve", "Resolve"),
        ("Reply", "Send"),
        ("Cancel", "Cancel incident"),
    ):
        assert f">{title}</h3>" in html, title
        assert f">{button}</button>" in html, button
    assert "></button>" not in html  # no empty buttons


def test_participant_sees_only_reply_and_cancel(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    html = world.client(world.user_a).get(f"/incidents/{incident.reference}/").content.decode()
    assert ">Send</button>" in html and ">Save triage</button>" not in html
