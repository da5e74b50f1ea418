"""Articles offered while an incident's summary is typed (HTMX, and without JavaScript once posted), on
the incident page with a one-step link for whoever works it, in the API; the article used is recorded on
resolve. Only articles the person may read are ever offered."""

import pytest

from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.knowledge.models import Audience
from busbar.knowledge.tests.conftest import article_for
from busbar.records.models import Link

pytestmark = pytest.mark.django_db
TITLE = "Switch requests rejected with ADDRESS_MISMATCH"


def _fragment(world, user, service, summary: str) -> str:
    response = world.client(user).get(
        "/records/suggestions/", {"for": "incident", "service": service.pk, "summary": summary}
    )
    assert response.status_code == 200
    return response.content.decode()


def test_typing_a_summary_offers_matching_articles(world, catalogue, agent) -> None:
    article = article_for(world, catalogue, audience=Audience.ROLES, roles=["energy_supplier"])
    shown = _fragment(world, world.user_a, catalogue.service, "switch rejected address mism")
    assert article.reference in shown and TITLE in shown and "Knowledge articles that may answer it" in shown
    assert article.reference not in _fragment(world, agent, catalogue.service, "switch rejected address")
    assert _fragment(world, world.user_a, catalogue.service, "ab").strip() == ""
    form = world.client(world.user_a).get("/incidents/new/").content.decode()
    assert 'hx-trigger="change from:#id_service, input changed delay:400ms from:#id_summary"' in form


def test_without_javascript_the_posted_form_offers_them(world, catalogue) -> None:
    article_for(world, catalogue)
    page = world.client(world.user_a).post(
        "/incidents/new/", {"service": catalogue.service.pk, "summary": "Rejected: address mismatch"}
    )
    assert page.status_code == 422 and TITLE in page.content.decode()


def test_the_incident_page_offers_and_links_in_one_step(world, catalogue) -> None:
    article = article_for(world, catalogue)
    incident = raise_for(world, catalogue, summary="Switch requests rejected: address mismatch")
    desk = world.client(world.analyst)
    page = desk.get(f"/incidents/{incident.reference}/").content.decode()
    assert TITLE in page and f"Link {incident.reference} to {article.reference}" in page
    reader = world.client(world.user_a).get(f"/incidents/{incident.reference}/").content.decode()
    assert TITLE in reader and f"Link {incident.reference} to" not in reader
    linked = desk.post(
        f"/records/{incident.reference}/links/",
        {"target": article.reference, "kind": "documented_in", "next": f"/incidents/{incident.reference}/"},
    )
    assert linked.status_code == 302 and linked["Location"] == f"/incidents/{incident.reference}/"
    assert Link.objects.filter(source=incident.record, target=article.record, kind="documented_in").exists()
    after = desk.get(f"/incidents/{incident.reference}/").content.decode()
    assert f"Link {incident.reference} to {article.reference}" not in after
    used_with = world.client(world.user_a).get(f"/knowledge/{article.reference}/").content.decode()
    assert incident.reference in used_with  # A raised it: A sees the link
    assert (
        incident.reference
        not in world.client(world.user_b).get(f"/knowledge/{article.reference}/").content.decode()
    )


def test_the_api_offers_articles_beside_known_problems(world, catalogue) -> None:
    article = article_for(world, catalogue)
    incident = raise_for(world, catalogue, summary="Switch rejected, address mismatch")
    body = world.client(world.user_a).get(f"/api/v1/incidents/{incident.reference}").json()
    assert [a["reference"] for a in body["suggested_articles"]] == [article.reference]
    assert body["known_problems"] == []


def test_resolving_with_the_article_used_links_it(world, catalogue) -> None:
    article = article_for(world, catalogue)
    hidden = article_for(world, catalogue, title="Desk only", audience=Audience.STAFF)
    incident = raise_for(world, catalogue)
    desk = world.client(world.analyst)
    refused = desk.post(
        f"/incidents/{incident.reference}/resolve/",
        {"resolve-resolution": "Told them", "resolve-article": "INC0000001"},
    )
    assert refused.status_code == 422 and "not a knowledge article" in refused.content.decode()
    missing = desk.post(
        f"/incidents/{incident.reference}/resolve/",
        {"resolve-resolution": "Told them", "resolve-article": "KB9999"},
    )
    assert missing.status_code == 422 and "No knowledge article KB0009999" in missing.content.decode()
    done = desk.post(
        f"/incidents/{incident.reference}/resolve/",
        {
            "resolve-resolution": "Resubmitted with the UPRN address",
            "resolve-article": article.reference.lower(),
        },
    )
    assert done.status_code == 302
    assert Link.objects.filter(source=incident.record, target=article.record, kind="documented_in").exists()
    # Through the API, a provider naming an article a participant could not read is still its own call.
    other = raise_for(world, catalogue)
    api = world.client(world.analyst).post(
        f"/api/v1/incidents/{other.reference}/resolve",
        {"resolution": "Runbook", "article": hidden.reference},
        content_type="application/json",
    )
    assert api.status_code == 200
    assert (
        hidden.reference
        not in world.client(world.user_a).get(f"/incidents/{other.reference}/").content.decode()
    )
    assert world.client(world.user_a).get(f"/api/v1/records/{other.reference}/links").json() == []


def test_a_link_to_a_record_one_may_not_see_is_not_found(world, catalogue) -> None:
    from busbar.incidents import actions as incident_actions

    hidden = article_for(world, catalogue, user=world.analyst, publish=False)  # the operator's draft
    incident = raise_for(world, catalogue)
    incident_actions.assign_incident(actor=actor_for(world.analyst), incident=incident)
    provider = world.client(world.resolver)
    api = provider.post(
        f"/api/v1/records/{incident.reference}/links",
        {"target": hidden.reference, "kind": "documented_in"},
        content_type="application/json",
    )
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "target"
    assert f"No record {hidden.reference}" in api.content.decode()
    page = provider.post(
        f"/records/{incident.reference}/links/", {"target": hidden.reference, "kind": "documented_in"}
    )
    assert page.status_code == 302
    raiser = world.client(world.user_a).post(
        f"/api/v1/records/{incident.reference}/links",
        {"target": incident.reference, "kind": "related_to"},
        content_type="application/json",
    )
    assert raiser.status_code == 403  # the raiser does not work the incident
    assert not Link.objects.exists()
    resolve = provider.post(
        f"/api/v1/incidents/{incident.reference}/resolve",
        {"resolution": "Done", "article": hidden.reference},
        content_type="application/json",
    )
    assert resolve.status_code == 422 and "article" in resolve.content.decode()
