"""Bad input to the lifecycle is a 422 naming the field, and nothing is written: an end before the start, a
window over a year, a service the provider does not run, an actual time in the future or before the start."""

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.changes import actions
from busbar.changes.models import ChangeNotification, ChangeService, ChangeStatus, ChangeType
from busbar.changes.tests.conftest import NOW
from busbar.lib.actions import ActionError, Actor

pytestmark = pytest.mark.django_db

START = NOW + dt.timedelta(days=20)


def act(user):
    return Actor(user=user)


def _unchanged(chg, call, field):
    changes = ChangeNotification.objects.count()
    rows = list(
        ChangeService.objects.order_by("pk").values_list("pk", "service_id", "planned_start", "status")
    )
    journal = AuditEntry.objects.count()
    with pytest.raises(ActionError) as refused:
        call()
    assert refused.value.status == 422 and refused.value.field == field, refused.value.message
    assert ChangeNotification.objects.count() == changes
    assert (
        list(ChangeService.objects.order_by("pk").values_list("pk", "service_id", "planned_start", "status"))
        == rows
    )
    assert AuditEntry.objects.count() == journal


def _raise(chg, **kw):
    fields = {
        "title": "Patch",
        "change_type": ChangeType.NORMAL,
        "services": [chg.css],
        "planned_start": START,
        "planned_end": START + dt.timedelta(hours=2),
        **kw,
    }
    return lambda: actions.raise_change(
        actor=act(chg.provider), provider=chg.world.provider, now=NOW, **fields
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"planned_end": START - dt.timedelta(hours=1)}, "planned_end"),
        ({"planned_end": START + dt.timedelta(days=400)}, "planned_end"),
        ({"planned_start": START.replace(tzinfo=None)}, "planned_start"),
        ({"services": []}, "services"),
        ({"title": "  "}, "title"),
        ({"change_type": "whenever"}, "change_type"),
        ({"risk": "extreme"}, "risk"),
    ],
)
def test_raise(chg, fields, field):
    _unchanged(chg, _raise(chg, **fields), field)


def test_raise_on_a_service_the_provider_does_not_run(chg):
    _unchanged(chg, _raise(chg, services=[chg.css, chg.uk_link]), "services")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"planned_start": START, "planned_end": START - dt.timedelta(minutes=1)}, "planned_end"),
        ({"planned_end": START + dt.timedelta(days=367)}, "planned_end"),
        ({"services": []}, "services"),
        ({"provider": None}, "provider"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_edit(chg, fields, field):
    _unchanged(chg, lambda: actions.edit_change(actor=act(chg.provider), change=chg.draft, **fields), field)


def test_edit_to_a_service_the_provider_does_not_run(chg):
    call = lambda: actions.edit_change(actor=act(chg.provider), change=chg.draft, services=[chg.portal])  # noqa: E731
    _unchanged(chg, call, "services")
    assert list(chg.draft.services.all()) == [chg.css]


def test_actual_times(chg):
    provider = act(chg.provider)
    started = chg.live.actual_start
    _unchanged(
        chg,
        lambda: actions.complete_change(
            actor=provider, change=chg.live, now=NOW, actual_end=started - dt.timedelta(minutes=5)
        ),
        "actual_end",
    )
    _unchanged(
        chg,
        lambda: actions.complete_change(
            actor=provider, change=chg.live, now=NOW, actual_end=NOW + dt.timedelta(hours=1)
        ),
        "actual_end",
    )
    _unchanged(
        chg,
        lambda: actions.start_change(
            actor=act(chg.gas), change=chg.accepted, now=NOW, actual_start=NOW + dt.timedelta(minutes=5)
        ),
        "actual_start",
    )
    _unchanged(
        chg,
        lambda: actions.fail_change(actor=provider, change=chg.live, note="  ", now=NOW),
        "note",
    )
    _unchanged(chg, lambda: actions.cancel_change(actor=provider, change=chg.draft, reason=""), "reason")
    _unchanged(chg, lambda: actions.add_update(actor=provider, change=chg.live, body=" "), "body")
    # A minute's clock difference is allowed.
    done = actions.complete_change(
        actor=provider, change=chg.live, now=NOW, actual_end=NOW + dt.timedelta(seconds=30)
    )
    assert done.status == ChangeStatus.COMPLETED
