# ruff: noqa: E501
"""The demo request catalogue (issue 15, item 7): twelve items as the operator would define them.

Plain data, read by the demo loader (through the catalogue actions) and by the benchmark's set-up. Each
item: its fields ``(key, label, kind, required, options, help)``, approval steps ``(approver, provider
slug or None)`` and fulfilment tasks ``(title, assignee, provider slug or None, description)``.
"""

from __future__ import annotations

ACCESS, CONNECT, DATA, ADVICE, TESTING, ELSEWHERE = (
    "Access management",
    "Connections",
    "Data and reports",
    "Information and advice",
    "Testing and onboarding",
    "Other services (go elsewhere)",
)

_REASON = ("reason", "Why is this needed?", "textarea", False, {"max_length": 2000}, "")
_PERSON = ("person", "Who", "person", True, {}, "A person in your organisation")

ITEMS: list[dict] = [
    {
        "slug": "new-portal-user",
        "name": "New portal user",
        "category": ACCESS,
        "order": 10,
        "summary": "Give a colleague an account on the switching portal, with the role they need.",
        "description": "For organisation administrators. The Switching Operations team checks the request; "
        "on approval the person is invited by email in your organisation with the role asked for, and "
        "signs in from the invitation link.",
        "admins_only": True,
        "fulfilment": "new_user",
        "priority": "P3",
        "fields": [
            ("full_name", "Full name", "text", True, {"max_length": 150}, ""),
            ("email", "Work email address", "email", True, {}, "The invitation is sent here"),
            ("role", "Role", "role", True, {}, "Participant users raise and follow incidents and requests"),
            _REASON,
        ],
        "approvals": [("operator", None)],
        "tasks": [],
    },
    {
        "slug": "change-user-role",
        "name": "Change a user's role",
        "category": ACCESS,
        "order": 20,
        "summary": "Change what a colleague may do on the portal (e.g. make them an administrator).",
        "description": "For organisation administrators. Approved by Switching Operations; the new role "
        "applies at the person's next page.",
        "admins_only": True,
        "fulfilment": "change_role",
        "priority": "P3",
        "fields": [_PERSON, ("role", "New role", "role", True, {}, ""), _REASON],
        "approvals": [("operator", None)],
        "tasks": [],
    },
    {
        "slug": "remove-user",
        "name": "Remove a user",
        "category": ACCESS,
        "order": 30,
        "summary": "Remove a leaver's access to the portal for your organisation.",
        "description": "For organisation administrators. Approved by Switching Operations; the person's "
        "membership is switched off and their API tokens stop working.",
        "admins_only": True,
        "fulfilment": "remove_user",
        "priority": "P2",
        "fields": [
            _PERSON,
            ("last_day", "Last working day", "date", False, {"not_before_days": -90, "not_after_days": 90}, ""),
            _REASON,
        ],
        "approvals": [("operator", None)],
        "tasks": [],
    },
    {
        "slug": "reset-mfa",
        "name": "Multi-factor authentication reset",
        "category": ACCESS,
        "order": 40,
        "summary": "A colleague lost their authenticator: remove it so they enrol a new one.",
        "description": "For organisation administrators. Switching Operations confirm the request by "
        "phone with the administrator before approving; on approval the person's authenticators and "
        "recovery codes are removed and they must set up a new one at their next sign-in.",
        "admins_only": True,
        "fulfilment": "reset_mfa",
        "priority": "P2",
        "fields": [
            _PERSON,
            ("reason", "What happened?", "choice", True,
             {"choices": ["Phone lost or stolen", "New phone", "Authenticator app removed", "Other"]}, ""),
        ],
        "approvals": [("operator", None)],
        "tasks": [],
    },
    {
        "slug": "password-reset",
        "name": "Password reset assistance",
        "category": ACCESS,
        "order": 50,
        "summary": "Cannot use 'forgot password'? We email a fresh reset link.",
        "description": "No approval: a reset link is emailed at once to the person (or to you if you leave "
        "the person empty). Links expire after a day.",
        "fulfilment": "password_reset",
        "priority": "P2",
        "fields": [
            ("person", "Who", "person", False, {}, "Leave empty for yourself"),
        ],
        "approvals": [],
        "tasks": [],
    },
    {
        "slug": "switching-network-connection",
        "name": "Connection to the switching network",
        "category": CONNECT,
        "order": 10,
        "summary": "Connect a new or changed gateway to CSS (production or pre-production).",
        "description": "Approved by your organisation administrator, then by Switching Operations. The "
        "service desk checks the details and books the change; the CSS provider configures the "
        "connection and certificates. Attach the completed connection form.",
        "industry_roles": ["energy_supplier", "supplier_agent", "gas_shipper", "dno", "gas_transporter"],
        "priority": "P3",
        "service": "css-registration",
        "fields": [
            ("environment", "Environment", "choice", True,
             {"choices": ["Production", "Pre-production", "Test (SIT)"]}, ""),
            ("service", "Service", "service", True, {}, "The central service to connect to"),
            ("go_live", "Wanted from", "date", True, {"not_before_days": 10, "not_after_days": 365},
             "At least 10 days from today"),
            ("daily_volume", "Expected messages a day", "number", True,
             {"min": 1, "max": 5_000_000, "integer": True}, ""),
            ("ip_ranges", "Source IP ranges", "textarea", True, {"max_length": 1000}, "One CIDR range a line"),
            ("connection_form", "Completed connection form", "file", True,
             {"extensions": ["pdf", "docx", "xlsx"]}, ""),
        ],
        "approvals": [("org_admin", None), ("operator", None)],
        "tasks": [
            ("Check the connection form and book the change", "desk", None,
             "Check the IP ranges and certificates against the form; raise the change notification."),
            ("Configure the gateway connection and certificates", "provider", "css-provider",
             "Open the firewall for the ranges, install the client certificate, confirm a test message."),
        ],
    },
    {
        "slug": "data-extract",
        "name": "Data extract request",
        "category": DATA,
        "order": 10,
        "summary": "Ask for an extract of your organisation's switching data (switches, rejections, volumes).",
        "description": "The service desk produces the extract from the switching reports and attaches it. "
        "Only your own organisation's data is provided.",
        "priority": "P4",
        "fields": [
            ("extract", "What data", "choice", True,
             {"choices": ["Switch requests and outcomes", "Rejected switch requests",
                          "Daily message volumes", "Incidents raised by us"]}, ""),
            ("from_date", "From", "date", True, {"not_before_days": -730, "not_after_days": 0}, ""),
            ("to_date", "To", "date", True, {"not_before_days": -730, "not_after_days": 0}, ""),
            ("format", "Format", "choice", True, {"choices": ["CSV", "XLSX"]}, ""),
        ],
        "approvals": [],
        "tasks": [("Produce and attach the extract", "desk", None, "")],
    },
    {
        "slug": "information-request",
        "name": "Information or advice",
        "category": ADVICE,
        "order": 10,
        "summary": "Ask the service desk a question about switching processes, rules or the portal.",
        "description": "Questions emailed to the service desk arrive here too.",
        "audience": "everyone",
        "priority": "P4",
        "fields": [
            ("question", "Your question", "textarea", True, {"min_length": 10, "max_length": 5000}, ""),
            ("topic", "Topic", "choice", False,
             {"choices": ["Switching process", "Market rules", "The portal", "Service levels", "Other"]}, ""),
        ],
        "approvals": [],
        "tasks": [],
    },
    {
        "slug": "test-data-stub",
        "name": "Test data or stub for integration testing",
        "category": TESTING,
        "order": 10,
        "summary": "Ask for test MPANs/MPRNs or a stub of a central system for integration testing.",
        "description": "For participants testing their interfaces in the SIT environment. The systems "
        "desk agrees the data set with the systems integrator and the CSS provider loads it in pre-production.",
        "priority": "P3",
        "fields": [
            ("kind", "What do you need?", "choice", True,
             {"choices": ["Test metering points", "Stub of a central system", "Both"]}, ""),
            ("quantity", "How many metering points", "number", False, {"min": 1, "max": 10_000, "integer": True},
             ""),
            ("needed_by", "Needed by", "date", True, {"not_before_days": 3, "not_after_days": 180}, ""),
            ("details", "Details", "textarea", False, {"max_length": 3000}, "Fuel, meter types, scenarios"),
        ],
        "approvals": [],
        "tasks": [
            ("Agree the data set or stub with the systems integrator", "desk", None, ""),
            ("Load the test metering points or stub in CSS pre-production", "provider", "css-provider", ""),
        ],
    },
    {
        "slug": "dip-onboarding-query",
        "name": "DIP onboarding query",
        "category": TESTING,
        "order": 20,
        "summary": "A question about joining the MHHS Data Integration Platform (DIP).",
        "description": "The service desk answers or passes the question to the DIP onboarding team.",
        "priority": "P4",
        "fields": [
            ("dip_role", "Your DIP role", "choice", True,
             {"choices": ["Supplier", "Supplier agent", "Distributor", "Registration service", "Other"]}, ""),
            ("question", "Your question", "textarea", True, {"min_length": 10, "max_length": 5000}, ""),
        ],
        "approvals": [],
        "tasks": [],
    },
    {
        "slug": "uk-link-des-access",
        "name": "Access to UK Link or DES",
        "category": ELSEWHERE,
        "order": 10,
        "kind": "redirect",
        "summary": "Gas registration (UK Link) and the Data Enquiry Service are run by Xoserve.",
        "redirect_text": "Xoserve grants UK Link and DES access. Ask your organisation's Xoserve contact "
        "manager, or raise it on the Xoserve portal; the switching service desk cannot grant it.",
        "redirect_url": "https://www.xoserve.com/",
    },
    {
        "slug": "ecoes-mprs-access",
        "name": "Access to ECOES or MPRS",
        "category": ELSEWHERE,
        "order": 20,
        "kind": "redirect",
        "summary": "ECOES is run by ElectraLink; MPRS by each distribution network operator.",
        "redirect_text": "ECOES accounts are granted by ElectraLink (ECOES service desk). MPRS access "
        "is granted by the distribution network operator whose area the metering points are in. The "
        "switching service desk cannot grant either.",
        "redirect_url": "https://www.ecoes.co.uk/",
    },
]  # fmt: skip
