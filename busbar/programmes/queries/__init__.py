"""Who sees what of programme governance: the visibility rules of the programmes app.

Per programme a person is one of:

* **office** — their organisation is the programme's programme manager (the programme office, PMO):
  reads and runs everything;
* **oversight** — an assurer of the programme: reads everything, changes nothing;
* **participant** — their organisation is a member of the programme (:class:`Member`), takes part in one
  of its test phases, holds another function in it (SI, design authority, board) or sits on one of its
  groups; the service desk and platform administrators read every programme as participants do;
* nobody — the programme does not exist for them (404).

Participants read the plan, the public RAID items (and any they own), the action log, groups, meetings,
minutes and decisions, change requests and readiness assessments, and **only their own** impact
assessments, readiness responses and subsidiary plan. The office and assurers read everything,
including private RAID items and every participant's responses.

Building a visible queryset runs no query: programme membership is a subquery.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from busbar.programmes.models import GroupMember, Member, RaidItem
from busbar.testing.access import Access, access_for
from busbar.testing.models import Participation, Programme, ProgrammeFunction, ProgrammeParty

F = ProgrammeFunction
#: Functions whose holders read all of a programme's governance, private RAID items included.
OVERSIGHT_FUNCTIONS = frozenset({F.PROGRAMME_MANAGER, F.ASSURER})
OFFICE_FUNCTIONS = frozenset({F.PROGRAMME_MANAGER})


def access(user_or_access) -> Access:
    return user_or_access if isinstance(user_or_access, Access) else access_for(user_or_access)


def _orgs(acc: Access) -> list[int]:
    return sorted(acc.organisation_ids)


def participant_programmes(acc: Access) -> QuerySet | None:
    """Ids of the programmes the person sees, as a subquery; None: every programme."""
    if not acc.is_authenticated:
        return Programme.objects.none().values("pk")
    if acc.is_system or acc.is_central:
        return None
    orgs = _orgs(acc)
    return Programme.objects.filter(
        Q(pk__in=Member.objects.filter(organisation_id__in=orgs).values("programme_id"))
        | Q(pk__in=ProgrammeParty.objects.filter(organisation_id__in=orgs).values("programme_id"))
        | Q(pk__in=Participation.objects.filter(organisation_id__in=orgs).values("phase__programme_id"))
        | Q(pk__in=GroupMember.objects.filter(organisation_id__in=orgs).values("group__programme_id"))
    ).values("pk")


def oversight_programmes(acc: Access) -> QuerySet | None:
    """Ids of the programmes the person reads in full (office, assurers); None: every programme (system)."""
    if acc.is_system:
        return None
    if not acc.is_authenticated or not acc.organisation_ids:
        return Programme.objects.none().values("pk")
    return ProgrammeParty.objects.filter(
        organisation_id__in=_orgs(acc), function__in=OVERSIGHT_FUNCTIONS
    ).values("programme_id")


def programmes_visible_to(user_or_access) -> QuerySet:
    acc = access(user_or_access)
    seen = participant_programmes(acc)
    qs = Programme.objects.all()
    return qs if seen is None else qs.filter(pk__in=seen)


def in_visible_programme(qs: QuerySet, user_or_access, path: str = "programme") -> QuerySet:
    """``qs`` narrowed to rows of programmes the person sees (``path``: the lookup to the programme)."""
    seen = participant_programmes(access(user_or_access))
    return qs if seen is None else qs.filter(**{f"{path}__in": seen})


def own_or_oversight(qs: QuerySet, user_or_access, *, programme: str, organisation: str) -> QuerySet:
    """Rows the person reads in full (programmes under their oversight) or that belong to one of their
    organisations (``organisation``: the lookup to the owning organisation) in programmes they see."""
    acc = access(user_or_access)
    qs = in_visible_programme(qs, acc, programme)
    full = oversight_programmes(acc)
    if full is None:
        return qs
    return qs.filter(Q(**{f"{programme}__in": full}) | Q(**{f"{organisation}__in": _orgs(acc)}))


def is_office(user_or_access, programme_id: int) -> bool:
    acc = access(user_or_access)
    return acc.is_system or acc.holds(programme_id, *OFFICE_FUNCTIONS)


def has_oversight(user_or_access, programme_id: int) -> bool:
    acc = access(user_or_access)
    return acc.is_system or acc.holds(programme_id, *OVERSIGHT_FUNCTIONS)


def sees_programme(user_or_access, programme_id: int) -> bool:
    return programmes_visible_to(user_or_access).filter(pk=programme_id).exists()


def participant_organisation_ids(programme_id: int) -> QuerySet:
    """The organisations that are participants of the programme (members, test participants, function
    holders, group members), as a subquery of ``parties.Organisation`` ids."""
    from busbar.parties.models import Organisation

    return Organisation.objects.filter(
        Q(pk__in=Member.objects.filter(programme_id=programme_id).values("organisation_id"))
        | Q(pk__in=ProgrammeParty.objects.filter(programme_id=programme_id).values("organisation_id"))
        | Q(pk__in=Participation.objects.filter(phase__programme_id=programme_id).values("organisation_id"))
        | Q(pk__in=GroupMember.objects.filter(group__programme_id=programme_id).values("organisation_id"))
    ).values("pk")


# -- RAID ------------------------------------------------------------------------------------------------


def raid_visible_to(user_or_access) -> QuerySet:
    """RAID items: all of them in programmes under the person's oversight; elsewhere (programmes they
    see) the public ones and those their organisation owns (GV-23)."""
    acc = access(user_or_access)
    qs = in_visible_programme(RaidItem.objects.all(), acc)
    full = oversight_programmes(acc)
    if full is None:
        return qs
    return qs.filter(Q(programme__in=full) | Q(is_public=True) | Q(owner_organisation__in=_orgs(acc)))


def raid_works_on(user, item: RaidItem) -> bool:
    """Reads the item's internal notes: the office, assurers and the owner organisation."""
    acc = access(user)
    return has_oversight(acc, item.programme_id) or acc.is_member(item.owner_organisation_id)


def raid_changes_by(user, item: RaidItem) -> bool:
    """Links the item to other records: the office and the owner organisation (assurers change nothing)."""
    acc = access(user)
    if acc.is_assurer(item.programme_id) and not is_office(acc, item.programme_id):
        return False
    return is_office(acc, item.programme_id) or acc.is_member(item.owner_organisation_id)


# -- change requests ------------------------------------------------------------------------------------


def cr_visible_to(user_or_access) -> QuerySet:
    """Change requests: every participant of the programme sees them (responses are narrowed apart)."""
    from busbar.programmes.models import ChangeRequest

    return in_visible_programme(ChangeRequest.objects.all(), user_or_access)


def cr_works_on(user, cr) -> bool:
    """Reads internal notes: the office, assurers and the raising organisation."""
    acc = access(user)
    return has_oversight(acc, cr.programme_id) or acc.is_member(cr.raised_by_id)


def cr_changes_by(user, cr) -> bool:
    """Links the change request to other records: the office and the raising organisation (not assurers)."""
    acc = access(user)
    if acc.is_assurer(cr.programme_id) and not is_office(acc, cr.programme_id):
        return False
    return is_office(acc, cr.programme_id) or acc.is_member(cr.raised_by_id)


def responses_visible_to(user_or_access) -> QuerySet:
    """Impact-assessment responses: the office and assurers all; a participant only its own."""
    from busbar.programmes.models import ImpactResponse

    return own_or_oversight(
        ImpactResponse.objects.all(),
        user_or_access,
        programme="change_request__programme",
        organisation="organisation",
    )


def assessment_responses_visible_to(user_or_access) -> QuerySet:
    from busbar.programmes.models import AssessmentResponse

    return own_or_oversight(
        AssessmentResponse.objects.all(),
        user_or_access,
        programme="assessment__programme",
        organisation="organisation",
    )


def subsidiary_plans_visible_to(user_or_access) -> QuerySet:
    from busbar.programmes.models import SubsidiaryPlan

    return own_or_oversight(
        SubsidiaryPlan.objects.all(), user_or_access, programme="programme", organisation="organisation"
    )


# -- timelines ------------------------------------------------------------------------------------------

#: How a RAID item's history is redacted for those who do not work it (the kernel's redact_timeline).
RAID_TIMELINE = {
    "link_actions": frozenset({"raid_item.link", "programmes.raid.convert", "programmes.raid.raise"}),
    "private_actions": frozenset({"programmes.raid.note"}),
    "private_changes": frozenset(),
    "public_notes": frozenset(
        {
            "programmes.raid.close",
            "programmes.raid.reopen",
            "programmes.raid.convert",
            "programmes.raid.raise",
            "programmes.raid.publish",
            "programmes.raid.unpublish",
            "programmes.raid.import",
        }
    ),
}

#: A change request's history: internal notes private; other organisations' impact responses are left
#: out by the page itself (they name the responder).
CR_TIMELINE = {
    "link_actions": frozenset({"programme_cr.link"}),
    "private_actions": frozenset({"programmes.cr_note"}),
    "private_changes": frozenset(),
    "public_notes": frozenset(
        {
            "programmes.cr_raise",
            "programmes.cr_issue",
            "programmes.cr_close_responses",
            "programmes.cr_approve",
            "programmes.cr_reject",
            "programmes.cr_reissue",
            "programmes.cr_hold",
            "programmes.cr_resume",
            "programmes.cr_withdraw",
        }
    ),
}
