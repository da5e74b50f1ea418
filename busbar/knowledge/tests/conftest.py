"""Knowledge fixtures: ``catalogue`` (the incidents' CSS service run by ``world.provider``),
``article_for(...)`` writing an article through the real actions (published by the desk unless told), and
``agent_world`` adding a supplier agent (a participant of another industry role)."""

from __future__ import annotations

from typing import Any

import pytest

from busbar.conftest import make_org, make_user
from busbar.incidents.tests.conftest import (  # noqa: F401
    actor_for,
    catalogue,
    live_catalogue,
    make_catalogue,
    raise_for,
)
from busbar.knowledge import actions
from busbar.knowledge.models import Article
from busbar.parties.models import IndustryRole, MembershipRole

BODY = """## Symptom

Switch requests are **rejected** with `ADDRESS_MISMATCH` when the premises has moved.

## Workaround

Search the CSS address service by UPRN and resubmit.
"""


def article_for(
    world: Any,
    services: Any = None,
    *,
    user: Any = None,
    publish: bool = True,
    reviewer: Any = None,
    **kw: Any,
) -> Article:
    """An article written by ``user`` (default the provider's resolver) on the catalogue's service, then
    (``publish``) submitted and published by ``reviewer`` (default the desk's analyst)."""
    kw.setdefault("title", "Switch requests rejected with ADDRESS_MISMATCH")
    kw.setdefault("summary", "What to do when CSS cannot match the premises.")
    kw.setdefault("body", BODY)
    if services is not None:
        kw.setdefault("service", services.service)
    article = actions.create_article(actor=actor_for(user or world.resolver), **kw)
    if publish:
        actions.submit_for_review(actor=actor_for(user or world.resolver), article=article)
        actions.publish_article(actor=actor_for(reviewer or world.analyst), article=article)
    return Article.objects.get(pk=article.pk)


@pytest.fixture
def agent(world) -> Any:
    """A supplier agent's participant: a party of another industry role than A's and B's suppliers."""
    org = make_org("Meter Agents Ltd", [IndustryRole.SUPPLIER_AGENT])
    return make_user(org, "agent@agents.example", MembershipRole.PARTICIPANT)
