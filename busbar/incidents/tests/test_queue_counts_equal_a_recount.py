"""The queue tabs' counts (one conditional aggregate) equal a recount of each queue's own rows, for the
desk, a provider and a participant, and the pager's total is the tab's count when no filter is applied."""

import datetime as dt

import pytest
from django.utils import timezone

from busbar.incidents import actions, views
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.parties.queries import scope_for
from busbar.records.models import Record

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(world, catalogue):
    desk = actor_for(world.analyst)
    made = []
    for i in range(10):
        user = world.user_b if i % 4 == 3 else world.user_a
        incident = raise_for(world, catalogue, user=user, severity=str(i % 4 + 1), summary=f"Mixed {i}")
        if i % 3 == 1:
            incident = actions.assign_incident(actor=desk, incident=incident, provider=world.provider)
        if i % 5 == 4:
            incident = actions.resolve_incident(actor=desk, incident=incident, resolution="done")
        made.append(incident)
    soon = timezone.now() + dt.timedelta(minutes=30)
    Record.objects.filter(pk=made[0].record_id).update(resolution_due_at=soon)
    Record.objects.filter(pk=made[2].record_id).update(resolution_breached=True)
    return made


@pytest.mark.parametrize("who", ["analyst", "resolver", "user_a", "user_b"])
def test_tab_counts_equal_a_recount(world, mixed, who) -> None:
    user = getattr(world, who)
    response = world.client(user).get("/incidents/")
    assert response.status_code == 200
    scope = scope_for(type(user).objects.get(pk=user.pk))
    base = views.queries.visible_to(user)
    counted = {q.key: q.count for q in response.context["view"].queues if q.count is not None}
    assert counted, "the tabs carry counts"
    recount = {key: views._apply_queue(base, key, scope).count() for key in counted}
    assert counted == recount
    assert sum(counted.values()) > 0
    default = response.context["queue"]
    assert response.context["page"].paginator.count == counted[default]
    assert len(response.context["page"].object_list) == min(counted[default], views.PAGE_SIZE)


def test_the_everything_tab_counts_exactly_at_this_size(world, mixed) -> None:
    response = world.client(world.analyst).get("/incidents/?queue=all")
    page = response.context["page"]
    assert page.paginator.count == Incident.objects.count() and page.count_is_estimate is False
