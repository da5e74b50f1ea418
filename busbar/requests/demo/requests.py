# ruff: noqa: E501
"""The demo's forty requests: ``(item slug, requester email, organisation slug, summary, answers, days
ago, steps)``. Answers: ``@person:<email>`` (that person's id), ``@service:<slug>``, ``@date:<days from
the day raised>``, ``@file`` (a small PDF). Steps, played in order a few hours apart: ``(verb, email,
text)`` with verbs approve, reject, start, assign (text: the assignee's email), complete, reassign (text:
an organisation slug), update, note, wait, answer, cancel, close, reopen."""

from __future__ import annotations

BWA, BW = "admin@brightwater.example", "supplier@brightwater.example"
KS, NL, GF, HB = (
    "supplier@kestrel.example",
    "supplier@northernlights.example",
    "supplier@greenfield.example",
    "supplier@harbour.example",
)
MW, HH = "agent@meterwise.example", "agent@halfhourdata.example"
OPS, AN, AN2, CSS = (
    "opsmanager@operator.example",
    "analyst@operator.example",
    "analyst2@operator.example",
    "resolver@cssp.example",
)

_CONNECT = {
    "environment": "Production",
    "service": "@service:css-registration",
    "go_live": "@date:30",
    "daily_volume": 45000,
    "ip_ranges": "203.0.113.0/28\n198.51.100.64/29",
    "connection_form": "@file",
}
_PRE = {**_CONNECT, "environment": "Pre-production", "daily_volume": 2000, "go_live": "@date:14"}


def _extract(kind: str, fmt: str = "CSV") -> dict:
    return {"extract": kind, "from_date": "@date:-90", "to_date": "@date:-1", "format": fmt}


def _question(text: str, topic: str = "Switching process") -> dict:
    return {"question": text, "topic": topic}


def _dip(text: str, role: str = "Supplier") -> dict:
    return {"dip_role": role, "question": text}


def _stub(kind: str, quantity: int | None, details: str) -> dict:
    out = {"kind": kind, "needed_by": "@date:21", "details": details}
    if quantity:
        out["quantity"] = quantity
    return out


REQUESTS: list[tuple] = [
    # ---- closed ----------------------------------------------------------------------------------------
    ("new-portal-user", BWA, "brightwater", "Portal account for our new switching analyst",
     {"full_name": "Kwame Osei", "email": "k.osei@brightwater.example", "role": "participant",
      "reason": "Joined the switching operations team this month."}, 60,
     [("approve", OPS, "Checked with James Carter by phone."), ("close", BWA)]),
    ("data-extract", NL, "northern-lights", "Rejected switch requests, last quarter",
     _extract("Rejected switch requests", "XLSX"), 45,
     [("start", AN), ("complete", AN, "Extract attached: 1,204 rejections, most for address mismatch."),
      ("update", NL, "Thank you, that is what we needed."), ("close", NL)]),
    ("information-request", GF, "greenfield", "How long does a switch objection window last?",
     _question("How long does the losing supplier have to raise an objection under the current rules?"), 40,
     [("start", AN2), ("complete", AN2, "Two working days from the switch request; see the switching rules, "
                                        "objection section."), ("close", AN2)]),
    ("switching-network-connection", BW, "brightwater", "Second gateway for disaster recovery (production)",
     {**_CONNECT, "daily_volume": 60000}, 75,
     [("approve", BWA, "Agreed: DR gateway budgeted."), ("approve", OPS, "Approved for the next change window."),
      ("start", AN), ("complete", AN, "Change notification raised; IP ranges checked."),
      ("start", CSS), ("complete", CSS, "Firewall open and certificate installed; test message acknowledged."),
      ("close", BW)]),
    ("dip-onboarding-query", MW, "meterwise", "Which DIP certificate do agents need for SIT?",
     _dip("Do supplier agents need their own DIP certificate for system integration testing, or can we "
          "use the supplier's?", "Supplier agent"), 35,
     [("start", AN), ("complete", AN, "Each DIP participant needs its own certificate; request it from the "
                                      "DIP onboarding team."), ("close", MW)]),
    ("password-reset", BW, "brightwater", "Password reset link did not arrive", {}, 30,
     [("start", AN2), ("complete", AN2, "Reset link sent again; it was in the spam folder."), ("close", BW)]),
    # ---- fulfilled ---------------------------------------------------------------------------------------
    ("data-extract", KS, "kestrel", "Daily message volumes for our capacity plan",
     _extract("Daily message volumes"), 12,
     [("start", AN), ("complete", AN, "Extract attached (CSV, one row a day).")]),
    ("information-request", HB, "harbour", "Service levels for switch confirmations",
     _question("What is the target time for CSS to confirm a switch request?", "Service levels"), 9,
     [("start", AN2), ("update", AN2, "Looking this up in the service definition."),
      ("complete", AN2, "CSS confirms within 5 minutes for 99.5 % of requests (service definition 3.2).")]),
    ("new-portal-user", BWA, "brightwater", "Account for our new data team lead",
     {"full_name": "Rhiannon Price", "email": "r.price@brightwater.example", "role": "participant"}, 8,
     [("approve", OPS, "Approved.")]),
    ("test-data-stub", HH, "halfhour-data", "Test MPANs for half-hourly settlement SIT",
     _stub("Test metering points", 200, "Electricity, half-hourly, smart and advanced meters"), 20,
     [("start", AN), ("complete", AN, "Data set agreed with the SI: 200 MPANs in the SIT range."),
      ("start", CSS), ("complete", CSS, "Loaded in CSS pre-production.")]),
    ("dip-onboarding-query", NL, "northern-lights", "DIP message retry rules",
     _dip("How many times does the DIP retry a message we fail to acknowledge?"), 6,
     [("start", AN), ("complete", AN, "Three retries at 5, 15 and 60 minutes, then an exception report.")]),
    ("switching-network-connection", BW, "brightwater", "Pre-production connection for release testing",
     _PRE, 22,
     [("approve", BWA, "Agreed."), ("approve", OPS, "Approved."), ("start", AN), ("complete", AN, "Booked."),
      ("start", CSS), ("complete", CSS, "Connected to pre-production.")]),
    ("information-request", MW, "meterwise", "Can agents see the switch history of an MPAN?",
     _question("Can a supplier agent see the switch history of a metering point it is appointed to?",
               "The portal"), 5,
     [("start", AN2), ("complete", AN2, "No: only the registered supplier; ask the supplier for it.")]),
    # ---- rejected ----------------------------------------------------------------------------------------
    ("new-portal-user", BWA, "brightwater", "Portal account for a contractor",
     {"full_name": "Sam Jordan", "email": "sam.jordan@contractor.example", "role": "participant",
      "reason": "Contractor for three months."}, 25,
     [("reject", OPS, "Accounts are for the organisation's own staff email addresses; ask the contractor "
                      "for a Brightwater address.")]),
    ("new-portal-user", BWA, "brightwater", "Second account for James Carter",
     {"full_name": "James Carter", "email": "james.carter@brightwater.example", "role": "participant",
      "reason": "A participant account for day-to-day work."}, 27,
     [("reject", OPS, "One account per person: James already has an account with the administrator role."),
      ("close", BWA)]),
    ("switching-network-connection", BW, "brightwater", "Production connection for a test harness",
     {**_CONNECT, "daily_volume": 500}, 18,
     [("reject", BWA, "Use the pre-production connection for the test harness.")]),
    ("reset-mfa", BWA, "brightwater", "Reset two-factor for Olivia Bennett",
     {"person": f"@person:{BW}", "reason": "New phone"}, 14,
     [("reject", OPS, "Olivia can move her authenticator to the new phone from the old one; call the desk "
                      "if she no longer has it.")]),
    ("switching-network-connection", KS, "kestrel", "Connection for a new gateway in Leeds",
     {**_CONNECT, "daily_volume": 30000}, 16, []),  # awaits Kestrel's own administrator (none yet)
    # ---- cancelled ---------------------------------------------------------------------------------------
    ("data-extract", GF, "greenfield", "Incidents we raised last quarter",
     _extract("Incidents raised by us"), 11,
     [("cancel", GF, "Found it in the incident export on the portal.")]),
    ("change-user-role", BWA, "brightwater", "Make Olivia Bennett an administrator",
     {"person": f"@person:{BW}", "role": "org_admin", "reason": "Cover while I am on leave."}, 7,
     [("cancel", BWA, "Not needed after all: my leave moved.")]),
    ("test-data-stub", KS, "harbour", "Stub of UK Link for gas switching tests",
     _stub("Stub of a central system", None, "Gas; we need UK Link responses for 50 MPRNs."), 10,
     [("start", AN), ("update", AN, "The SI has a UK Link stub; checking availability."),
      ("cancel", KS, "Our test phase moved to next quarter.")]),
    # ---- waiting on requester ---------------------------------------------------------------------------
    ("data-extract", NL, "northern-lights", "Switch requests and outcomes for 2026",
     _extract("Switch requests and outcomes"), 4,
     [("start", AN), ("wait", AN, "Do you need gas and electricity, or electricity only?")]),
    ("test-data-stub", GF, "greenfield", "Test MPRNs for gas SIT",
     _stub("Test metering points", 120, "Gas, non-daily metered"), 3,
     [("start", AN2), ("wait", AN2, "Which test window: SIT cycle 3 or 4?")]),
    ("information-request", KS, "kestrel", "Who approves a change of supplier ID?",
     _question("We are merging two licences. Who approves the change of our supplier ID?", "Market rules"), 6,
     [("start", AN), ("wait", AN, "Is the merger already approved by the regulator? Please send the letter.")]),
    ("dip-onboarding-query", HH, "halfhour-data", "Message formats for MHHS agents",
     _dip("Where are the message formats for half-hourly data agents published?", "Supplier agent"), 2,
     [("start", AN2), ("wait", AN2, "Are you asking about the data service or the meter operator formats?")]),
    # ---- in fulfilment (some past their targets) --------------------------------------------------------
    ("switching-network-connection", BW, "brightwater", "Production connection for our new gateway",
     _CONNECT, 9,
     [("approve", BWA, "Agreed."), ("approve", OPS, "Approved."), ("start", AN),
      ("complete", AN, "Change CN-0412 raised for next Tuesday."), ("start", CSS),
      ("note", CSS, "Certificate request sent to Brightwater's PKI team.")]),
    ("data-extract", HB, "harbour", "Rejected switch requests by reason",
     _extract("Rejected switch requests"), 12,
     [("start", AN), ("update", AN, "Working on it; the report is large.")]),  # past its 5 working days
    ("information-request", NL, "northern-lights", "Erroneous transfer process after a switch",
     _question("What is the process when a customer was switched to us in error?"), 1, []),
    ("information-request", GF, "greenfield", "Portal export limits",
     _question("Is there a limit on the number of rows in the incident export?", "The portal"), 0.2, []),
    ("test-data-stub", NL, "northern-lights", "Test metering points for SIT cycle 4",
     _stub("Both", 500, "Dual fuel, smart"), 15,
     [("start", AN), ("complete", AN, "Agreed with the SI: 500 dual-fuel points."),
      ("note", AN, "CSS provider asked to load them before Friday.")]),  # past its target, with CSS
    ("dip-onboarding-query", KS, "kestrel", "DIP onboarding timetable for small suppliers",
     _dip("When is the DIP onboarding window for suppliers with fewer than 250,000 customers?"), 11, []),
    ("data-extract", BW, "brightwater", "Incidents raised by us this year",
     _extract("Incidents raised by us"), 2, [("start", AN2)]),
    ("switching-network-connection", MW, "meterwise", "Pre-production connection for our agent gateway",
     _PRE, 1, []),  # awaits Meterwise's own administrator
    # ---- awaiting approval ------------------------------------------------------------------------------
    ("new-portal-user", BWA, "brightwater", "Account for a new settlement analyst",
     {"full_name": "Priya Nair", "email": "p.nair@brightwater.example", "role": "participant"}, 0.5, []),
    ("reset-mfa", BWA, "brightwater", "Reset two-factor: phone stolen",
     {"person": f"@person:{BW}", "reason": "Phone lost or stolen"}, 0.1, []),
    ("remove-user", BWA, "brightwater", "Remove access for a leaver",
     {"person": f"@person:{BW}", "last_day": "@date:14", "reason": "Leaving at the end of the month."}, 0.3,
     [("update", BWA, "Please action on her last day, not before.")]),
    ("change-user-role", BWA, "brightwater", "Make Olivia an administrator for the migration",
     {"person": f"@person:{BW}", "role": "org_admin"}, 3, []),  # past its response target
    ("switching-network-connection", BW, "brightwater", "Test (SIT) connection for the MHHS programme",
     {**_PRE, "environment": "Test (SIT)"}, 2, [("approve", BWA, "Agreed.")]),
    ("switching-network-connection", GF, "greenfield", "Production connection for a new data centre",
     _CONNECT, 1, []),
    ("switching-network-connection", NL, "northern-lights", "Gateway move to a new data centre",
     {**_CONNECT, "daily_volume": 80000}, 0.8, []),
]  # fmt: skip
