"""Linking any two records (incident ↔ problem ↔ article) through the kernel: by whoever works the source
record, to a record they may see; the link removed again; both histories tell of it."""

import pytest

from busbar.audit.models import AuditEntry
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.knowledge.tests.conftest import article_for
from busbar.problems.tests.conftest import problem_for
from busbar.records import actions
from busbar.records.models import Link

pytestmark = pytest.mark.django_db


def _post(client, path, body):
    return client.post(f"/api/v1{path}", body, content_type="application/json")


def test_a_problem_is_documented_in_an_article_and_unlinked(world, catalogue) -> None:
    problem = problem_for(world, catalogue)
    article = article_for(world, catalogue)
    owner = world.client(world.resolver)
    made = _post(
        owner, f"/records/{problem.reference}/links", {"target": article.reference, "kind": "documented_in"}
    )
    assert made.status_code == 201
    assert [(x["label"], x["reference"]) for x in made.json()] == [("Documented in", article.reference)]
    other_side = owner.get(f"/api/v1/records/{article.reference}/links").json()
    assert [(x["label"], x["reference"]) for x in other_side] == [("Documents", problem.reference)]
    again = _post(
        owner, f"/records/{problem.reference}/links", {"target": article.reference, "kind": "documented_in"}
    )
    assert again.status_code == 409
    actions_logged = set(
        AuditEntry.objects.filter(action__in=["problem.link", "article.link"]).values_list(
            "action", flat=True
        )
    )
    assert actions_logged == {"problem.link", "article.link"}
    gone = owner.delete(f"/api/v1/records/{problem.reference}/links/{article.reference}?kind=documented_in")
    assert gone.status_code == 204 and not Link.objects.exists()
    assert (
        owner.delete(
            f"/api/v1/records/{problem.reference}/links/{article.reference}?kind=documented_in"
        ).status_code
        == 409
    )


def test_who_may_link(world, catalogue) -> None:
    problem = problem_for(world, catalogue)
    article = article_for(world, catalogue)
    body = {"target": article.reference, "kind": "documented_in"}
    assert _post(world.client(world.user_a), f"/records/{problem.reference}/links", body).status_code in (
        403,
        404,
    )
    assert (
        _post(
            world.client(world.user_b),
            f"/records/{article.reference}/links",
            {"target": article.reference, "kind": "related_to"},
        ).status_code
        == 403
    )
    assert _post(world.client(None), f"/records/{problem.reference}/links", body).status_code == 401
    bad_kind = _post(
        world.client(world.analyst), f"/records/{problem.reference}/links", {**body, "kind": "owns"}
    )
    assert bad_kind.status_code == 422 and "kind" in bad_kind.content.decode()
    itself = _post(
        world.client(world.analyst),
        f"/records/{problem.reference}/links",
        {"target": problem.reference, "kind": "related_to"},
    )
    assert itself.status_code == 422
    assert not Link.objects.exists()


def test_the_page_form_links_and_says_so(world, catalogue) -> None:
    problem = problem_for(world, catalogue)
    article = article_for(world, catalogue)
    client = world.client(world.analyst)
    page = client.get(f"/problems/{problem.reference}/").content.decode()
    assert "Link the article" in page
    done = client.post(
        f"/records/{problem.reference}/links/",
        {"target": article.reference.lower(), "kind": "documented_in"},
        follow=True,
    )
    assert f"{problem.reference} is documented in {article.reference}" in done.content.decode()
    assert article.reference in client.get(f"/problems/{problem.reference}/").content.decode()
    removed = client.post(
        f"/records/{problem.reference}/links/",
        {"target": article.reference, "kind": "documented_in", "remove": "1"},
        follow=True,
    )
    assert "no longer documented in" in removed.content.decode() and not Link.objects.exists()
    unknown = client.post(
        f"/records/{problem.reference}/links/", {"target": "KB0009999", "kind": "documented_in"}, follow=True
    )
    assert "No record KB0009999" in unknown.content.decode()
    offsite = client.post(
        f"/records/{problem.reference}/links/",
        {"target": article.reference, "kind": "documented_in", "next": "https://evil.example/"},
    )
    assert offsite["Location"] == f"/problems/{problem.reference}/"


def test_the_system_may_link_for_the_demo_and_monitoring(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    article = article_for(world, catalogue)
    actions.link_records(actor=actor_for(None), source=incident, target=article, kind="documented_in")
    assert Link.objects.filter(source=incident.record, target=article.record).exists()
