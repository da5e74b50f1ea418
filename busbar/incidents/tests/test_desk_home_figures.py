"""The desk's home figures (open by severity and provider, breaching soon, today's raised and resolved, the
14-day chart) equal a recount of the incidents, cost a constant number of queries, are shown only to the
desk and, for its own incidents, to a provider, and count UK days (also on the days the clocks change)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from busbar.incidents import actions, figures, queries
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.records.models import Record

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(world, catalogue):
    desk = actor_for(world.analyst)
    made = []
    for i in range(9):
        user = world.user_b if i % 4 == 3 else world.user_a
        incident = raise_for(world, catalogue, user=user, severity=str(i % 3 + 2), summary=f"Figure {i}")
        if i % 3 == 1:
            incident = actions.assign_incident(actor=desk, incident=incident, provider=world.provider)
        if i % 4 == 2:
            incident = actions.resolve_incident(actor=desk, incident=incident, resolution="done")
        made.append(incident)
    soon = timezone.now() + dt.timedelta(minutes=30)
    Record.objects.filter(pk=made[0].record_id).update(resolution_due_at=soon)
    Record.objects.filter(pk=made[1].record_id).update(resolution_due_at=soon)
    return made


def _panel(response) -> dict:
    found = [p["context"] for p in response.context["home_panels"] if p["template"].endswith("_figures.html")]
    return found[0] if found else {}


def test_desk_figures_equal_a_recount(world, mixed) -> None:
    response = world.client(world.analyst).get("/")
    assert response.status_code == 200
    p = _panel(response)
    open_qs = Incident.objects.filter(queries.OPEN_Q)
    by_severity = {int(c.url.rsplit("severity=", 1)[1]): c.count for c in p["by_severity"]}
    recount: dict[int, int] = {}
    for i in open_qs:
        recount[i.severity_id] = recount.get(i.severity_id, 0) + 1
    assert by_severity == recount and sum(recount.values()) == open_qs.count() == p["open_total"] > 0
    providers = {c.label: c.count for c in p["by_provider"]}
    assert providers == {
        "Not yet assigned": open_qs.filter(provider__isnull=True).count(),
        world.provider.name: open_qs.filter(provider=world.provider).count(),
    }
    assert p["soon"] == queries.breaching_soon(Incident.objects.all()).count() >= 2
    start, end = figures.day_bounds(figures.london_today(timezone.now()))
    assert (
        p["raised_today"] == Incident.objects.filter(created_at__gte=start, created_at__lt=end).count() == 9
    )
    assert p["resolved_today"] == Incident.objects.filter(resolved_at__gte=start, resolved_at__lt=end).count()
    assert p["resolved_today"] == 2
    html = response.content.decode()
    assert 'id="figures-title"' in html and "<svg" in html and '<title id="figures-desk-title">' in html
    assert '<table class="chart-data">' in html  # the chart's figures as a table
    # Each count links to the list it counts.
    assert f"/incidents/?queue=open&amp;provider={world.provider.pk}" in html
    assert "/incidents/?queue=unassigned" in html and "/incidents/?queue=soon" in html
    for c in p["by_severity"]:
        assert re.search(r"severity=\d+", c.url)


def test_each_count_links_to_the_list_it_counts(world, mixed) -> None:
    p = figures.figures(world.analyst, "desk")
    for c in [*p["by_severity"], *p["by_provider"]]:
        listed = world.client(world.analyst).get(c.url).context["page"].paginator.count
        assert listed == c.count, c
    assert world.client(world.analyst).get(p["soon_url"]).context["page"].paginator.count == p["soon"]


def test_figures_cost_a_constant_number_of_queries(world, catalogue, django_assert_max_num_queries) -> None:
    raise_for(world, catalogue)
    with django_assert_max_num_queries(5):
        few = figures.figures(world.analyst, "desk")
    for i in range(6):
        raise_for(world, catalogue, severity=str(i % 4 + 1) if i % 4 else "2", summary=f"More {i}")
    with django_assert_max_num_queries(5):
        more = figures.figures(world.analyst, "desk")
    assert more["raised_today"] == few["raised_today"] + 6


def test_participants_and_admins_get_no_figures(world, mixed) -> None:
    for user in (world.user_a, world.user_b, world.admin_a, world.platform_admin):
        response = world.client(user).get("/")
        assert response.status_code == 200
        assert _panel(response) == {}
        assert 'id="figures-title"' not in response.content.decode()
        assert figures.figures(user, "desk") == {} and figures.figures(user, "provider") == {}


def test_anonymous_is_sent_to_sign_in(world) -> None:
    response = world.client(None).get("/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_provider_sees_figures_for_its_own_incidents_only(world, mixed) -> None:
    response = world.client(world.resolver).get("/")
    p = _panel(response)
    mine = Incident.objects.filter(queries.OPEN_Q, provider=world.provider)
    assert p["open_total"] == mine.count() > 0
    assert p["open_total"] < Incident.objects.filter(queries.OPEN_Q).count()
    assert p["by_provider"] == []  # no other provider's figures
    assert "Your figures" in response.content.decode()


def test_uk_day_boundaries_on_clock_change_days() -> None:
    spring = figures.day_bounds(dt.date(2026, 3, 29))  # clocks go forward: a 23-hour day
    assert spring == (
        dt.datetime(2026, 3, 29, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 23, 0, tzinfo=dt.UTC),
    )
    autumn = figures.day_bounds(dt.date(2026, 10, 25))  # clocks go back: a 25-hour day
    assert autumn == (
        dt.datetime(2026, 10, 24, 23, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 26, 0, 0, tzinfo=dt.UTC),
    )


def test_incidents_counted_on_their_uk_day_across_the_clock_change(world, catalogue) -> None:
    at = lambda *a: dt.datetime(*a, tzinfo=dt.UTC)  # noqa: E731
    raise_for(world, catalogue, now=at(2026, 3, 28, 23, 30), summary="Sat 28 Mar, 23:30 GMT")
    raise_for(world, catalogue, now=at(2026, 3, 29, 0, 30), summary="Sun 29 Mar, 00:30 GMT")
    raise_for(world, catalogue, now=at(2026, 3, 29, 22, 59), summary="Sun 29 Mar, 23:59 BST")
    raise_for(world, catalogue, now=at(2026, 3, 29, 23, 30), summary="Mon 30 Mar, 00:30 BST")
    p = figures.figures(world.analyst, "desk", now=at(2026, 3, 30, 9, 0))
    assert p["raised_today"] == 1  # Monday 30 March, UK time
    table = str(p["chart_table"])
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', table))
    assert rows["28 Mar"] == "1" and rows["29 Mar"] == "2" and rows["30 Mar"] == "1"


def test_the_autumn_day_has_25_hours(world, catalogue) -> None:
    at = lambda *a: dt.datetime(*a, tzinfo=dt.UTC)  # noqa: E731
    raise_for(world, catalogue, now=at(2026, 10, 24, 22, 59), summary="Sat 24 Oct, 23:59 BST")
    raise_for(world, catalogue, now=at(2026, 10, 24, 23, 0), summary="Sun 25 Oct, 00:00 BST")
    raise_for(world, catalogue, now=at(2026, 10, 25, 23, 59), summary="Sun 25 Oct, 23:59 GMT")
    p = figures.figures(world.analyst, "desk", now=at(2026, 10, 25, 23, 59, 30))
    assert p["raised_today"] == 2
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', str(p["chart_table"])))
    assert rows["24 Oct"] == "1" and rows["25 Oct"] == "2"
