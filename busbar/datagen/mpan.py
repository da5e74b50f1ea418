"""MPAN cores: check digits, the GB distribution areas and synthetic but well-formed cores.

An MPAN core is 13 digits: a 2-digit distributor ID, a 10-digit unique number and a check digit. The check
digit is the sum of the first twelve digits weighted by the primes 3, 5, 7, 13 ... 43, modulo 11, modulo 10.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PRIMES = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)
_PRIMES = np.array(PRIMES, dtype=np.int64)


@dataclass(frozen=True)
class Distributor:
    id: str  # 2-digit distributor ID: the first two digits of the MPAN core
    mpid: str
    area: str
    gsp_group: str  # DI-037 GSP Group ID
    dip_id: str  # synthetic 10-digit DIP participant ID used for M0.distributorDIPID
    weight: float  # rough share of GB metering points (millions), used to spread the portfolio


# The fourteen GB distribution network operator areas. IDNOs (IDs 24 and up) operate across GSP groups and
# are not generated. DIP IDs are synthetic test identifiers: the real ones are not published.
DISTRIBUTORS: tuple[Distributor, ...] = tuple(
    Distributor(i, m, a, g, f"90000000{i}", w)
    for i, m, a, g, w in (
        ("10", "EELC", "Eastern", "_A", 3.6),
        ("11", "EMEB", "East Midlands", "_B", 2.6),
        ("12", "LOND", "London", "_C", 2.3),
        ("13", "MANW", "Merseyside and North Wales", "_D", 1.5),
        ("14", "MIDE", "West Midlands", "_E", 2.5),
        ("15", "NEEB", "North East", "_F", 1.6),
        ("16", "NORW", "North West", "_G", 2.4),
        ("17", "HYDE", "North Scotland", "_P", 0.8),
        ("18", "SPOW", "South Scotland", "_N", 2.0),
        ("19", "SEEB", "South East", "_J", 2.3),
        ("20", "SOUT", "Southern", "_H", 3.0),
        ("21", "SWAE", "South Wales", "_K", 1.1),
        ("22", "SWEB", "South West", "_L", 1.6),
        ("23", "YELG", "Yorkshire", "_M", 2.3),
    )
)
BY_ID = {d.id: d for d in DISTRIBUTORS}
GSP_BY_DIP_ID = {d.dip_id: d.gsp_group for d in DISTRIBUTORS}


def check_digit(first12: str) -> int:
    """The check digit for the first twelve digits of an MPAN core."""
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError(f"need 12 digits, got {first12!r}")
    return sum(int(c) * p for c, p in zip(first12, PRIMES, strict=True)) % 11 % 10


def is_valid_core(core: str) -> bool:
    """True when ``core`` is 13 ASCII digits whose last digit is the right check digit."""
    return len(core) == 13 and core.isascii() and core.isdigit() and check_digit(core[:12]) == int(core[12])


def distributor_of(core: str) -> Distributor | None:
    return BY_ID.get(core[:2])


def make_cores(dist_index: np.ndarray, body: np.ndarray) -> np.ndarray:
    """MPAN cores as an (n, 13) array of ASCII bytes from distributor indexes and 10-digit bodies."""
    n = len(body)
    digits = np.empty((n, 13), dtype=np.int64)
    dist_ids = np.array([int(d.id) for d in DISTRIBUTORS], dtype=np.int64)[dist_index]
    digits[:, 0] = dist_ids // 10
    digits[:, 1] = dist_ids % 10
    b = body.astype(np.int64)
    for k in range(11, 1, -1):
        digits[:, k] = b % 10
        b = b // 10
    digits[:, 12] = (digits[:, :12] @ _PRIMES) % 11 % 10
    return (digits + ord("0")).astype(np.uint8)


# A multiplier coprime with 10**10 makes ``index -> body`` a bijection, so cores never repeat in a run.
_BODY_MULTIPLIER = 2_718_281_829
BODY_MODULUS = 10**10


MAX_METERS = 100_000_000  # keeps ``index * multiplier`` inside int64


def bodies(index: np.ndarray, offset: int) -> np.ndarray:
    """Distinct 10-digit bodies for distinct meter indexes (below :data:`MAX_METERS`)."""
    return (index.astype(np.int64) * _BODY_MULTIPLIER + offset % BODY_MODULUS) % BODY_MODULUS
