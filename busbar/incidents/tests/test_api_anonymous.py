"""Every incidents endpoint refuses an anonymous caller with a 401 problem."""

import pytest
from django.test import Client

from busbar.conftest import World
from busbar.incidents.tests.conftest import raise_for

pytestmark = pytest.mark.django_db

GETS = [
    "/incidents",
    "/incidents/{ref}",
    "/incidents/{ref}/sla",
    "/incidents/{ref}/timeline",
    "/incidents/{ref}/updates",
    "/major-incidents",
    "/major-incidents/{major}",
]
POSTS = [
    "/incidents",
    "/incidents/{ref}/triage",
    "/incidents/{ref}/assign",
    "/incidents/{ref}/start",
    "/incidents/{ref}/pend",
    "/incidents/{ref}/resolve",
    "/incidents/{ref}/close",
    "/incidents/{ref}/reopen",
    "/incidents/{ref}/cancel",
    "/incidents/{ref}/updates",
    "/incidents/{ref}/links",
    "/incidents/{ref}/major",
    "/major-incidents/{major}/communications",
    "/major-incidents/{major}/review",
    "/email/inbound",
]


def test_anonymous_is_401_everywhere(world: World, catalogue) -> None:
    incident = raise_for(world, catalogue, severity="1")
    fill = {"ref": incident.reference, "major": incident.major.pk}
    client = Client()
    calls = (
        [("get", p) for p in GETS] + [("post", p) for p in POSTS] + [("patch", "/major-incidents/{major}")]
    )
    for method, template in calls:
        path = "/api/v1" + template.format(**fill)
        response = getattr(client, method)(path, {}, content_type="application/json")
        assert response.status_code == 401, (method, path)
        assert response["Content-Type"] == "application/problem+json"
        assert response["WWW-Authenticate"].startswith("Bearer")
