"""The demo data set: a realistic (fictional) slice of the GB energy industry with a person per role.

Every record is made through actions, as a real user would, and loading twice changes nothing. Later
apps add their own demo records by registering a loader (``busbar.lib.registry.demo_loader``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from busbar.lib import registry
from busbar.lib.actions import Actor
from busbar.parties import actions as party_actions
from busbar.parties.models import IndustryRole as R
from busbar.parties.models import Invitation, Organisation
from busbar.parties.models import MembershipRole as M

DEMO_PASSWORD = "busbar-demo-2026"  # noqa: S105 - published demo credential, printed to the user

#: (name, slug, roles, identifiers, contact email)
ORGANISATIONS = [
    (
        "Switching Operator",
        "switching-operator",
        [R.SWITCHING_OPERATOR, R.SERVICE_DESK],
        [("dip_id", "DIP-SWOP")],
        "servicedesk@operator.example",
    ),
    (
        "CSS Registration Services",
        "css-provider",
        [R.CSS_PROVIDER],
        [("dip_id", "DIP-CSSP")],
        "ops@cssp.example",
    ),
    ("Xoserve", "xoserve", [R.UK_LINK, R.DES], [("mpid", "XOSV")], "servicedesk@xoserve.example"),
    ("ElectraLink", "electralink", [R.ECOES], [("mpid", "ELNK")], "ecoes.support@electralink.example"),
    ("DCC", "dcc", [R.DCC_DSP], [("dcc_user_id", "90-B3-D5-1F-30-00-00-01")], "dsp.support@dcc.example"),
    (
        "Eastern Distribution Networks",
        "eastern-dn",
        [R.DNO, R.MPRS],
        [("mpid", "EELC"), ("distributor_id", "10")],
        "mprs@easterndn.example",
    ),
    (
        "Northern Distribution Networks",
        "northern-dn",
        [R.DNO, R.MPRS],
        [("mpid", "NEEB"), ("distributor_id", "15")],
        "mprs@northerndn.example",
    ),
    (
        "Midlands Gas Networks",
        "midlands-gas",
        [R.GAS_TRANSPORTER],
        [("mpid", "MGNT")],
        "ops@midlandsgas.example",
    ),
    (
        "Brightwater Energy",
        "brightwater",
        [R.ENERGY_SUPPLIER, R.GAS_SHIPPER],
        [("mpid", "BRTW"), ("shipper_code", "BWE")],
        "switching@brightwater.example",
    ),
    ("Kestrel Power", "kestrel", [R.ENERGY_SUPPLIER], [("mpid", "KSTP")], "ops@kestrel.example"),
    (
        "Northern Lights Energy",
        "northern-lights",
        [R.ENERGY_SUPPLIER, R.GAS_SHIPPER],
        [("mpid", "NLEN"), ("shipper_code", "NLE")],
        "it@northernlights.example",
    ),
    (
        "Greenfield Gas & Power",
        "greenfield",
        [R.ENERGY_SUPPLIER, R.GAS_SHIPPER],
        [("mpid", "GFGP"), ("shipper_code", "GFG")],
        "service@greenfield.example",
    ),
    ("Harbour Energy Supply", "harbour", [R.ENERGY_SUPPLIER], [("mpid", "HRBS")], "desk@harbour.example"),
    ("Meterwise Services", "meterwise", [R.SUPPLIER_AGENT], [("mpid", "MTRW")], "support@meterwise.example"),
    (
        "Halfhour Data Services",
        "halfhour-data",
        [R.SUPPLIER_AGENT],
        [("mpid", "HHDS")],
        "ops@halfhourdata.example",
    ),
    ("Switching Systems Integrator", "systems-integrator", [R.SYSTEMS_INTEGRATOR], [], "pmo@si.example"),
]

#: (email, name, organisation slug, role)
PEOPLE = [
    ("admin@operator.example", "Priya Shah", "switching-operator", M.PLATFORM_ADMIN),
    ("analyst@operator.example", "Dan Okafor", "switching-operator", M.ANALYST),
    ("analyst2@operator.example", "Megan Price", "switching-operator", M.ANALYST),
    ("opsmanager@operator.example", "Ruth Campbell", "switching-operator", M.OPERATIONS),
    ("resolver@cssp.example", "Tom Hughes", "css-provider", M.RESOLVER),
    ("resolver@xoserve.example", "Aisha Rahman", "xoserve", M.RESOLVER),
    ("resolver@electralink.example", "Gareth Lewis", "electralink", M.RESOLVER),
    ("resolver@dcc.example", "Fiona Grant", "dcc", M.RESOLVER),
    ("mprs@easterndn.example", "Sam Patel", "eastern-dn", M.RESOLVER),
    ("mprs@northerndn.example", "Lewis Ward", "northern-dn", M.RESOLVER),
    ("ops@midlandsgas.example", "Chloe Evans", "midlands-gas", M.PARTICIPANT),
    ("supplier@brightwater.example", "Olivia Bennett", "brightwater", M.PARTICIPANT),
    ("admin@brightwater.example", "James Carter", "brightwater", M.ORG_ADMIN),
    ("supplier@kestrel.example", "Noah Williams", "kestrel", M.PARTICIPANT),
    ("supplier@northernlights.example", "Isla Murray", "northern-lights", M.PARTICIPANT),
    ("supplier@greenfield.example", "Ethan Morris", "greenfield", M.PARTICIPANT),
    ("supplier@harbour.example", "Grace Taylor", "harbour", M.PARTICIPANT),
    # Kestrel runs switching for its sister supplier Harbour too: Noah raises and answers for either (the
    # raise form asks which), and is journalled as the organisation the incident is for.
    ("supplier@kestrel.example", "Noah Williams", "harbour", M.PARTICIPANT),
    ("agent@meterwise.example", "Harry Wood", "meterwise", M.PARTICIPANT),
    ("agent@halfhourdata.example", "Zara Ali", "halfhour-data", M.PARTICIPANT),
    ("testmanager@si.example", "Ben Foster", "systems-integrator", M.PARTICIPANT),
]

#: Pending invitations: (organisation slug, inviter's email, invited email, name as typed, role). They
#: show on the organisation's page for its administrators until someone accepts, declines or revokes them.
INVITATIONS = [
    (
        "brightwater",
        "admin@brightwater.example",
        "switching.analyst@brightwater.example",
        "Holly Reid",
        M.PARTICIPANT,
    ),
    ("switching-operator", "admin@operator.example", "analyst3@operator.example", "Callum Fraser", M.ANALYST),
]


@dataclass
class DemoContext:
    actor: Actor
    orgs: dict[str, Organisation] = field(default_factory=dict)
    people: dict[str, object] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


def _totp_secret(user) -> str | None:
    auth = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return decrypt(auth.data["secret"]) if auth else None


@transaction.atomic
def load_demo(*, apps: bool = True) -> str:
    """The demo organisations, people and invitations, then (``apps``) each app's demo records."""
    ctx = DemoContext(actor=Actor.system())
    User = get_user_model()
    for name, slug, roles, identifiers, email in ORGANISATIONS:
        org = Organisation.objects.filter(slug=slug).first()
        if org is None:
            org = party_actions.create_organisation(
                actor=ctx.actor,
                name=name,
                slug=slug,
                roles=roles,
                identifiers=identifiers,
                contact_email=email,
                description=f"Demo organisation: {', '.join(r.label for r in roles)}.",
            )
        ctx.orgs[slug] = org
    rows = []
    for email, name, slug, role in PEOPLE:
        org = ctx.orgs[slug]
        user = User.objects.filter(email=email).first()
        if user is None or not user.memberships.filter(organisation=org).exists():
            party_actions.add_member(
                actor=ctx.actor, organisation=org, email=email, full_name=name, role=role
            )
            user = User.objects.get(email=email)
        if not user.has_usable_password():
            # Demo accounts get a published password instead of an invitation link (bootstrap, not an action).
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        secret = _totp_secret(user)
        if role in (M.ANALYST, M.OPERATIONS, M.PLATFORM_ADMIN, M.ORG_ADMIN) and secret is None:
            secret = generate_totp_secret()
            TOTP.activate(user, secret)
            RecoveryCodes.activate(user)
        ctx.people[email] = user
        rows.append((email, role.label, org.name, secret or "—"))
    for slug, inviter, email, name, role in INVITATIONS:
        org = ctx.orgs[slug]
        if not Invitation.objects.filter(organisation=org, email=email).exists():
            party_actions.invite_user(
                actor=Actor(user=ctx.people[inviter], organisation=org, channel="system"),
                organisation=org,
                email=email,
                full_name=name,
                role=role,
            )
    # Each app's demo loader (busbar.lib.registry.demo_loader), in order, after the parties.
    for path in registry.demo_loaders() if apps else ():
        module, _, func = path.partition(":")
        getattr(importlib.import_module(module), func)(ctx)
    width = max(len(r[0]) for r in rows)
    lines = [
        "",
        f"Busbar demo data is loaded. Sign in at {settings.SITE_URL}/accounts/login/",
        f"Password for every demo account: {DEMO_PASSWORD}",
        "Staff roles also need a one-time code: add the TOTP secret below to an authenticator app,",
        "or print the current code with: busbar totp <email>. Participants sign in without one.",
        "",
        f"{'Email'.ljust(width)}  {'Role'.ljust(27)}  {'Organisation'.ljust(31)}  TOTP secret",
    ]
    lines += [f"{e.ljust(width)}  {r.ljust(27)}  {o.ljust(31)}  {s}" for e, r, o, s in rows]
    lines += ctx.lines
    return "\n".join(lines) + "\n"
