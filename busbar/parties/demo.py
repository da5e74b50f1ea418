"""Demo canned responses: a few for the service desk and for the CSS provider (``busbar serve --demo``)."""

from __future__ import annotations

from busbar.lib.actions import Actor
from busbar.parties import actions
from busbar.parties.models import CannedResponse

CANNED = {
    "switching-operator": [
        (
            "Need more detail",
            "Thank you for raising this. To help us investigate, please reply with:\n\n"
            "- the **MPANs or MPRNs** affected (up to 10)\n- the time of the first failure (UK time)\n"
            "- the exact error code and message\n",
        ),
        (
            "Passed to the provider",
            "We have passed this to the service provider and will update you within **2 hours**, "
            "or sooner if anything changes.",
        ),
        (
            "Resolved: please confirm",
            "We believe this is resolved. Please confirm that switch requests are being accepted again; "
            "if we do not hear from you within 5 working days the incident will be closed.",
        ),
    ],
    "css-provider": [
        (
            "Investigating",
            "CSS operations are investigating. Next update within **1 hour**.",
        ),
        (
            "Fix deployed",
            "A fix has been deployed to production. Please retry the affected messages and tell us if any "
            "still fail (with their message IDs).",
        ),
    ],
}


def load(ctx) -> None:
    if CannedResponse.objects.exists():
        return
    made = 0
    for slug, responses in CANNED.items():
        organisation = ctx.orgs.get(slug)
        if organisation is None:
            continue
        for title, body in responses:
            actions.create_canned_response(
                actor=Actor.system(), organisation=organisation, title=title, body=body
            )
            made += 1
    ctx.lines.append(f"Canned responses: {made} for the service desk and the CSS provider.")
