"""Code lists of the DIP specification (v2.1.0) used by the generator, and Busbar's consistency rules.

Enumerations are copied from the schemas in the Elexon DIP API documentation (see ``docs/datagen.md``); the
schema tests check every generated message against the schemas themselves, so a drift here shows up there.

The schema does not say which settlement-period quality flag goes with which estimation reason: that is
Busbar's reading of the code descriptions, written down in :data:`QUALITY_REASONS` and enforced by
:mod:`busbar.datagen.rules`.
"""

from __future__ import annotations

# DI-052 Measurement Quantity ID.
QUANTITIES = ("AI", "AE", "RI", "RE")
ACTIVE = ("AI", "AE")
# IF-021 S0 eventCode by measurement quantity.
IF021_EVENT = {"AI": "[ActivePower]", "AE": "[ActivePower]", "RI": "[ReactivePower]", "RE": "[ReactivePower]"}

# DT-013 Environment Tag.
ENV_TAGS = ("PRD", "SITB", "SIT", "UIT", "DEV")

# DI-015 Connection Type Indicator.
CONNECTION_TYPES = ("W", "L", "H", "E", "U")

# DI-083 Settlement Period Quality Indicator (full enumeration, in schema order).
QUALITY_FLAGS = (
    "A", "E", "E0", "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "ZE", "ZE1", "ZE2", "ZE3",
    "A1", "A2", "A3", "AAE1", "AAE2", "AAE3", "EAE1", "EAE2", "EAE3",
    "EA1", "EA2", "EA3", "EA4", "EA5", "EA6", "EA7", "EA8", "EA9", "EA10", "EA11", "EA12", "EA13",
)  # fmt: skip

# DI-076 Estimation Reason Code (nullable).
REASONS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10")
REASON_NAMES = {
    "1": "OptOut", "2": "Missing", "3": "Invalid", "4": "CommsFault", "5": "LTV", "6": "Disabled",
    "7": "De-Energised", "8": "Disconnected", "9": "Consumption Amendment", "10": "NonSmart",
}  # fmt: skip

# Busbar's consistency rule between quality flag and estimation reason (None = reason must be null).
_ACTUAL = ("A", "A1", "A2", "A3", "AAE1", "AAE2", "AAE3")
_ESTIMATE_REASONS = frozenset({"1", "2", "3", "4", "9", "10"})
QUALITY_REASONS: dict[str, frozenset[str | None]] = {q: frozenset({None}) for q in _ACTUAL}
for _q in QUALITY_FLAGS:
    if _q.startswith("E"):
        QUALITY_REASONS[_q] = _ESTIMATE_REASONS
QUALITY_REASONS.update(
    {
        "ZE": frozenset({"7", "8"}),  # zero advance: de-energised or disconnected
        "ZE1": frozenset({"2", "4"}),  # no period data and no advance
        "ZE2": frozenset({"5"}),  # long-term vacant
        "ZE3": frozenset({"6"}),  # meter disabled
    }
)
ZERO_FLAGS = frozenset({"ZE", "ZE1", "ZE2", "ZE3"})
assert set(QUALITY_REASONS) == set(QUALITY_FLAGS)

# Codes the generator itself uses, as small integers into QUALITY_FLAGS / (None,) + REASONS.
Q_INDEX = {q: i for i, q in enumerate(QUALITY_FLAGS)}
E_INDEX = {None: 0, **{r: i + 1 for i, r in enumerate(REASONS)}}

# DI-094 Reading Method.
READING_METHODS = ("A", "C", "E", "S")
# IF-041 S0 eventCode.
IF041_EVENTS = (
    "[ReadingRemote]", "[ReadingRemv]", "[ReadingInstl]", "[ReadingEnergisationChg]", "[ReadingCOR]",
    "[ReadingOnSite]", "[ReadingCOS]", "[DSEstimate]", "[SupplierAgreedCOS]", "[ReadingOverride]",
)  # fmt: skip
# Busbar's rule: the reading methods each event code may carry.
EVENT_METHODS = {
    "[ReadingRemote]": frozenset({"A"}),
    "[ReadingOnSite]": frozenset({"A"}),
    "[DSEstimate]": frozenset({"E"}),
    "[SupplierAgreedCOS]": frozenset({"S", "C", "A"}),
    "[ReadingCOS]": frozenset({"A", "C", "E", "S"}),
    "[ReadingCOR]": frozenset({"A", "C", "E", "S"}),
    "[ReadingOverride]": frozenset({"A", "C", "E", "S"}),
    "[ReadingRemv]": frozenset({"A", "C"}),
    "[ReadingInstl]": frozenset({"A", "C"}),
    "[ReadingEnergisationChg]": frozenset({"A", "C"}),
}
# DI-096 Site Visit Check Code values the generator uses.
SITE_OCCUPIED = "01"

# Market segment (DI-050) to the data service role that sends IF-021/IF-041.
SEGMENT_ROLE = {"S": "SDS", "A": "ADS", "U": "UMSDS"}
