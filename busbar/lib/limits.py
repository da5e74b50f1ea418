"""The bounds every input is held to, in one place.

Numbers, dates, lengths and nesting that come from outside (API, pages, email, files) are checked
against these at the edge, so a value no part of Busbar can handle is refused with a 4xx naming the
field instead of failing later. The API schemas use the annotated types of :mod:`busbar.lib.schema`,
built from these; the actions check text lengths again with :func:`check_text`, so every path in —
API, page, email, import — is held to the same limits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from busbar.lib.actions import ActionError

#: Largest database key (64-bit signed).
MAX_ID = 2**63 - 1
#: Deepest page an offset may ask for. Deeper than this, narrow the list with filters.
MAX_OFFSET = 10_000_000
#: Instants Busbar accepts: anything outside is a typo or a probe, and some databases cannot store it.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
EARLIEST_DATE = EARLIEST.date()
LATEST_DATE = dt.date(2199, 12, 31)
#: One-line texts (summaries, subjects, names) and identifiers.
SHORT_TEXT = 200
NAME_TEXT = 150


def text_max() -> int:
    """The longest description, update, note, resolution or reason, in characters (configurable)."""
    return settings.BUSBAR_TEXT_MAX_CHARS


def check_text(value: str, *, field: str, limit: int | None = None) -> str:
    """``value`` if it fits within ``limit`` characters (default :func:`text_max`) and has no NUL."""
    limit = text_max() if limit is None else limit
    if len(value) > limit:
        raise ActionError(f"The text is {len(value):,} characters long; the limit is {limit:,}", field=field)
    if "\x00" in value:
        raise ActionError("Text must not contain NUL characters", field=field)
    return value


def bound_instant(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC if it names its offset and lies between 1970 and 2200. ValueError otherwise.

    A time without an offset is refused rather than guessed: on clock-change days a UK wall time is
    ambiguous or does not exist.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("give the time zone, e.g. 2027-01-31T23:59:00Z or 2027-06-30T09:00:00+01:00")
    try:
        utc = value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValueError("must be between 1970-01-01 and 2200-01-01") from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError("must be between 1970-01-01 and 2200-01-01")
    return utc


def bound_date(value: dt.date) -> dt.date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError("must be between 1970-01-01 and 2199-12-31")
    return value


#: The same limit as a constant, for form fields' max_length (read once, at start-up).
TEXT_MAX = settings.BUSBAR_TEXT_MAX_CHARS


def clean_text(value: Any, *, field: str, limit: int, what: str = "This", required: bool = True) -> str:
    """``value`` stripped and held to ``limit`` characters and the site's text limits (:func:`check_text`):
    empty (when ``required``), too long and NUL characters are refused naming ``field``."""
    text = ("" if value is None else str(value)).strip()
    if required and not text:
        raise ActionError(f"{what} cannot be empty", field=field)
    if len(text) > limit:
        raise ActionError(f"{what} is {len(text):,} characters; the limit is {limit:,}", field=field)
    if "\x00" in text:
        raise ActionError(f"{what} contains a NUL character", field=field)
    if text:
        check_text(text, field=field)
    return text
