"""Deliberately invalid messages, so participants can test their rejection paths.

Each case is either a *schema* case (the message no longer validates against the official DIP schema) or a
*rule* case (it still validates, but breaks a rule of the market that :mod:`busbar.datagen.rules` checks and
that a receiving system should apply). Cases are applied to a chosen share of messages and listed in a
sidecar manifest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import codes, mpan

Payload = dict[str, Any]


@dataclass(frozen=True)
class Case:
    name: str
    interfaces: tuple[str, ...]
    kind: str  # "schema" or "rule"
    rule: str | None  # rules.py rule name for "rule" cases
    description: str
    apply: Callable[[Payload, dict[str, Any]], None]


def _first_day(p: Payload) -> dict[str, Any]:
    return p["CustomBlock"]["B900"]["settlementDayConsumptionPeriods"][0]


def _periods(p: Payload) -> list[dict[str, Any]]:
    return _first_day(p)["consumptionPeriods"]


def _bad_check_digit(p: Payload, ctx: dict[str, Any]) -> None:
    core = p["CommonBlock"]["M0"]["MPANCore"]
    p["CommonBlock"]["M0"]["MPANCore"] = core[:12] + str((int(core[12]) + 1 + ctx["pick"] % 9) % 10)


def _gsp_mismatch(p: Payload, ctx: dict[str, Any]) -> None:
    m0 = p["CommonBlock"]["M0"]
    others = [d.gsp_group for d in mpan.DISTRIBUTORS if d.gsp_group != m0["GSPGroupID"]]
    m0["GSPGroupID"] = others[ctx["pick"] % len(others)]


def _shift_sp(text: str, minutes: int) -> str:
    import datetime as dt

    t = dt.datetime.fromisoformat(text) + dt.timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _drop_period(p: Payload, ctx: dict[str, Any]) -> None:
    _periods(p).pop(ctx["pick"] % 48)


def _extra_period(p: Payload, ctx: dict[str, Any]) -> None:
    periods = _periods(p)
    extra = dict(periods[-1])
    extra["sp"] = _shift_sp(extra["sp"], 30)
    periods.append(extra)


def _period_start(p: Payload, ctx: dict[str, Any]) -> None:
    for period in _periods(p):
        period["sp"] = _shift_sp(period["sp"], -30)


def _duplicate_period(p: Payload, ctx: dict[str, Any]) -> None:
    periods = _periods(p)
    i = 1 + ctx["pick"] % 47
    periods[i] = dict(periods[i - 1])


def _value_format(p: Payload, ctx: dict[str, Any]) -> None:
    period = _periods(p)[ctx["pick"] % 48]
    period["v"] = period["v"] + "0"  # four decimal places


def _negative(p: Payload, ctx: dict[str, Any]) -> None:
    period = _periods(p)[ctx["pick"] % 48]
    period.update(v="-1.500", q="A", e=None)


def _quality_reason(p: Payload, ctx: dict[str, Any]) -> None:
    period = _periods(p)[ctx["pick"] % 48]
    period.update(q="A", e="4")


def _unknown_quality(p: Payload, ctx: dict[str, Any]) -> None:
    _periods(p)[ctx["pick"] % 48]["q"] = "X9"


def _missing_arc(p: Payload, ctx: dict[str, Any]) -> None:
    del _periods(p)[ctx["pick"] % 48]["arc"]


def _period_duration(p: Payload, ctx: dict[str, Any]) -> None:
    _first_day(p)["settlementDay"]["periodDuration"] = 15


def _wrong_event(p: Payload, ctx: dict[str, Any]) -> None:
    s0 = p["CommonBlock"]["S0"]
    s0["eventCode"] = "[ReactivePower]" if s0["eventCode"] == "[ActivePower]" else "[ActivePower]"


def _duplicate_reference(p: Payload, ctx: dict[str, Any]) -> None:
    p["CommonBlock"]["S1"]["senderUniqueReference"] = ctx["previous_reference"]


def _bad_reference(p: Payload, ctx: dict[str, Any]) -> None:
    s1 = p["CommonBlock"]["S1"]
    parts = s1["senderUniqueReference"].split("-")
    parts[-3] = parts[-3].lower()  # the role must be upper case
    s1["senderUniqueReference"] = "-".join(parts)


def _bad_env_tag(p: Payload, ctx: dict[str, Any]) -> None:
    p["CommonBlock"]["S1"]["environmentTag"] = "PROD"


def _bad_timestamp(p: Payload, ctx: dict[str, Any]) -> None:
    s1 = p["CommonBlock"]["S1"]
    s1["senderTimestamp"] = s1["senderTimestamp"][:19] + "Z"


def _read(p: Payload) -> dict[str, Any]:
    return p["CustomBlock"]["B064List"][0]


def _register_mismatch(p: Payload, ctx: dict[str, Any]) -> None:
    read = _read(p)
    whole, frac = read["cumulativeRegisterReading"].split(".")
    value = int(whole) * 1000 + int(frac)
    value = value - 10_000 if value >= 10_000 else value + 10_000
    read["cumulativeRegisterReading"] = f"{value // 1000}.{value % 1000:03d}"


def _reading_format(p: Payload, ctx: dict[str, Any]) -> None:
    read = _read(p)
    read["cumulativeRegisterReading"] = read["cumulativeRegisterReading"][:-1]  # two decimal places


def _reading_method(p: Payload, ctx: dict[str, Any]) -> None:
    _read(p)["readingMethod"] = "X"


def _method_event(p: Payload, ctx: dict[str, Any]) -> None:
    event = p["CommonBlock"]["S0"]["eventCode"]
    allowed = codes.EVENT_METHODS[event]
    _read(p)["readingMethod"] = next(m for m in codes.READING_METHODS if m not in allowed)


def _meter_id(p: Payload, ctx: dict[str, Any]) -> None:
    _read(p)["meterID"] = _read(p)["meterID"] + "X"  # 11 characters


def _missing_svcc(p: Payload, ctx: dict[str, Any]) -> None:
    del _read(p)["siteVisitCheckCode"]


_BOTH = ("IF-021", "IF-041")
_21 = ("IF-021",)
_41 = ("IF-041",)
CASES: dict[str, Case] = {
    c.name: c
    for c in (
        Case(
            "bad-check-digit",
            _BOTH,
            "rule",
            "mpan-check-digit",
            "MPAN core with a wrong check digit",
            _bad_check_digit,
        ),
        Case(
            "gsp-mismatch", _BOTH, "rule", "distributor-gsp", "GSP group not the distributor's", _gsp_mismatch
        ),
        Case(
            "duplicate-reference",
            _BOTH,
            "rule",
            "unique-reference",
            "senderUniqueReference of the previous message",
            _duplicate_reference,
        ),
        Case(
            "bad-reference-format",
            _BOTH,
            "schema",
            None,
            "senderUniqueReference off the DT-995 pattern (lower-case role)",
            _bad_reference,
        ),
        Case("bad-env-tag", _BOTH, "schema", None, "environmentTag not in DT-013 (PROD)", _bad_env_tag),
        Case(
            "bad-timestamp",
            _BOTH,
            "schema",
            None,
            "senderTimestamp in the short Z form, not the 25-character DT-003",
            _bad_timestamp,
        ),
        Case(
            "47-periods", _21, "rule", "utc-day-periods", "a UTC settlement day with 47 periods", _drop_period
        ),
        Case(
            "49-periods",
            _21,
            "schema",
            None,
            "a settlement day with 49 periods (B901 allows 48)",
            _extra_period,
        ),
        Case(
            "sp-period-start",
            _21,
            "rule",
            "sp-period-end",
            "sp is the period start, not its end",
            _period_start,
        ),
        Case(
            "duplicate-period",
            _21,
            "rule",
            "unique-period",
            "the same period twice in a day",
            _duplicate_period,
        ),
        Case(
            "value-format",
            _21,
            "schema",
            None,
            "a consumption value with four decimal places, not (9,3)",
            _value_format,
        ),
        Case("negative-consumption", _21, "rule", "non-negative", "a negative consumption value", _negative),
        Case(
            "quality-reason-mismatch",
            _21,
            "rule",
            "quality-reason",
            "actual quality flag with an estimation reason",
            _quality_reason,
        ),
        Case("unknown-quality-flag", _21, "schema", None, "a quality flag not in DI-083", _unknown_quality),
        Case("missing-field", _21, "schema", None, "a period without its required arc field", _missing_arc),
        Case(
            "period-duration", _21, "schema", None, "periodDuration 15 (DI-081 requires 30)", _period_duration
        ),
        Case(
            "wrong-event-code",
            _21,
            "rule",
            "event-quantity",
            "eventCode for the other kind of power",
            _wrong_event,
        ),
        Case(
            "register-mismatch",
            _41,
            "rule",
            "register-consistency",
            "reading 10 kWh off the consumption",
            _register_mismatch,
        ),
        Case(
            "reading-format",
            _41,
            "schema",
            None,
            "a register reading with two decimal places",
            _reading_format,
        ),
        Case("bad-reading-method", _41, "schema", None, "readingMethod not in DI-094", _reading_method),
        Case(
            "method-event-mismatch",
            _41,
            "rule",
            "event-method",
            "a reading method the event code does not allow",
            _method_event,
        ),
        Case(
            "meter-id-too-long", _41, "schema", None, "meterID of 11 characters (DT-029 allows 10)", _meter_id
        ),
        Case(
            "missing-site-visit-code",
            _41,
            "schema",
            None,
            "a reading without siteVisitCheckCode",
            _missing_svcc,
        ),
    )
}


def for_interface(interface: str) -> list[str]:
    return [name for name, c in CASES.items() if interface in c.interfaces]


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a well-spread 64-bit hash of each element."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def choose(seed: int, keys: np.ndarray, share: float, ncases: int) -> tuple[np.ndarray, np.ndarray]:
    """Which messages (by message number) get a case, and a pseudo-random pick for each."""
    with np.errstate(over="ignore"):
        h = _mix(keys.astype(np.uint64) ^ _mix(np.array([seed], np.uint64))[0])
    chosen = (h >> np.uint64(11)).astype(np.float64) / float(1 << 53) < share
    pick = _mix(h)
    return chosen, (pick % np.uint64(max(1, ncases) * 9973)).astype(np.int64)
