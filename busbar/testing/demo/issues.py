"""The demo's 25 testing issues, one or more in every state, and Kestrel's nightly JUnit file."""

from __future__ import annotations

from busbar.testing.demo.data import DA, HARRY, NOAH, OLIVIA, PM, SI, ZARA

# -- testing issues ------------------------------------------------------------------------------------
# Each: the participant and scenario it was raised from, the day the failing execution ran, who raised it
# (an email, or "si" for the SI on a participant's behalf), summary, description, then the steps of its
# life: (day, verb, who, {arguments}). Verbs: triage, start_fix, ready, retest (a new execution passed or
# failed), escalate, determine, exclude, accept, withdraw, update (a conversation entry).


def _t(category, root_cause, owner, reason=""):
    return {"category": category, "root_cause": root_cause, "owner": owner, "reason": reason}


ISSUES = [
    # -- closed after a retest ---------------------------------------------------------------------------
    dict(
        org="brightwater",
        scenario="SF-CON-01",
        day=3,
        by=OLIVIA,
        evidence="if021",
        summary="IF-021 rejected: settlement period ends sent in local time, not UTC",
        description="Meterwise's IF-021 for MPAN 1012345678901 on the first SIT day is rejected by our "
        "inbound validation: the period timestamps are in local time (BST), so the first period ends at "
        "00:30+01:00 instead of 23:30Z the day before. Message file and our rejection log attached.",
        life=[
            (3, "triage", SI, _t(2, "system_defect", "meterwise", "Agent-side defect: UTC conversion")),
            (
                4,
                "update",
                HARRY,
                {"body": "Confirmed: our serialiser used the local zone. Fix in build 4.2.7."},
            ),
            (4, "start_fix", HARRY, {"note": "Fix in build 4.2.7"}),
            (8, "ready", HARRY, {"note": "4.2.7 deployed to SIT-A"}),
            (9, "retest", OLIVIA, {"result": "passed", "notes": "All 48 periods accepted after 4.2.7"}),
        ],
    ),
    dict(
        org="kestrel",
        scenario="SF-REG-09",
        day=6,
        by=NOAH,
        summary="Losing supplier not notified on change of supplier when an export MPAN is linked",
        description="Change of supplier on an import MPAN with a linked export MPAN: the gaining supplier "
        "gets IF-001, but we (losing) receive nothing for either MPAN.",
        life=[
            (7, "triage", SI, _t(2, "system_defect", "eastern-dn", "Registration service notification rule")),
            (
                8,
                "update",
                "mprs@easterndn.example",
                {"body": "Reproduced. The related-MPAN path skips the losing-supplier notification."},
            ),
            (8, "start_fix", "mprs@easterndn.example", {}),
            (15, "ready", "mprs@easterndn.example", {"note": "Patch 7.3.1 in SIT-A"}),
            (16, "retest", NOAH, {"result": "passed"}),
        ],
    ),
    dict(
        org="meterwise",
        scenario="SF-CON-06",
        day=9,
        by=HARRY,
        summary="Register readings dropped when the meter ID has leading zeros",
        description="Readings for meter 0004417789 never reach Brightwater. The Data Generator file we used "
        "has the meter ID as 4417789.",
        life=[
            (
                10,
                "triage",
                SI,
                _t(
                    3,
                    "test_data",
                    "systems-integrator",
                    "Test data: the Data Generator run stripped leading zeros",
                ),
            ),
            (10, "update", SI, {"body": "Regenerating the SIT-A reading set with meter IDs as text."}),
            (10, "start_fix", SI, {}),
            (12, "ready", SI, {"note": "New reading set published to the SIT-A share"}),
            (13, "retest", HARRY, {"result": "passed"}),
        ],
    ),
    dict(
        org="eastern-dn",
        scenario="SF-REG-04",
        day=4,
        by="mprs@easterndn.example",
        summary="Appointment request routed to the wrong DIP participant ID",
        description="IF-033 to Meterwise arrives at Halfhour Data's endpoint in SIT-A.",
        life=[
            (
                5,
                "triage",
                SI,
                _t(3, "environment", "systems-integrator", "Environment: SIT-A DIP routing table is stale"),
            ),
            (5, "start_fix", SI, {}),
            (6, "ready", SI, {"note": "Routing table reloaded from the participant register"}),
            (7, "retest", "mprs@easterndn.example", {"result": "passed"}),
        ],
    ),
    dict(
        org="greenfield",
        scenario="SF-CON-06",
        day=16,
        by="supplier@greenfield.example",
        summary="Readings with method 'S' shown as estimated in the supplier's view",
        description="Smart readings (method S) from Solent appear in our billing feed flagged as estimated.",
        life=[
            (
                17,
                "triage",
                SI,
                _t(3, "system_defect", "greenfield", "Supplier-side mapping of reading method"),
            ),
            (17, "start_fix", "supplier@greenfield.example", {}),
            (23, "ready", "supplier@greenfield.example", {"note": "Mapping corrected in release 12.4"}),
            (24, "retest", "supplier@greenfield.example", {"result": "passed"}),
        ],
    ),
    # -- excluded ------------------------------------------------------------------------------------------
    dict(
        org="beacon-unmetered",
        scenario="SF-SET-01",
        day=18,
        by=SI,
        summary="Load shape periods missing for the clock-change settlement day",
        description="No IF-022 period data for the spring clock-change day in SIT-B.",
        life=[
            (19, "triage", SI, _t(4, "test_specification", "systems-integrator")),
            (
                20,
                "exclude",
                SI,
                {
                    "reason": "Clock-change load shapes are covered by SIT Non-functional; the "
                    "SIT-B calendar has no clock change. Excluded from SIT Functional results."
                },
            ),
        ],
    ),
    dict(
        org="northern-dn",
        scenario="SF-REG-16",
        day=20,
        by="mprs@northerndn.example",
        summary="Change of connection type not notified for CT meters",
        description="IF-043 is not sent when a whole-current meter is replaced with a CT meter.",
        life=[
            (
                21,
                "triage",
                SI,
                _t(
                    3,
                    "test_specification",
                    "systems-integrator",
                    "The scenario assumes CT conversions, which SIT-B data does not hold",
                ),
            ),
            (
                22,
                "exclude",
                SI,
                {
                    "reason": "CT connection changes move to SIT Migration's scenario set; "
                    "agreed at the weekly test management call."
                },
            ),
        ],
    ),
    # -- accepted with a workaround --------------------------------------------------------------------------
    dict(
        org="halfhour-data",
        scenario="SF-CON-10",
        day=11,
        by=ZARA,
        pass_after=20,
        summary="Replay of more than 14 days of historic consumption times out",
        description="IF-015 replay requests over 14 days for advanced sites time out after 120 s.",
        life=[
            (12, "triage", SI, _t(3, "system_defect", "halfhour-data")),
            (
                19,
                "accept",
                SI,
                {
                    "workaround": "Ask for replays in windows of at most 7 days until release "
                    "2.3 (planned for SIT Operational).",
                    "reason": "Low settlement impact; a fix is planned and the workaround is "
                    "cheap for suppliers.",
                },
            ),
        ],
    ),
    dict(
        org="northern-lights",
        scenario="SF-CON-12",
        day=19,
        by="supplier@northernlights.example",
        summary="Amendment request for a closed settlement date is accepted instead of rejected",
        description="IF-027 for a settlement date after final reconciliation gets a positive IF-028.",
        life=[
            (20, "triage", SI, _t(4, "system_defect", "pennine-metering")),
            (
                21,
                "escalate",
                SI,
                {
                    "reason": "Supplier and agent read the amendment rules differently; needs a "
                    "programme ruling."
                },
            ),
            (
                26,
                "determine",
                PM,
                {
                    "outcome": "accepted",
                    "reason": "No settlement impact in SIT; the reconciliation window is enforced centrally.",
                    "workaround": "Suppliers do not request amendments past final "
                    "reconciliation; the agent's rule is fixed in its next release.",
                },
            ),
        ],
    ),
    # -- withdrawn -------------------------------------------------------------------------------------------
    dict(
        org="meterwise",
        scenario="SF-REG-13",
        day=5,
        by=HARRY,
        pass_after=6,
        summary="Energisation change notification not received",
        description="No IF-008 after Brightwater's de-energisation request.",
        life=[
            (6, "withdraw", HARRY, {"reason": "Our DIP subscription filter excluded IF-008. Not a defect."}),
        ],
    ),
    dict(
        org="solent-data",
        scenario="SF-CON-01",
        day=15,
        by=SI,
        pass_after=17,
        summary="Duplicate IF-021 messages received by the supplier",
        description="Greenfield reports each day's consumption arriving twice from Solent.",
        life=[
            (16, "triage", SI, _t(4, "test_execution", "solent-data", "Test execution: harness replayed")),
            (
                17,
                "withdraw",
                SI,
                {"reason": "Solent's test harness sent each file twice; test execution error, not a defect."},
            ),
        ],
    ),
    # -- open: new -----------------------------------------------------------------------------------------
    dict(
        org="meterwise",
        scenario="SF-REG-08",
        day=40,
        by=HARRY,
        summary="Outgoing data service not told its appointment ended when the new one starts the same day",
        description="Same-day change of agent: no IF-037 to us as the outgoing data service.",
        life=[],
    ),
    dict(
        org="beacon-unmetered",
        scenario="SF-CON-16",
        day=39,
        by=SI,
        summary="Direct contract advisory response times out at the DIP",
        description="IF-039 from Beacon is held at the DIP for 30 minutes then expires.",
        life=[],
    ),
    dict(
        org="harbour",
        scenario="SF-REG-01",
        day=40,
        by="supplier@harbour.example",
        summary="Appointment request refused: supplier not set up in the SIT-B participant register",
        description="Our first IF-031 in SIT-B is refused: sender MPID HRBS unknown.",
        life=[
            (41, "update", SI, {"body": "Harbour entered in the grace period; register update requested."})
        ],
    ),
    # -- open: triaged -------------------------------------------------------------------------------------
    dict(
        org="electralink",
        scenario="SF-DTN-03",
        day=14,
        by="resolver@electralink.example",
        summary="Queued flows delivered out of order after a DTN gateway failover",
        description="After the planned failover, 12 of 300 queued flows arrive out of sequence.",
        life=[
            (
                15,
                "triage",
                SI,
                _t(
                    2,
                    "environment",
                    "electralink",
                    "Gateway failover in the SIT environment; not seen in production",
                ),
            )
        ],
    ),
    dict(
        org="greenfield",
        scenario="SF-REG-10",
        day=30,
        by="supplier@greenfield.example",
        summary="Domestic premises indicator update not applied at the registration service",
        description="IF-002 accepted, but the registration record keeps the old indicator.",
        life=[(31, "triage", SI, _t(3, "system_defect", "northern-dn"))],
    ),
    # -- open: in fix --------------------------------------------------------------------------------------
    dict(
        org="halfhour-data",
        scenario="SF-CON-03",
        day=22,
        by=ZARA,
        summary="Estimation reason sent with actual reads (q=A, e=3)",
        description="Periods with quality A also carry estimation reason 3, which the supplier rejects.",
        life=[
            (23, "triage", SI, _t(2, "system_defect", "halfhour-data")),
            (24, "start_fix", ZARA, {"note": "Fix in the next sprint"}),
            (30, "update", ZARA, {"body": "Fix built; waiting for the SIT-A deployment window."}),
        ],
    ),
    dict(
        org="northern-lights",
        scenario="SF-CON-02",
        day=12,
        by="supplier@northernlights.example",
        summary="Export consumption rejected: AE not allowed for the MPAN",
        description="IF-021 with measurement quantity AE is rejected for every export MPAN in SIT-B.",
        life=[
            (
                13,
                "triage",
                SI,
                _t(
                    1,
                    "test_data",
                    "northern-dn",
                    "Test data: export MPANs in the SIT-B data cut are not flagged as export",
                ),
            ),
            (14, "start_fix", "mprs@northerndn.example", {"note": "New data cut being prepared"}),
            (
                28,
                "update",
                "mprs@northerndn.example",
                {"body": "Data cut needs a DPIA update before extraction; expected in two weeks."},
            ),
        ],
    ),
    dict(
        org="greenfield",
        scenario="SF-CON-11",
        day=27,
        by="supplier@greenfield.example",
        summary="Replayed consumption lacks the replay indicator",
        description="IF-016 from Solent arrives without the replay flag, so we treat it as new data.",
        life=[
            (28, "triage", SI, _t(2, "system_defect", "solent-data")),
            (29, "start_fix", SI, {}),
        ],
    ),
    # -- open: ready for retest ----------------------------------------------------------------------------
    dict(
        org="lamplight-ums",
        scenario="SF-CON-05",
        day=20,
        by=SI,
        summary="UMS consumption rounded to 2 decimal places; 3 are required",
        description="Calculated half-hourly values are sent as 12.35 instead of 12.346.",
        life=[
            (21, "triage", SI, _t(3, "system_defect", "lamplight-ums")),
            (22, "start_fix", SI, {}),
            (38, "ready", SI, {"note": "Lamplight deployed 3.0.2 to SIT-A"}),
        ],
    ),
    dict(
        org="pennine-metering",
        scenario="SF-CON-09",
        day=25,
        by=SI,
        summary="Rejection message omits the failing data item's path",
        description="IF-014 says the message is invalid but not which item failed.",
        life=[
            (26, "triage", SI, _t(4, "system_defect", "pennine-metering")),
            (27, "start_fix", SI, {}),
            (36, "ready", SI, {"note": "Pennine build 1.9 in SIT-B"}),
        ],
    ),
    # -- open: escalated to the programme manager ----------------------------------------------------------
    dict(
        org="brightwater",
        scenario="SF-REG-17",
        day=24,
        by=OLIVIA,
        summary="Reminder sent after 2 working days instead of 5",
        description="IF-045 reminders for unanswered appointment requests arrive after 2 working days.",
        life=[
            (25, "triage", SI, _t(3, "test_specification", "systems-integrator")),
            (26, "update", OLIVIA, {"body": "Our reading of the design is 5 working days."}),
            (
                27,
                "escalate",
                SI,
                {
                    "reason": "Participants and the registration services read the reminder "
                    "timer two ways; needs a programme ruling."
                },
            ),
        ],
    ),
    dict(
        org="solent-data",
        scenario="SF-SET-04",
        day=29,
        by=SI,
        summary="Settlement run took consumption sent after the data deadline",
        description="Values re-sent 20 minutes after the deadline were used by the settlement run.",
        life=[
            (30, "triage", SI, _t(2, "system_defect", "solent-data")),
            (
                32,
                "escalate",
                SI,
                {
                    "reason": "Central systems and the agent disagree on who enforces the "
                    "deadline; a retest needs a central change.",
                    "impact": "timeline",
                },
            ),
        ],
    ),
    # -- open: escalated to the design authority -----------------------------------------------------------
    dict(
        org="kestrel",
        scenario="SF-REG-03",
        day=10,
        by=NOAH,
        summary="No rejection reason code for a duplicate appointment request",
        description="Halfhour Data rejects a duplicate IF-031 but has no reason code for it in IF-032, so "
        "it sends 'other'. Our process cannot tell a duplicate from a real refusal.",
        life=[
            (
                11,
                "triage",
                SI,
                _t(2, "test_specification", "mhhs-da", "Gap in the reason code list: a design question"),
            ),
            (12, "update", NOAH, {"body": "Halfhour Data confirm there is no code they could use instead."}),
            (
                13,
                "escalate",
                SI,
                {"reason": "Not resolvable by the SI: the code list is part of the design."},
            ),
            (
                16,
                "escalate",
                PM,
                {
                    "reason": "Changes the IF-032 reason code list in the design baseline.",
                    "impact": "design_baseline",
                },
            ),
            (
                18,
                "update",
                DA,
                {"body": "Design change request DCR-0412 raised; review at the next design board."},
            ),
        ],
    ),
    dict(
        org="civic-lighting",
        scenario="SF-SET-02",
        day=26,
        by=SI,
        summary="Load shape totals differ from the sum of period values by rounding",
        description="IF-023 totals differ from the sum of IF-022 periods by up to 0.004 kWh.",
        life=[
            (27, "triage", SI, _t(3, "test_specification", "systems-integrator")),
            (28, "escalate", SI, {"reason": "Tolerance not stated in the scenario or the design."}),
            (
                33,
                "escalate",
                PM,
                {
                    "reason": "A tolerance must be set in the design; retesting waits for it.",
                    "impact": "timeline",
                },
            ),
        ],
    ),
]

#: The JUnit file Kestrel's CI job posts (30 cases): scenario codes it runs and the one it fails.
JUNIT_FAILS = {"SF-REG-03": "AssertionError: expected reason code DUP, got OTH"}
JUNIT_SKIPS = ("SF-DTN-01",)  # run by hand with the DTN, not by CI
