"""A different severity scheme (SEC's five incident categories) works end to end without code."""

import datetime as dt

import pytest

from busbar.conftest import World, make_org
from busbar.incidents import actions as incident_actions
from busbar.incidents.sla import clocks_for
from busbar.lib.actions import ActionError
from busbar.parties.models import IndustryRole
from busbar.services import actions
from busbar.services.actions import TargetSpec
from busbar.services.tests.conftest import Catalogue, actor

pytestmark = pytest.mark.django_db

CATEGORIES = [
    ("1", "Category 1: loss of service to many users", True, (30, "minutes"), (4, "hours")),
    ("2", "Category 2: loss of service to one user", False, (1, "hours"), (8, "hours")),
    ("3", "Category 3: degraded service", False, (2, "hours"), (24, "hours")),
    ("4", "Category 4: minor impact", False, (4, "hours"), (3, "working_days")),
    ("5", "Category 5: query or cosmetic", False, (8, "hours"), (10, "working_days")),
]


def test_sec_five_categories_through_actions(world: World, catalogue: Catalogue) -> None:
    ops = actor(world.ops)
    scheme = actions.create_severity_scheme(
        actor=ops,
        name="SEC incident categories",
        description="Example only",
        severities=[{"code": c, "label": label, "is_major": major} for c, label, major, _, _ in CATEGORIES],
    )
    severities = {s.code: s for s in scheme.severities.all()}
    assert [s.rank for s in severities.values()] == [1, 2, 3, 4, 5]
    specs = []
    for code, _, _, response, resolution in CATEGORIES:
        for clock, (amount, unit) in (("response", response), ("resolution", resolution)):
            calendar = catalogue.working if unit == "working_days" else catalogue.always
            specs.append(
                TargetSpec(
                    severity=severities[code], clock=clock, amount=amount, unit=unit, calendar=calendar
                )
            )
    policy = actions.create_sla_policy(
        actor=ops, name="SEC example", scheme=scheme, warning_ratio="0.5", targets=specs
    )
    dcc = make_org("DCC", [IndustryRole.DCC_DSP])
    dsp = actions.create_service(
        actor=ops, name="DCC DSP", provider=dcc, calendar=catalogue.always, sla_policy=policy
    )

    start = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # a Tuesday
    incident = incident_actions.raise_incident(
        actor=actor(world.user_a),
        service=dsp,
        severity=severities["3"],
        summary="Slow responses",
        description="Service requests take minutes",
        now=start,
    )
    clocks = {c.name: c for c in clocks_for(incident, start + dt.timedelta(hours=1, minutes=30))}
    assert clocks["response"].target_label == "2 hours"
    assert clocks["response"].status == "warning"  # 75 of 120 minutes, past the policy's 50% warning
    assert clocks["resolution"].state.due_at == start + dt.timedelta(hours=24)
    assert incident.response_due_at == start + dt.timedelta(hours=2)

    # The default (the lowest category, 5) is taken from the scheme, measured in working days.
    minor = incident_actions.raise_incident(
        actor=actor(world.user_a), service=dsp, summary="Typo", description="On the portal", now=start
    )
    assert minor.severity == severities["5"]
    resolution = {c.name: c for c in clocks_for(minor, start)}["resolution"]
    assert resolution.target_label == "10 working days" and resolution.calendar_name == catalogue.working.name

    # Category 1 is major: the desk raising one opens a major incident.
    major = incident_actions.raise_incident(
        actor=actor(world.analyst),
        organisation=world.org_a,
        service=dsp,
        severity=severities["1"],
        summary="DSP down",
        description="No responses",
        now=start,
    )
    assert hasattr(major, "major")

    # A REC severity is not accepted on the DCC DSP service.
    rec1 = catalogue.default.scheme.severities.get(code="1")
    with pytest.raises(ActionError) as exc:
        incident_actions.raise_incident(
            actor=actor(world.user_a), service=dsp, severity=rec1, summary="x", description="y", now=start
        )
    assert exc.value.field == "severity"


@pytest.mark.parametrize(
    ("severities", "field"),
    [
        ([], "severities"),
        ([{"code": "", "label": "x"}], "severities.0"),
        ([{"code": "1", "label": "x"}, {"code": "1", "label": "y"}], "severities"),
        ([{"code": "1", "label": "x", "rank": 2}, {"code": "2", "label": "y"}], "severities"),
        ([{"code": "1", "label": ""}], "severities.0"),
        ([{"code": "1", "label": "x", "colour": "red"}], "severities.0"),
    ],
)
def test_scheme_validation_names_the_field(world: World, severities: list, field: str) -> None:
    with pytest.raises(ActionError) as exc:
        actions.create_severity_scheme(actor=actor(world.ops), name="Broken", severities=severities)
    assert exc.value.field == field
