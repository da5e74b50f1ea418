"""The straightforward way to generate IF-021 test data, kept as the benchmark's point of comparison.

Each message is built as nested Python dicts and serialised with ``json.dumps``, one at a time, in a single
process, with values from the ``random`` module. It produces the same message structure as
``busbar datagen if021`` (schema-valid; see the benchmark README) but none of its realism options.

    python bench/datagen/naive.py --mpans 100000 --from 2025-10-26 --days 1 --out /tmp/naive.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
import time

PRIMES = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)
GSP = {"10": "_A", "11": "_B", "12": "_C", "13": "_D", "14": "_E", "15": "_F", "16": "_G",
       "17": "_P", "18": "_N", "19": "_J", "20": "_H", "21": "_K", "22": "_L", "23": "_M"}  # fmt: skip


def mpan_core(rng: random.Random) -> str:
    first12 = rng.choice(list(GSP)) + "".join(str(rng.randrange(10)) for _ in range(10))
    check = sum(int(c) * p for c, p in zip(first12, PRIMES, strict=True)) % 11 % 10
    return first12 + str(check)


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def message(rng: random.Random, core: str, day: dt.date, seq: int) -> dict:
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    sent = start + dt.timedelta(days=1, hours=1)
    periods = []
    for p in range(1, 49):
        hour = (p - 0.5) / 2
        mean = 0.15 + 0.2 * math.exp(-0.5 * ((hour - 18.5) / 2) ** 2)
        periods.append(
            {
                "sp": iso(start + dt.timedelta(minutes=30 * p)),
                "v": f"{mean * rng.lognormvariate(0, 0.3):.3f}",
                "q": "A",
                "e": None,
                "arc": None,
            }
        )
    return {
        "payload": {
            "CommonBlock": {
                "S0": {"interfaceID": "IF-021", "schemaVersion": "011", "eventCode": "[ActivePower]"},
                "S1": {
                    "environmentTag": "DEV",
                    "subText": "naive",
                    "senderUniqueReference": f"S-IF-021-9000000001-SDS-{sent:%Y%m%d}-{seq:012x}",
                    "senderTimestamp": iso(sent),
                    "senderDIPID": "9000000001",
                    "senderRoleID": "SDS",
                    "senderCorrelationID": None,
                    "DIPConnectionProviderID": None,
                },
                "M0": {
                    "MPANCore": core,
                    "distributorDIPID": "90000000" + core[:2],
                    "GSPGroupID": GSP[core[:2]],
                },
            },
            "CustomBlock": {
                "B044": {"issuingDataServiceDIPID": "9000000001"},
                "B067": {
                    "connectionTypeIndicator": "W",
                    "connectionTypeEffectiveFromDate": "2020-01-01T00:00:00+00:00",
                },
                "B900": {
                    "MQID": {"measurementQuantityID": "AI"},
                    "settlementDayConsumptionPeriods": [
                        {
                            "settlementDay": {"settlementDayDate": iso(start), "periodDuration": 30},
                            "consumptionPeriods": periods,
                        }
                    ],
                },
            },
        }
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mpans", type=int, default=1000)
    ap.add_argument("--from", dest="start", type=dt.date.fromisoformat, default=dt.date(2025, 10, 26))
    ap.add_argument("--days", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    cores = [mpan_core(rng) for _ in range(args.mpans)]
    t0 = time.perf_counter()
    seq = 0
    with open(args.out, "w", encoding="utf-8") as out:
        for d in range(args.days):
            day = args.start + dt.timedelta(days=d)
            for core in cores:
                out.write(json.dumps([message(rng, core, day, seq)], separators=(",", ":")) + "\n")
                seq += 1
    elapsed = time.perf_counter() - t0
    print(f"naive: {seq} messages in {elapsed:.2f} s = {seq / elapsed:,.0f} msg/s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
