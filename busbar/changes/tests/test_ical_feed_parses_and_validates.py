"""The calendar feed of the forward schedule of change: it parses with a real iCalendar library
(``icalendar``) and keeps RFC 5545 strictly — CRLF line endings, lines folded at 75 octets without
splitting a character, the calendar's and each event's required properties once each, UTC times — with
stable UIDs, a SEQUENCE bumped by each reschedule, cancelled changes shown CANCELLED, and only published
changes the token's owner may see. No session or CSRF token is needed; the answer is private."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from icalendar import Calendar

from busbar.changes import ical
from busbar.changes.actions import create_feed_token
from busbar.changes.models import CcgDecision, CcgOutcome, ChangeNotification, ChangeStatus
from busbar.changes.tests.conftest import NOW, ChangeWorld, _raise
from busbar.changes.views import feeds
from busbar.lib.actions import Actor

pytestmark = pytest.mark.django_db
UTC = dt.UTC
UTC_TIME = re.compile(rb"^(DTSTART|DTEND|DTSTAMP|LAST-MODIFIED|CREATED):\d{8}T\d{6}Z$")


@pytest.fixture(autouse=True)
def _feed_now(monkeypatch) -> None:
    monkeypatch.setattr(feeds, "_now", lambda: NOW)


def _secret(user) -> str:
    return create_feed_token(actor=Actor(user=user))[1]


def _feed(chg: ChangeWorld, user, name="fsc_feed", *args, **params):
    response = chg.client(None).get(reverse(name, args=[_secret(user), *args]), params)
    assert response.status_code == 200, response.content[:200]
    return response


def _events(body: bytes) -> dict[str, object]:
    return {str(e["UID"]).split("@")[0]: e for e in Calendar.from_ical(body).walk("VEVENT")}


def assert_rfc5545(body: bytes) -> None:
    """The checks a strict validator makes of a published feed (RFC 5545 §3.1, §3.4, §3.6, §3.6.1, §3.8)."""
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"") and b"\r" not in body.replace(b"\r\n", b"")
    physical = body[:-2].split(b"\r\n")
    for line in physical:
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold never splits a character
    lines: list[bytes] = []
    for line in physical:
        if line[:1] in (b" ", b"\t"):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-1] == b"END:VCALENDAR"
    stack: list[bytes] = []
    calendar_props: list[bytes] = []
    event: list[bytes] | None = None
    components = 0
    for line in lines:
        name = re.split(rb"[:;]", line, maxsplit=1)[0]
        assert re.fullmatch(rb"[A-Z0-9-]+", name), line
        if name == b"BEGIN":
            stack.append(line[6:])
            if len(stack) == 2:
                components += 1
            if line == b"BEGIN:VEVENT":
                event = []
            continue
        if name == b"END":
            assert stack.pop() == line[4:]
            if line == b"END:VEVENT":
                _check_event(event)
                event = None
            continue
        if len(stack) == 1:
            calendar_props.append(name)
        elif event is not None and len(stack) == 2:
            event.append(line)
    assert not stack
    assert calendar_props.count(b"PRODID") == 1 and calendar_props.count(b"VERSION") == 1
    assert b"VERSION:2.0" in lines
    assert components >= 1  # a calendar holds at least one component, even with no events


def _check_event(lines: list[bytes]) -> None:
    names = [re.split(rb"[:;]", line, maxsplit=1)[0] for line in lines]
    for once in (b"UID", b"DTSTAMP", b"DTSTART", b"DTEND", b"SUMMARY", b"SEQUENCE", b"STATUS", b"URL"):
        assert names.count(once) == 1, (once, lines)
    assert b"DURATION" not in names  # DTEND and DURATION never together
    for line in lines:
        if line.split(b":")[0] in (b"DTSTART", b"DTEND", b"DTSTAMP", b"LAST-MODIFIED", b"CREATED"):
            assert UTC_TIME.match(line), line
    values = {line.split(b":", 1)[0]: line.split(b":", 1)[1] for line in lines if b":" in line}
    assert values[b"DTEND"] > values[b"DTSTART"]
    assert values[b"STATUS"] in (b"CONFIRMED", b"CANCELLED")
    assert values[b"SEQUENCE"].isdigit()


def test_the_feed_parses_validates_and_holds_the_published_changes(chg: ChangeWorld) -> None:
    response = _feed(chg, chg.alpha)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"].startswith("private")
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    body = response.content
    assert_rfc5545(body)
    events = _events(body)
    assert set(events) == {chg.accepted.reference, chg.live.reference, chg.done.reference}
    live = events[chg.live.reference]
    assert str(live["SUMMARY"]) == f"[Outage] CSS: CSS firewall upgrade ({chg.live.reference})"
    assert live["DTSTART"].dt == chg.live.planned_start and live["DTEND"].dt == chg.live.planned_end
    assert live["DTSTART"].dt.utcoffset() == dt.timedelta(0)
    assert str(live["UID"]) == f"{chg.live.reference}@{ical.host()}"
    assert str(live["URL"]).endswith(f"/changes/{chg.live.reference}/")
    assert str(live["STATUS"]) == "CONFIRMED" and int(live["SEQUENCE"]) == 0
    description = str(live["DESCRIPTION"])
    assert "Provider: CSS Provider" in description and "Switch requests queue" in description
    assert "Restore the previous release" not in description  # the back-out plan is internal
    assert "CSS network" not in description  # so is the team
    cal = Calendar.from_ical(body)
    assert str(cal["VERSION"]) == "2.0" and "Busbar" in str(cal["PRODID"])
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/London"


def test_the_feed_is_stable_until_a_change_moves(chg: ChangeWorld) -> None:
    secret = _secret(chg.bravo)
    url = reverse("fsc_feed", args=[secret])
    first = chg.client(None).get(url).content
    assert chg.client(None).get(url).content == first  # DTSTAMP is the change's last update, not now
    CcgDecision.objects.create(
        change=chg.accepted,
        outcome=CcgOutcome.RESCHEDULE,
        reason="Clashes with the CSS firewall upgrade",
        previous_start=chg.accepted.planned_start,
        previous_end=chg.accepted.planned_end,
        new_start=chg.accepted.planned_start + dt.timedelta(days=7),
        new_end=chg.accepted.planned_end + dt.timedelta(days=7),
    )
    ChangeNotification.objects.filter(pk=chg.accepted.pk).update(
        planned_start=chg.accepted.planned_start + dt.timedelta(days=7),
        planned_end=chg.accepted.planned_end + dt.timedelta(days=7),
        updated_at=NOW,
    )
    moved = _events(chg.client(None).get(url).content)[chg.accepted.reference]
    assert int(moved["SEQUENCE"]) == 1
    assert moved["DTSTART"].dt == chg.accepted.planned_start + dt.timedelta(days=7)
    assert moved["DTSTAMP"].dt == NOW and moved["LAST-MODIFIED"].dt == NOW
    assert str(moved["UID"]) == str(_events(first)[chg.accepted.reference]["UID"])


def test_a_cancelled_change_stays_as_cancelled_for_those_who_see_it(chg: ChangeWorld) -> None:
    CcgDecision.objects.create(change=chg.accepted, outcome=CcgOutcome.ACCEPT, reason="Fine")
    ChangeNotification.objects.filter(pk=chg.accepted.pk).update(
        status=ChangeStatus.CANCELLED, updated_at=NOW
    )
    gas = _events(_feed(chg, chg.gas).content)
    assert str(gas[chg.accepted.reference]["STATUS"]) == "CANCELLED"
    assert int(gas[chg.accepted.reference]["SEQUENCE"]) == 1
    assert str(gas[chg.accepted.reference]["SUMMARY"]).startswith("[Cancelled] [Outage] UK Link")
    # Never accepted, a cancelled notification was never on the schedule.
    ChangeNotification.objects.filter(pk=chg.submitted.pk).update(status=ChangeStatus.CANCELLED)
    assert chg.submitted.reference not in _events(_feed(chg, chg.provider).content)
    # A participant no longer sees a cancelled change: it drops out of their feed.
    assert chg.accepted.reference not in _events(_feed(chg, chg.alpha).content)


def test_drafts_and_pending_are_never_in_a_feed_even_the_providers(chg: ChangeWorld) -> None:
    for who in (chg.provider, chg.desk):
        events = _events(_feed(chg, who).content)
        assert chg.draft.reference not in events and chg.submitted.reference not in events


def test_filters_and_the_per_service_feed(chg: ChangeWorld) -> None:
    on_reg = _raise(
        chg.provider,
        chg.world.provider,
        "Registration certificate renewal – café ünïcode " * 3,
        [chg.css_reg],
        NOW + dt.timedelta(days=3),
        NOW + dt.timedelta(days=3, hours=1),
        outage=False,
        status=ChangeStatus.ACCEPTED,
    )
    css = _feed(chg, chg.alpha, service="css")
    assert_rfc5545(css.content)
    assert set(_events(css.content)) == {chg.live.reference, on_reg.reference}
    summary = str(_events(css.content)[on_reg.reference]["SUMMARY"])
    assert summary.startswith("CSS Registration: Registration certificate renewal – café ünïcode")
    gas = _feed(chg, chg.alpha, provider=str(chg.gas_org.pk))
    assert set(_events(gas.content)) == {chg.accepted.reference, chg.done.reference}
    one = _feed(chg, chg.alpha, "fsc_service_feed", "css-registration")
    assert_rfc5545(one.content)
    assert set(_events(one.content)) == {on_reg.reference}
    assert "CSS Registration" in str(Calendar.from_ical(one.content)["X-WR-CALNAME"])
    empty = _feed(chg, chg.alpha, "fsc_service_feed", "gas-portal")
    assert_rfc5545(empty.content)  # no events: still a valid calendar
    assert _events(empty.content) == {}


def test_the_window_is_bounded(chg: ChangeWorld, monkeypatch) -> None:
    monkeypatch.setattr(feeds, "_now", lambda: NOW + dt.timedelta(days=100))
    events = _events(_feed(chg, chg.alpha).content)
    assert chg.done.reference not in events  # ended 130 days before
    assert chg.accepted.reference in events  # ended 89 days before
    monkeypatch.setattr(feeds, "_now", lambda: NOW - dt.timedelta(days=450))
    assert _events(_feed(chg, chg.alpha).content) == {}  # everything more than 400 days on


def test_a_feed_is_read_only(chg: ChangeWorld) -> None:
    url = reverse("fsc_feed", args=[_secret(chg.alpha)])
    assert chg.client(None).post(url).status_code == 405
