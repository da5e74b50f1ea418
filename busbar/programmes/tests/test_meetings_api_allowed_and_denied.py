"""The groups-and-meetings API, allowed and denied per persona: everyone in the programme reads groups,
meetings (agenda with time slots, minutes, actions, decisions, reports); only the office changes them
(403 otherwise, 409 for a state the meeting is not in, 422 for bad input); outsiders get 404s."""

from __future__ import annotations

import json

from busbar.programmes.models import AgendaItem, Group, Meeting, MeetingStatus

API = "/api/v1/programmes/mhhs"
TMAG = f"{API}/groups/TMAG"
M20 = f"{TMAG}/meetings/20"


def _json(client, method: str, url: str, body=None):
    return getattr(client, method)(
        url, json.dumps(body) if body is not None else None, content_type="application/json"
    )


def test_reads_allowed_and_404_outside(gov, django_assert_max_num_queries) -> None:
    for user in (gov.office, gov.alpha, gov.bravo, gov.assurer, gov.desk):
        client = gov.client(user)
        groups = client.get(f"{API}/groups")
        assert groups.status_code == 200 and groups.json()["items"][0]["code"] == "TMAG"
        group = client.get(TMAG).json()
        assert {m["organisation"]["name"] for m in group["members"]} >= {"Alpha Energy", "Bravo Energy"}
        meetings = client.get(f"{TMAG}/meetings").json()
        assert [m["number"] for m in meetings["items"]] == [20, 19, 18] and meetings["items"][1][
            "extraordinary"
        ]
        m20 = client.get(M20).json()
        assert [(a["position"], a["slot"], a["duration"]) for a in m20["agenda"]] == [
            (1, "10:00-10:05", "5 mins"),
            (2, "10:05-10:15", "10 mins"),
            (3, "10:15-10:35", "20 mins"),
        ]
        m18 = client.get(f"{TMAG}/meetings/18").json()
        assert m18["actions_raised"] == ["TMAG18-01", "TMAG18-02"] and m18["minutes_approved_at"] == 19
        allowed = m20["allowed_actions"]
        assert ("hold" in allowed) == (user == gov.office) and ("raise-action" in allowed) == (
            user == gov.office
        )
    outsider = gov.client(gov.outsider)
    for url in (f"{API}/groups", TMAG, f"{TMAG}/meetings", M20):
        assert outsider.get(url).status_code == 404, url
    assert gov.client(gov.office).get(f"{API}/groups/NOPE").status_code == 404
    assert gov.client(gov.office).get(f"{TMAG}/meetings/77").status_code == 404
    assert gov.client(gov.office).get(f"{API}/groups/1bad").status_code == 422
    client = gov.client(gov.alpha)
    with django_assert_max_num_queries(20):
        client.get(M20)


def test_writes_denied_to_all_but_the_office(gov) -> None:
    writes = [
        ("post", f"{API}/groups", {"code": "DAG", "name": "Design Advisory Group"}),
        ("patch", TMAG, {"purpose": "Testing and migration"}),
        ("post", f"{TMAG}/members", {"organisation": gov.world.operator.pk, "role": "Observer"}),
        ("post", f"{TMAG}/meetings", {"date": "2027-01-13", "extraordinary": True}),
        ("patch", M20, {"location": "Online", "minutes": "Minutes."}),
        ("post", f"{M20}/agenda", {"title": "CIT Test Scenarios", "duration_minutes": 5}),
        ("patch", f"{M20}/agenda/3", {"duration_minutes": 0}),
        ("delete", f"{M20}/agenda/1", None),
        ("post", f"{M20}/approve-minutes", {"meetings": [19]}),
        ("post", f"{M20}/hold", None),
    ]
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk):
        client = gov.client(user)
        for method, url, body in writes:
            assert _json(client, method, url, body).status_code == 403, (user, method, url)
    outsider = gov.client(gov.outsider)
    for method, url, body in writes:
        assert _json(outsider, method, url, body).status_code == 404, (method, url)
    office = gov.client(gov.office)
    expected = [201, 200, 201, 201, 200, 201, 200, 204, 200, 200]
    for (method, url, body), status in zip(writes, expected, strict=True):
        answer = _json(office, method, url, body)
        assert answer.status_code == status, (method, url, answer.content)
    assert Group.objects.filter(code="DAG").exists()
    m21 = Meeting.objects.get(group=gov.tmag, number=21)
    assert m21.extraordinary  # the next number, extraordinary or not (GV-29)
    m20 = Meeting.objects.get(pk=gov.tmag20.pk)
    assert m20.status == MeetingStatus.HELD and m20.location == "Online" and m20.minutes == "Minutes."
    assert Meeting.objects.get(pk=gov.tmag19.pk).minutes_approved_at == m20
    assert list(
        AgendaItem.objects.filter(meeting=m20).order_by("position").values_list("title", flat=True)
    ) == [
        "Minutes and actions",
        "Qualification Approach and Plan",
        "CIT Test Scenarios",
    ]
    detail = office.get(M20).json()
    assert detail["agenda"][1]["duration"] == "0 mins – taken as read"
    assert detail["approved_minutes_of"] == [19]
    # State and input refusals.
    again = _json(office, "post", f"{M20}/hold")
    assert again.status_code == 409 and again.json()["current_status"] == "held"
    assert _json(office, "post", f"{API}/groups", {"code": "DAG", "name": "Again"}).status_code == 409
    bad = _json(office, "post", f"{API}/groups", {"code": "W9", "name": "x", "kind": "working"})
    assert bad.status_code == 422
    unknown = _json(office, "post", f"{M20}/approve-minutes", {"meetings": [55]})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "meetings[0]"
    assert _json(office, "patch", M20, {"number": 3}).status_code == 422  # unknown field
    assert _json(office, "patch", M20, {"start_time": "25:00"}).status_code == 422


def test_working_group_report(gov) -> None:
    Group.objects.create(
        programme=gov.programme, code="QWG", name="Qualification WG", kind="working", parent=gov.tmag
    )
    body = {"group": "QWG", "upcoming_deliverables": "Qualification Test Approach", "escalations": "None"}
    for user in (gov.alpha, gov.assurer, gov.desk):
        assert _json(gov.client(user), "post", f"{M20}/working-group-reports", body).status_code == 403
    done = _json(gov.client(gov.office), "post", f"{M20}/working-group-reports", body)
    assert done.status_code == 200 and done.json()["upcoming_deliverables"] == "Qualification Test Approach"
    assert gov.client(gov.bravo).get(M20).json()["working_group_reports"][0]["group"] == "QWG"
    wrong = _json(gov.client(gov.office), "post", f"{M20}/working-group-reports", {**body, "group": "TMAG"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "group"
