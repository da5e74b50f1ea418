"""Who may move a Change Notification: its provider and the desk work it, the desk (the CCG's
co-ordination) reviews it; another provider and participants are refused (403) and nothing is written."""

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.changes import actions
from busbar.changes.models import ChangeStatus
from busbar.changes.tests.conftest import NOW
from busbar.lib.actions import Actor, NotPermitted

pytestmark = pytest.mark.django_db

LATER = NOW + dt.timedelta(hours=1)


def act(user):
    return Actor(user=user)


CASES = {
    "edit": lambda chg, who: actions.edit_change(actor=act(who), change=chg.draft, title="Patched", now=NOW),
    "submit": lambda chg, who: actions.submit_change(actor=act(who), change=chg.draft, now=NOW),
    "take_into_review": lambda chg, who: actions.take_into_review(
        actor=act(who), change=chg.submitted, now=NOW
    ),
    "cancel": lambda chg, who: actions.cancel_change(actor=act(who), change=chg.draft, reason="No", now=NOW),
    "start": lambda chg, who: actions.start_change(actor=act(who), change=chg.accepted, now=NOW),
    "complete": lambda chg, who: actions.complete_change(actor=act(who), change=chg.live, now=LATER),
    "fail": lambda chg, who: actions.fail_change(actor=act(who), change=chg.live, note="Broke", now=LATER),
    "back_out": lambda chg, who: actions.back_out_change(
        actor=act(who), change=chg.live, note="Back", now=LATER
    ),
    "pir": lambda chg, who: actions.record_pir(
        actor=act(who), change=chg.done, summary="Went well", successful=True, now=NOW
    ),
    "update": lambda chg, who: actions.add_update(actor=act(who), change=chg.live, body="Halfway", now=NOW),
    "overruns": lambda chg, who: actions.check_overruns(actor=act(who), now=NOW + dt.timedelta(hours=3)),
}

#: verb -> (personas allowed, personas refused)
RULES = {
    "edit": ({"provider", "desk"}, {"gas", "alpha", "bravo"}),
    "submit": ({"provider", "desk"}, {"gas", "alpha", "bravo"}),
    "take_into_review": ({"desk"}, {"provider", "gas", "alpha", "bravo"}),
    "cancel": ({"provider", "desk"}, {"gas", "alpha", "bravo"}),
    "start": ({"gas", "desk"}, {"provider", "alpha", "bravo"}),
    "complete": ({"provider", "desk"}, {"gas", "alpha", "bravo"}),
    "fail": ({"provider", "desk"}, {"gas", "alpha", "bravo"}),
    "back_out": ({"provider", "desk"}, {"gas", "alpha", "bravo"}),
    "pir": ({"desk"}, {"provider", "gas", "alpha", "bravo"}),
    "update": ({"provider", "desk"}, {"gas", "alpha", "bravo"}),
    "overruns": ({"desk"}, {"provider", "gas", "alpha", "bravo"}),
}

ALLOWED = [(verb, who) for verb, (ok, _) in RULES.items() for who in sorted(ok)]
DENIED = [(verb, who) for verb, (_, no) in RULES.items() for who in sorted(no)]


@pytest.mark.parametrize(("verb", "who"), ALLOWED)
def test_allowed(chg, verb, who):
    before = AuditEntry.objects.count()
    CASES[verb](chg, getattr(chg, who))
    assert AuditEntry.objects.count() > before


@pytest.mark.parametrize(("verb", "who"), DENIED)
def test_denied(chg, verb, who):
    before = AuditEntry.objects.count()
    with pytest.raises(NotPermitted) as refused:
        CASES[verb](chg, getattr(chg, who))
    assert refused.value.status == 403
    assert AuditEntry.objects.count() == before


def test_reviewed_only_by_the_desk(chg):
    actions.record_pir(actor=act(chg.desk), change=chg.done, summary="Fine", successful=True, now=NOW)
    for who in (chg.gas, chg.provider, chg.alpha, chg.bravo):
        with pytest.raises(NotPermitted):
            actions.mark_reviewed(actor=act(who), change=chg.done, now=NOW)
    done = actions.mark_reviewed(actor=act(chg.desk), change=chg.done, now=NOW)
    assert done.status == ChangeStatus.REVIEWED
