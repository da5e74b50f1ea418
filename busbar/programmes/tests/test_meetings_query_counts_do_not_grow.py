"""The groups, meeting, action log and decision pages and their API lists read the same number of queries
however many working groups, actions, RAID links, owners and decisions they show (no query per row)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.programmes.actions import meetings as actions
from busbar.programmes.models import GroupKind
from busbar.programmes.tests.conftest import actor_for

URLS = [
    "/programmes/mhhs/groups/",
    "/programmes/mhhs/groups/TMAG/",
    "/programmes/mhhs/groups/TMAG/20/",
    "/programmes/mhhs/actions/?status=all",
    "/programmes/mhhs/actions/TMAG18-01/",
    "/programmes/mhhs/decisions/",
    "/api/v1/programmes/mhhs/actions?status=all",
    "/api/v1/programmes/mhhs/groups/TMAG/meetings/20",
    "/api/v1/programmes/mhhs/groups",
    "/api/v1/programmes/mhhs/decisions",
]


def _counts(client) -> list[int]:
    out = []
    for url in URLS:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        out.append(len(captured))
    return out


def _more(gov, letters: str) -> None:
    office = actor_for(gov.office)
    for letter in letters:
        wg = actions.create_group(
            actor=office,
            programme=gov.programme,
            code=f"WG{letter}",
            name="WG",
            kind=GroupKind.WORKING,
            parent=gov.tmag,
        )
        nxt = actions.schedule_meeting(actor=office, group=wg, date=dt.date(2026, 12, 20))
        actions.add_agenda_item(actor=office, meeting=nxt, title="Next steps")
        actions.save_working_group_report(actor=office, meeting=gov.tmag20, group=wg, escalations="None")
        a = actions.raise_action(
            actor=office,
            meeting=gov.tmag19,
            description=f"Action {letter}",
            owner_organisation=gov.world.org_a,
            owner_people=[gov.office],
            raid_items=[gov.r1, gov.r2],
        )
        actions.raise_action(actor=office, meeting=gov.tmag20, description=letter, owner_label="TMAG members")
        actions.update_action(actor=office, action=a, text="See R4")
        actions.record_decision(
            actor=office,
            programme=gov.programme,
            title=f"Decision {letter}",
            outcome="approved_with_conditions",
            decided_on=gov.tmag20.date,
            meeting=gov.tmag20,
            conditions=[{"text": "Comments addressed"}],
        )


def test_counts_do_not_grow_with_rows(gov) -> None:
    _more(gov, "AB")
    office, alpha = gov.client(gov.office), gov.client(gov.alpha)
    before = {"office": _counts(office), "alpha": _counts(alpha)}
    _more(gov, "CDEF")
    after = {"office": _counts(office), "alpha": _counts(alpha)}
    assert after == before
