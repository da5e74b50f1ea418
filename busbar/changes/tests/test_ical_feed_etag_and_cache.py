"""A calendar client sending back the feed's ETag gets 304; a change to the schedule gives a new ETag and
the new body (the cached body of the old version is never served)."""

import datetime as dt

from busbar.changes.actions import create_feed_token, decide
from busbar.changes.views import feeds
from busbar.lib.actions import Actor

from .conftest import NOW


def test_etag_304_and_new_version_after_a_reschedule(chg, monkeypatch):
    monkeypatch.setattr(feeds, "_now", lambda: NOW)
    _, secret = create_feed_token(actor=Actor(user=chg.alpha))
    client = chg.client(None)
    url = f"/changes/feed/{secret}/schedule.ics"
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert b"UK Link release 24.3" in first.content
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert client.get(url).content == first.content

    new_start = dt.datetime(2027, 7, 4, 1, 0, tzinfo=dt.UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    decide(
        actor=Actor(user=chg.desk),
        change=chg.accepted,
        outcome="reschedule",
        reason="Clear of the CSS work",
        new_start=new_start,
        new_end=new_start + dt.timedelta(hours=3),
        now=NOW,
    )
    moved = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert moved.status_code == 200
    assert moved["ETag"] != etag
    assert b"DTSTART:20270704T010000Z" in moved.content
