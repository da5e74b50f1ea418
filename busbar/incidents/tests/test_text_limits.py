"""Descriptions, updates and other free text are held to BUSBAR_TEXT_MAX_CHARS on every path in.

The limit is enforced by the actions, so the API, the pages and email all meet the same rule; an emailed
reply is never refused for its length: the update keeps the start and the whole text is attached.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from busbar.conftest import World
from busbar.incidents import actions
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import ActionError
from busbar.records.models import Entry as Update

pytestmark = pytest.mark.django_db
LIMIT = settings.BUSBAR_TEXT_MAX_CHARS


def test_the_default_limit_is_twenty_thousand_characters() -> None:
    assert LIMIT == 20_000


def test_a_five_megabyte_description_is_refused_by_the_api(world: World, catalogue) -> None:
    body = {"service": catalogue.service.pk, "summary": "Big", "description": "x" * 5_000_000}
    response = world.client(world.user_a).post("/api/v1/incidents", body, content_type="application/json")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["description"]
    assert not Incident.objects.exists()


def test_a_description_at_the_limit_is_kept_whole(world: World, catalogue) -> None:
    body = {"service": catalogue.service.pk, "summary": "Long", "description": "y" * LIMIT}
    response = world.client(world.user_a).post("/api/v1/incidents", body, content_type="application/json")
    assert response.status_code == 201
    assert len(Incident.objects.get().description) == LIMIT


def test_an_update_over_the_limit_is_refused_by_the_action(world: World, catalogue) -> None:
    incident = raise_for(world, catalogue)
    with pytest.raises(ActionError) as refused:
        actions.add_update(actor=actor_for(world.user_a), incident=incident, body="z" * (LIMIT + 1))
    assert refused.value.field == "body"
    assert not incident.record.entries.exists()


def test_an_update_over_the_limit_is_refused_on_the_page(world: World, catalogue) -> None:
    incident = raise_for(world, catalogue)
    response = world.client(world.user_a).post(
        f"/incidents/{incident.reference}/reply/", {"reply-body": "z" * (LIMIT + 1)}
    )
    assert response.status_code == 422
    assert f"at most {LIMIT} characters".encode() in response.content
    assert not incident.record.entries.exists()


@pytest.mark.parametrize(
    ("func", "kwargs", "field"),
    [
        ("resolve_incident", {"resolution": "r" * (LIMIT + 1)}, "resolution"),
        ("set_pending", {"awaiting": "participant", "note": "n" * (LIMIT + 1)}, "note"),
        ("cancel_incident", {"reason": "c" * (LIMIT + 1)}, "reason"),
    ],
)
def test_other_texts_over_the_limit_are_refused(
    world: World, catalogue, func: str, kwargs: dict, field: str
) -> None:
    incident = raise_for(world, catalogue)
    with pytest.raises(ActionError) as refused:
        getattr(actions, func)(actor=actor_for(world.analyst), incident=incident, **kwargs)
    assert refused.value.field == field


def test_a_summary_over_two_hundred_characters_is_refused_not_cut(world: World, catalogue) -> None:
    with pytest.raises(ActionError) as refused:
        raise_for(world, catalogue, summary="s" * 201)
    assert refused.value.field == "summary"


def test_an_overlong_emailed_reply_keeps_the_start_and_attaches_the_whole(world: World, catalogue) -> None:
    incident = raise_for(world, catalogue)
    text = "Line of a very long log excerpt.\n" * 2_000  # 66,000 characters
    raw = (
        f"From: user@alpha.example\r\nTo: desk@busbar.example\r\nSubject: Re: [{incident.reference}] x\r\n"
        f"Message-ID: <long-1@alpha.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}"
    ).encode()
    update = actions.receive_email(raw=raw)
    assert len(update.body) <= LIMIT and "message.txt" in update.body
    attachment = update.attachments.get()
    assert attachment.filename == "message.txt"
    assert attachment.file.read().decode().strip() == text.strip()
    assert Update.objects.filter(record=incident.record).count() == 1
