"""SLA policies and targets: permissions, validation, one default, journal, and the SLA cache key."""

from decimal import Decimal

import pytest

from busbar.audit.models import AuditEntry
from busbar.conftest import World
from busbar.lib.actions import ActionError, Conflict, NotPermitted
from busbar.services import actions
from busbar.services.actions import TargetSpec
from busbar.services.models import Severity, SeverityScheme, SlaPolicy, SlaTarget
from busbar.services.tests.conftest import Catalogue, actor

pytestmark = pytest.mark.django_db


def _rec() -> SeverityScheme:
    return SeverityScheme.objects.get(name="REC incident severities")


def test_create_policy_with_targets(world: World, catalogue: Catalogue) -> None:
    sev1 = Severity.objects.get(scheme=_rec(), code="1")
    policy = actions.create_sla_policy(
        actor=actor(world.ops),
        name="REC premium",
        scheme=_rec(),
        warning_ratio="0.8",
        targets=[
            TargetSpec(severity=sev1, clock="response", amount=5, unit="minutes", calendar=catalogue.always)
        ],
    )
    assert policy.warning_ratio == Decimal("0.80") and not policy.is_default
    assert [(t.severity.code, t.clock, t.amount) for t in policy.targets.all()] == [("1", "response", 5)]
    entry = AuditEntry.objects.get(action="sla_policy.create")
    assert entry.changes["target 1 response"] == [None, "5 minutes on 24x7"]
    assert entry.changes["warning_ratio"] == [None, "0.80"]


@pytest.mark.parametrize("ratio", ["0.09", "1", "1.5", "-0.5", "lots"])
def test_warning_ratio_is_between_ten_and_ninety_nine_percent(
    world: World, catalogue: Catalogue, ratio: str
) -> None:
    with pytest.raises(ActionError) as exc:
        actions.create_sla_policy(actor=actor(world.ops), name="P", scheme=_rec(), warning_ratio=ratio)
    assert exc.value.field == "warning_ratio"
    with pytest.raises(ActionError) as exc:
        actions.update_sla_policy(actor=actor(world.ops), policy=catalogue.default, warning_ratio=ratio)
    assert exc.value.field == "warning_ratio"


def test_only_one_default(world: World, catalogue: Catalogue) -> None:
    other = actions.create_sla_policy(actor=actor(world.ops), name="Other", scheme=_rec(), is_default=True)
    assert list(SlaPolicy.objects.filter(is_default=True)) == [other]
    entries = {e.record_label: e.changes for e in AuditEntry.objects.filter(action="sla_policy.update")}
    assert entries == {"REC default": {"is_default": [True, False]}}
    actions.update_sla_policy(actor=actor(world.ops), policy=catalogue.default, is_default=True)
    assert list(SlaPolicy.objects.filter(is_default=True)) == [catalogue.default]
    with pytest.raises(ActionError) as exc:  # there must always be one
        actions.update_sla_policy(actor=actor(world.ops), policy=catalogue.default, is_default=False)
    assert exc.value.field == "is_default"
    with pytest.raises(Conflict) as exc:
        actions.create_sla_policy(actor=actor(world.ops), name="other", scheme=_rec())
    assert exc.value.field == "name"


def test_set_target_bumps_policy_version_and_journals(world: World, catalogue: Catalogue) -> None:
    policy = catalogue.default
    before = policy.updated_at
    sev2 = Severity.objects.get(scheme=_rec(), code="2")
    target = actions.set_target(
        actor=actor(world.platform_admin),
        policy=policy,
        severity=sev2,
        clock="resolution",
        amount=12,
        unit="hours",
        calendar=catalogue.working,
    )
    assert (target.amount, target.unit, target.calendar) == (12, "hours", catalogue.working)
    policy.refresh_from_db()
    assert policy.updated_at > before  # the SLA engine's cache key moves on
    entry = AuditEntry.objects.get(action="sla_policy.target")
    assert entry.changes == {
        "target 2 resolution": [
            "24 hours on 24x7",
            "12 hours on Working hours (Mon-Fri 08:00-18:00, E&W bank holidays)",
        ]
    }


def test_the_sla_engine_sees_new_targets_at_once(world: World, catalogue: Catalogue) -> None:
    from busbar.records import sla

    policy = catalogue.default
    assert sla.targets(policy)[("1", "response")].amount == 10
    sev1 = Severity.objects.get(scheme=_rec(), code="1")
    actions.set_target(
        actor=actor(world.ops),
        policy=policy,
        severity=sev1,
        clock="response",
        amount=15,
        unit="minutes",
        calendar=catalogue.always,
    )
    policy.refresh_from_db()
    assert sla.targets(policy)[("1", "response")].amount == 15


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"clock": "lunch"}, "target.clock"),
        ({"unit": "fortnights"}, "target.unit"),
        ({"amount": 0}, "target.amount"),
        ({"amount": "5"}, "target.amount"),
    ],
)
def test_bad_targets_name_the_field(world: World, catalogue: Catalogue, change: dict, field: str) -> None:
    sev1 = Severity.objects.get(scheme=_rec(), code="1")
    kwargs = {
        "severity": sev1,
        "clock": "response",
        "amount": 5,
        "unit": "minutes",
        "calendar": catalogue.always,
    }
    with pytest.raises(ActionError) as exc:
        actions.set_target(actor=actor(world.ops), policy=catalogue.default, **{**kwargs, **change})
    assert exc.value.field == field


def test_target_severity_must_be_in_the_policy_scheme(world: World, catalogue: Catalogue) -> None:
    other = actions.create_severity_scheme(
        actor=actor(world.ops), name="Other", severities=[{"code": "A", "label": "Bad"}]
    )
    with pytest.raises(ActionError) as exc:
        actions.set_target(
            actor=actor(world.ops),
            policy=catalogue.default,
            severity=other.severities.get(),
            clock="response",
            amount=5,
            unit="minutes",
            calendar=catalogue.always,
        )
    assert exc.value.field == "target.severity"


def test_set_targets_replaces_the_table(world: World, catalogue: Catalogue) -> None:
    policy = catalogue.default
    sev = {s.code: s for s in _rec().severities.all()}
    actions.set_targets(
        actor=actor(world.ops),
        policy=policy,
        targets=[
            TargetSpec(
                severity=sev["1"], clock="response", amount=10, unit="minutes", calendar=catalogue.always
            ),
            TargetSpec(
                severity=sev["1"], clock="resolution", amount=2, unit="hours", calendar=catalogue.always
            ),
        ],
    )
    assert SlaTarget.objects.filter(policy=policy).count() == 2
    entry = AuditEntry.objects.get(action="sla_policy.targets")
    assert entry.changes["target 1 resolution"] == ["4 hours on 24x7", "2 hours on 24x7"]
    assert entry.changes["target 4 response"][1] is None
    assert "target 1 response" not in entry.changes  # unchanged
    with pytest.raises(ActionError) as exc:
        actions.set_targets(
            actor=actor(world.ops),
            policy=policy,
            targets=[
                TargetSpec(
                    severity=sev["2"], clock="response", amount=1, unit="hours", calendar=catalogue.always
                ),
                TargetSpec(
                    severity=sev["2"], clock="response", amount=2, unit="hours", calendar=catalogue.always
                ),
            ],
        )
    assert exc.value.field == "targets.1.severity"


@pytest.mark.parametrize("who", ["user_a", "admin_a", "analyst", "resolver"])
def test_policy_changes_need_the_catalogue_role(world: World, catalogue: Catalogue, who: str) -> None:
    user = getattr(world, who)
    sev1 = Severity.objects.get(scheme=_rec(), code="1")
    with pytest.raises(NotPermitted):
        actions.create_sla_policy(actor=actor(user), name="P", scheme=_rec())
    with pytest.raises(NotPermitted):
        actions.update_sla_policy(actor=actor(user), policy=catalogue.default, warning_ratio="0.5")
    with pytest.raises(NotPermitted):
        actions.set_target(
            actor=actor(user),
            policy=catalogue.default,
            severity=sev1,
            clock="response",
            amount=1,
            unit="minutes",
            calendar=catalogue.always,
        )
    with pytest.raises(NotPermitted):
        actions.set_targets(actor=actor(user), policy=catalogue.default, targets=[])
    with pytest.raises(NotPermitted):
        actions.create_severity_scheme(actor=actor(user), name="S", severities=[{"code": "1", "label": "x"}])
    assert SlaTarget.objects.filter(policy=catalogue.default).count() == 8


def test_policy_change_keeps_open_incidents_on_their_scheme(world: World, catalogue: Catalogue) -> None:
    from busbar.incidents import actions as incident_actions

    other = actions.create_severity_scheme(
        actor=actor(world.ops), name="Other", severities=[{"code": "A", "label": "Bad"}]
    )
    policy = actions.create_sla_policy(actor=actor(world.ops), name="Other policy", scheme=other)
    incident_actions.raise_incident(
        actor=actor(world.user_a), service=catalogue.css, summary="Down", description="All down"
    )
    with pytest.raises(ActionError) as exc:
        actions.update_service(actor=actor(world.ops), service=catalogue.css, sla_policy=policy)
    assert exc.value.field == "sla_policy" and "1 open incident" in exc.value.message
    actions.update_service(actor=actor(world.ops), service=catalogue.uk_link, sla_policy=policy)  # none open
