"""The API lists and shows each persona the Change Notifications they may see, with the internal fields only
for those who review them; everything else is a 404, a 403 for a move not theirs, a 401 without sign-in."""

import pytest
from django.test import Client

from busbar.changes.models import ChangeNotification

pytestmark = pytest.mark.django_db
API = "/api/v1/changes"
PROBLEM = "application/problem+json"


def _listed(client: Client, query: str = "") -> set[str]:
    response = client.get(f"{API}{query}")
    assert response.status_code == 200, response.content
    return {row["reference"] for row in response.json()["items"]}


def _refs(chg, *names: str) -> set[str]:
    return {getattr(chg, name).reference for name in names}


@pytest.mark.parametrize(
    ("persona", "seen"),
    [
        ("desk", ("draft", "accepted", "submitted", "live", "done")),
        ("provider", ("draft", "accepted", "submitted", "live", "done")),
        ("gas", ("accepted", "submitted", "live", "done")),
        ("alpha", ("accepted", "live", "done")),
        ("bravo", ("accepted", "live", "done")),
    ],
)
def test_list_shows_each_persona_what_they_may_see(chg, persona: str, seen: tuple[str, ...]) -> None:
    assert _listed(chg.client(getattr(chg, persona))) == _refs(chg, *seen)


def test_anonymous_is_401_on_list_and_detail(chg) -> None:
    for path in (API, f"{API}/{chg.accepted.reference}", f"{API}/schedule"):
        response = Client().get(path)
        assert response.status_code == 401 and response["Content-Type"] == PROBLEM, path
    response = Client().post(API, {"title": "x"}, content_type="application/json")
    assert response.status_code == 401


def test_a_draft_is_the_provider_and_the_desk_only(chg) -> None:
    path = f"{API}/{chg.draft.reference}"
    for user in (chg.provider, chg.desk):
        response = chg.client(user).get(path)
        assert response.status_code == 200
        body = response.json()
        assert body["team"] == "CSS DBA" and body["backout_plan"] == "Restore the previous release"
        assert {"edit", "submit", "cancel"} <= set(body["allowed_actions"])
    for user in (chg.gas, chg.alpha, chg.bravo):
        response = chg.client(user).get(path)
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM


def test_participants_read_published_changes_without_internal_fields(chg) -> None:
    body = chg.client(chg.alpha).get(f"{API}/{chg.accepted.reference}").json()
    assert body["title"] == "UK Link release 24.3" and body["status"] == "accepted"
    assert body["provider"]["name"] == "Gas CDS"
    assert [s["slug"] for s in body["services"]] == ["uk-link"]
    for field in ("team", "backout_plan", "risk", "raised_by", "emergency_reason", "conflicts"):
        assert body[field] is None, field
    assert body["conflict_count"] is None
    assert body["allowed_actions"] == []
    assert chg.client(chg.alpha).get(f"{API}/{chg.submitted.reference}").status_code == 404


def test_ccg_members_review_other_providers_submitted_changes(chg) -> None:
    body = chg.client(chg.gas).get(f"{API}/{chg.submitted.reference}").json()
    assert body["team"] == "CSS platform" and body["conflicts"] == []
    assert body["allowed_actions"] == []  # Gas CDS neither works nor decides it


def test_list_rows_hide_internal_fields_from_participants(chg) -> None:
    rows = {r["reference"]: r for r in chg.client(chg.alpha).get(API).json()["items"]}
    assert rows[chg.live.reference]["team"] is None and rows[chg.live.reference]["risk"] is None
    rows = {r["reference"]: r for r in chg.client(chg.provider).get(API).json()["items"]}
    assert rows[chg.live.reference]["team"] == "CSS network"


def test_a_provider_edits_only_its_own(chg) -> None:
    body = {"title": "CSS database patching (v2)"}
    ok = chg.client(chg.provider).patch(f"{API}/{chg.draft.reference}", body, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["title"] == "CSS database patching (v2)"
    hidden = chg.client(chg.gas).patch(f"{API}/{chg.draft.reference}", body, content_type="application/json")
    assert hidden.status_code == 404
    refused = chg.client(chg.alpha).patch(
        f"{API}/{chg.accepted.reference}", body, content_type="application/json"
    )
    assert refused.status_code == 403 and refused["Content-Type"] == PROBLEM
    assert ChangeNotification.objects.get(pk=chg.accepted.pk).title == "UK Link release 24.3"


def test_filters_narrow_the_list(chg) -> None:
    client = chg.client(chg.desk)
    assert _listed(client, "?status=draft") == _refs(chg, "draft")
    assert _listed(client, f"?provider={chg.gas_org.pk}") == _refs(chg, "accepted", "done")
    assert _listed(client, "?service=uk-link") == _refs(chg, "accepted", "done")
    assert _listed(client, "?service=css") >= _refs(chg, "draft", "live", "submitted")  # with its component
    assert _listed(client, "?type=major") == _refs(chg, "done")
    assert _listed(client, "?q=firewall") == _refs(chg, "live")
    assert _listed(client, f"?q={chg.live.reference.lower()}") == _refs(chg, "live")
    starts = [r["reference"] for r in client.get(f"{API}?sort=-start").json()["items"]]
    assert starts[0] == chg.submitted.reference and starts[-1] == chg.done.reference


def test_conflicts_sort_is_for_reviewers_only(chg) -> None:
    assert chg.client(chg.desk).get(f"{API}?sort=conflicts").status_code == 200
    response = chg.client(chg.alpha).get(f"{API}?sort=conflicts")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "sort"


def test_conflicts_endpoint_is_for_reviewers_only(chg) -> None:
    assert chg.client(chg.provider).get(f"{API}/{chg.live.reference}/conflicts").status_code == 200
    assert chg.client(chg.alpha).get(f"{API}/{chg.live.reference}/conflicts").status_code == 404


def test_list_reads_a_fixed_number_of_queries(chg, django_assert_max_num_queries) -> None:
    for persona in (chg.desk, chg.alpha):
        client = chg.client(persona)
        client.get(API)  # warm the session
        with django_assert_max_num_queries(8):
            response = client.get(API)
        assert response.status_code == 200


def test_export_is_the_list_as_csv(chg) -> None:
    response = chg.client(chg.alpha).get(f"{API}/export?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert chg.accepted.reference in text and chg.draft.reference not in text
    assert "Team" not in text.splitlines()[0]


def test_detail_reads_a_fixed_number_of_queries(chg, django_assert_max_num_queries) -> None:
    for persona in (chg.desk, chg.gas, chg.alpha):
        client = chg.client(persona)
        client.get(f"{API}/{chg.live.reference}")
        with django_assert_max_num_queries(12):
            assert client.get(f"{API}/{chg.live.reference}").status_code == 200
