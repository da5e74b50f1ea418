"""What the simulator's channel (``POST /dip-channel/{id}``) checks on a submission, and the code it gives
each message: the specification's ``MSG…`` codes, in the order below. Pure: the participants and the
references already accepted come from the caller, so the same checks serve the channel, the
``/validate`` endpoints and the tests.

A submission is refused whole (:class:`BodyError`, a 400) when it is not a JSON array of objects each
with a ``payload``. Otherwise every message gets a :class:`Verdict`:

1. ``MSG1002`` interface invalid: the channel is not an interface of the specification, or the message's
   ``CommonBlock.S0.interfaceID`` is another one;
2. ``MSG1001`` schema failure: the payload against the interface's schema (the first error is given);
3. ``MSG1009`` sender DIP ID invalid: not a registered participant;
4. ``MSG1010`` sender role invalid: not one of the participant's roles;
5. ``MSG1011`` connection provider invalid: named and not registered;
6. ``MSG1007`` sender timestamp invalid: not a date-time, or later than now plus the tolerance;
7. ``MSG1006`` sender unique reference duplicated: accepted before, or earlier in this submission;
8. ``MSG1031`` primary recipient invalid: a primary recipient that is not registered;
9. ``MSG0000`` success, with a new transaction ID in the specification's format
   (``T-IF-021-<sender>-<role>-<YYYYMMDD>-<16 hex>``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from busbar.dip.validation import Validators

SUCCESS = "MSG0000"
SCHEMA = "MSG1001"
INTERFACE = "MSG1002"
DUPLICATE = "MSG1006"
TIMESTAMP = "MSG1007"
SENDER = "MSG1009"
ROLE = "MSG1010"
PROVIDER = "MSG1011"
PRIMARY = "MSG1031"

#: A sender's clock may run this far ahead of the simulator's.
CLOCK_TOLERANCE = dt.timedelta(minutes=5)


class BodyError(ValueError):
    """The body is not a DIPMessageArray: the whole submission is refused (400)."""


@dataclass(frozen=True)
class Sender:
    dip_id: str
    roles: frozenset[str]


class Directory(Protocol):
    """The registered participants, as the checks need them."""

    def sender(self, dip_id: str) -> Sender | None: ...

    def exists(self, dip_id: str) -> bool: ...


@dataclass
class Verdict:
    index: int
    code: str
    detail: str = ""
    interface: str = ""
    event_code: str = ""
    sender_id: str | None = None
    role: str | None = None
    reference: str | None = None
    correlation_id: str | None = None
    sent: str | None = None
    transaction_id: str | None = None
    mpan: str | None = None
    primary: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.code == SUCCESS


def parse_submission(body: bytes) -> list[dict[str, Any]]:
    """The messages of a body, or :class:`BodyError` saying what is wrong with it."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BodyError(f"The body is not JSON: {exc}") from None
    if not isinstance(data, list):
        raise BodyError("The body must be a JSON array of messages (DIPMessageArray)")
    if not data:
        raise BodyError("The array holds no message (DIPMessageArray has at least one)")
    for i, item in enumerate(data):
        if not isinstance(item, dict) or "payload" not in item:
            raise BodyError(f"Message {i} is not an object with a payload")
        extra = set(item) - {"payload"}
        if extra:
            raise BodyError(f"Message {i} has properties other than payload: {', '.join(sorted(extra))}")
    return data


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def parse_timestamp(text: Any) -> dt.datetime | None:
    """A DT-003 date-time (``2025-10-26T01:00:00+00:00``: 25 characters with its offset), else None."""
    if not isinstance(text, str) or len(text) != 25:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def transaction_id(interface: str, sender: str, role: str, now: dt.datetime) -> str:
    return f"T-{interface}-{sender}-{role}-{now:%Y%m%d}-{secrets.token_hex(8)}"


def check(
    messages: Iterable[dict[str, Any]],
    *,
    channel: str,
    validators: Validators,
    directory: Directory,
    seen: Callable[[str], bool],
    now: dt.datetime,
) -> list[Verdict]:
    """A :class:`Verdict` for each message of a parsed submission on ``channel``; ``seen(reference)``:
    whether a sender unique reference was accepted before."""
    known_channel = validators.knows(channel)
    in_batch: set[str] = set()
    out: list[Verdict] = []
    for index, message in enumerate(messages):
        payload = message.get("payload")
        s0 = _get(payload, "CommonBlock", "S0") or {}
        s1 = _get(payload, "CommonBlock", "S1") or {}
        verdict = Verdict(
            index=index,
            code=SUCCESS,
            interface=str(s0.get("interfaceID") or "")[:8],
            event_code=str(s0.get("eventCode") or "")[:60],
            sender_id=s1.get("senderDIPID") if isinstance(s1.get("senderDIPID"), str) else None,
            role=s1.get("senderRoleID") if isinstance(s1.get("senderRoleID"), str) else None,
            reference=s1.get("senderUniqueReference")
            if isinstance(s1.get("senderUniqueReference"), str)
            else None,
            correlation_id=s1.get("senderCorrelationID")
            if isinstance(s1.get("senderCorrelationID"), str)
            else None,
            sent=s1.get("senderTimestamp") if isinstance(s1.get("senderTimestamp"), str) else None,
            mpan=_get(payload, "CommonBlock", "M0", "MPANCore"),
        )
        primary = _get(payload, "CommonBlock", "A0", "primaryRecipients")
        verdict.primary = [p for p in primary if isinstance(p, str)] if isinstance(primary, list) else []
        out.append(verdict)
        if not known_channel:
            verdict.code, verdict.detail = INTERFACE, f"{channel} is not an interface of the specification"
            continue
        if verdict.interface != channel:
            verdict.code = INTERFACE
            verdict.detail = f"The message is for {verdict.interface or 'no interface'}, sent on {channel}"
            continue
        error = validators.payload_error(channel, payload)
        if error is not None:
            verdict.code, verdict.detail = SCHEMA, str(error)[:500]
            continue
        sender = directory.sender(verdict.sender_id or "")
        if sender is None:
            verdict.code, verdict.detail = SENDER, f"{verdict.sender_id} is not a registered DIP participant"
            continue
        if verdict.role not in sender.roles:
            verdict.code = ROLE
            verdict.detail = f"{verdict.sender_id} does not hold the role {verdict.role}"
            continue
        provider = s1.get("DIPConnectionProviderID")
        if provider is not None and not directory.exists(provider):
            verdict.code, verdict.detail = PROVIDER, f"{provider} is not a registered connection provider"
            continue
        sent = parse_timestamp(verdict.sent)
        if sent is None:
            verdict.code, verdict.detail = TIMESTAMP, f"{verdict.sent!r} is not a date-time with its offset"
            continue
        if sent > now + CLOCK_TOLERANCE:
            verdict.code, verdict.detail = TIMESTAMP, f"{verdict.sent} is in the future"
            continue
        reference = verdict.reference or ""
        if reference in in_batch or seen(reference):
            verdict.code, verdict.detail = DUPLICATE, f"{reference} was sent before"
            continue
        unknown = [p for p in verdict.primary if not directory.exists(p)]
        if unknown:
            verdict.code = PRIMARY
            verdict.detail = f"Not registered: {', '.join(unknown[:5])}"
            continue
        in_batch.add(reference)
        verdict.transaction_id = transaction_id(channel, sender.dip_id, verdict.role or "", now)
    return out
