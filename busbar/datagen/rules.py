"""Market rules the DIP schema does not express, checked on parsed messages.

The generator keeps these by construction; the negative test cases in :mod:`busbar.datagen.invalid` break
them on purpose; participants' systems should reject what breaks them. Rules:

``mpan-check-digit``      the MPAN core's check digit is right
``distributor-gsp``       M0 distributor, GSP group and the MPAN's distributor ID agree
``unique-reference``      no senderUniqueReference is used twice
``utc-day-periods``       an IF-021 UTC settlement day has 48 periods
``sp-period-end``         each sp is the end of a half-hour of its settlement day
``unique-period``         no period appears twice in a day
``non-negative``          consumption values are not negative
``quality-reason``        quality flag and estimation reason agree (codes.QUALITY_REASONS); ZE* means 0 kWh
``event-quantity``        IF-021 eventCode matches the measurement quantity
``event-method``          IF-041 readingMethod is one the event code allows (codes.EVENT_METHODS)
``register-consistency``  register(t) - register(opening) = IF-021 consumption in between
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from . import codes, mpan


@dataclass(frozen=True)
class Violation:
    rule: str
    reference: str | None
    detail: str


@lru_cache(maxsize=65_536)
def _instant(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp())


def _milli(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    whole, _, frac = text.lstrip("-").partition(".")
    return sign * (int(whole) * 1000 + int(frac.ljust(3, "0")[:3]))


def check_message(payload: dict[str, Any]) -> list[Violation]:
    """Rule violations in one message payload (not the cross-message rules)."""
    common = payload["CommonBlock"]
    ref = common.get("S1", {}).get("senderUniqueReference")
    out: list[Violation] = []

    def bad(rule: str, detail: str) -> None:
        out.append(Violation(rule, ref, detail))

    m0 = common.get("M0", {})
    core = m0.get("MPANCore", "")
    if not mpan.is_valid_core(core):
        bad("mpan-check-digit", f"MPAN {core}")
    dist = mpan.distributor_of(core)
    gsp = m0.get("GSPGroupID")
    if dist is not None and (gsp != dist.gsp_group or m0.get("distributorDIPID") != dist.dip_id):
        bad("distributor-gsp", f"MPAN {core} is in {dist.gsp_group} ({dist.dip_id}), message says {gsp}")
    interface = common["S0"].get("interfaceID")
    if interface == "IF-021":
        b900 = payload["CustomBlock"]["B900"]
        mq = b900["MQID"]["measurementQuantityID"]
        if codes.IF021_EVENT.get(mq) != common["S0"].get("eventCode"):
            bad("event-quantity", f"{common['S0'].get('eventCode')} for {mq}")
        for day in b900["settlementDayConsumptionPeriods"]:
            start = _instant(day["settlementDay"]["settlementDayDate"])
            periods = day["consumptionPeriods"]
            if len(periods) != 48:
                bad(
                    "utc-day-periods",
                    f"{day['settlementDay']['settlementDayDate']} has {len(periods)} periods",
                )
            ends = [_instant(p["sp"]) for p in periods]
            if any((e - start) % 1800 or not 0 < e - start <= 86_400 for e in ends):
                bad(
                    "sp-period-end",
                    f"sp outside the half-hour ends of {day['settlementDay']['settlementDayDate']}",
                )
            if len(set(ends)) != len(ends):
                bad("unique-period", "the same sp twice")
            for p in periods:
                value = (
                    _milli(p["v"]) if isinstance(p.get("v"), str) and p["v"].lstrip("-")[:1].isdigit() else 0
                )
                if value < 0:
                    bad("non-negative", f"v {p['v']} at {p['sp']}")
                q, e = p.get("q"), p.get("e")
                if q in codes.QUALITY_REASONS and e not in codes.QUALITY_REASONS[q]:
                    bad("quality-reason", f"quality {q} with reason {e} at {p['sp']}")
                if q in codes.ZERO_FLAGS and value != 0:
                    bad("quality-reason", f"zero flag {q} with v {p['v']} at {p['sp']}")
    elif interface == "IF-041":
        event = common["S0"].get("eventCode")
        for read in payload["CustomBlock"].get("B064List", []):
            if read.get("readingMethod") not in codes.EVENT_METHODS.get(event, frozenset()):
                bad("event-method", f"readingMethod {read.get('readingMethod')} with {event}")
    return out


@dataclass
class Checker:
    """Checks messages one by one, and the rules that need several: references and register consistency."""

    references: dict[str, int] = field(default_factory=dict)
    consumption: dict[str, dict[int, int]] = field(default_factory=dict)  # MPAN -> period end -> Wh (active)
    reads: dict[tuple[str, str], list[tuple[int, int, str | None]]] = field(default_factory=dict)
    count: int = 0

    def add(self, payload: dict[str, Any]) -> list[Violation]:
        self.count += 1
        out = check_message(payload)
        common = payload["CommonBlock"]
        ref = common.get("S1", {}).get("senderUniqueReference")
        if ref in self.references:
            out.append(Violation("unique-reference", ref, f"also message {self.references[ref]}"))
        else:
            self.references[ref] = self.count
        core = common.get("M0", {}).get("MPANCore", "")
        if common["S0"].get("interfaceID") == "IF-021":
            b900 = payload["CustomBlock"]["B900"]
            if b900["MQID"]["measurementQuantityID"] in codes.ACTIVE:
                series = self.consumption.setdefault(core, {})
                for day in b900["settlementDayConsumptionPeriods"]:
                    for p in day["consumptionPeriods"]:
                        series[_instant(p["sp"])] = _milli(p["v"])
        else:
            for read in payload["CustomBlock"].get("B064List", []):
                at = _instant(read["cumulativeRegisterReadingDateTime"])
                key = (core, read["meterID"])
                self.reads.setdefault(key, []).append((at, _milli(read["cumulativeRegisterReading"]), ref))
        return out

    def registers(self) -> tuple[list[Violation], int]:
        """Register readings that disagree with the IF-021 consumption, and how many readings were checked.

        Each reading is compared with the meter's first (opening) reading plus all IF-021 periods in
        between; readings with any of those periods missing are not checked.
        """
        out: list[Violation] = []
        checked = 0
        for (core, meter), reads in self.reads.items():
            series = self.consumption.get(core)
            if not series:
                continue
            reads = sorted(reads)
            t0, r0, _ = reads[0]
            for t, r, ref in reads[1:]:
                ends = range(t0 + 1800, t + 1, 1800)
                if any(e not in series for e in ends):
                    continue
                checked += 1
                expected = r0 + sum(series[e] for e in ends)
                if r != expected:
                    out.append(
                        Violation("register-consistency", ref, f"{core}/{meter}: {r} Wh, expected {expected}")
                    )
        return out, checked
