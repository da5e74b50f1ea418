"""Who sees which figures (issue: participants' view; SL-13):

* **the desk** (analysts, operations managers) sees every figure: end to end, per provider, per
  participant, and every report, agreement and return;
* **a provider** (its resolvers and administrators) sees the end-to-end figures and its own (the incidents
  it resolved, the time it held incidents, its services), its own OLA, its own reports and returns, and the
  published end-to-end report;
* **a participant** sees the end-to-end figures and its own incidents' figures, never another
  participant's or a provider breakdown; the SLAs and the published end-to-end report.

:func:`audience` is computed once per request; every page, export and API endpoint asks it what the
viewer may slice by, and the drill-down lists only incidents ``busbar.incidents.queries.visible_to``
lets the viewer see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.db.models import Q, QuerySet

from busbar.parties.models import PROVIDER_ROLES, Organisation
from busbar.parties.queries import scope_for

Kind = Literal["desk", "provider", "participant", "anonymous"]


@dataclass(frozen=True)
class Audience:
    kind: Kind
    #: The provider organisations whose own figures the viewer sees (providers).
    provider_ids: frozenset[int] = frozenset()
    #: The participant organisations whose own incidents' figures the viewer sees.
    organisation_ids: frozenset[int] = frozenset()

    @property
    def is_desk(self) -> bool:
        return self.kind == "desk"

    def may_see_provider(self, provider_id: int | None) -> bool:
        """Figures of one provider: the desk, or that provider itself."""
        if provider_id is None:
            return True  # end to end
        return self.is_desk or provider_id in self.provider_ids

    def may_see_organisation(self, organisation_id: int | None) -> bool:
        """One participant's own incidents' figures: the desk, or that participant."""
        if organisation_id is None:
            return True
        return self.is_desk or organisation_id in self.organisation_ids

    @property
    def may_compare_providers(self) -> bool:
        """The provider comparison (every provider side by side) is the desk's."""
        return self.is_desk


def audience(user) -> Audience:
    if user is None or not user.is_authenticated:
        return Audience("anonymous")
    scope = scope_for(user)
    if scope.is_desk:
        return Audience("desk", organisation_ids=frozenset(scope.organisation_ids))
    providers = frozenset(scope.resolver_for)
    admins = frozenset(scope.admin_of) - providers
    if admins:  # an organisation administrator reads its organisation's figures if it is a provider
        providers |= frozenset(
            Organisation.objects.filter(pk__in=admins, roles__role__in=PROVIDER_ROLES).values_list(
                "pk", flat=True
            )
        )
    if providers:
        return Audience(
            "provider", provider_ids=providers, organisation_ids=frozenset(scope.organisation_ids)
        )
    return Audience("participant", organisation_ids=frozenset(scope.organisation_ids))


def reports_visible_to(user) -> QuerySet:
    """Monthly service reports: the desk all; others the published end-to-end reports, and a provider its
    own (drafts included)."""
    from busbar.reports.models import ServiceReport, ServiceReportStatus

    who = audience(user)
    qs = ServiceReport.objects.select_related("provider")
    if who.is_desk:
        return qs
    if who.kind == "anonymous":
        return qs.none()
    return qs.filter(
        Q(provider__isnull=True, status=ServiceReportStatus.PUBLISHED) | Q(provider_id__in=who.provider_ids)
    )


def agreements_visible_to(user) -> QuerySet:
    """SLAs: every signed-in person; OLAs: the desk and the OLA's provider."""
    from busbar.reports.models import Agreement

    who = audience(user)
    qs = Agreement.objects.select_related("service", "provider")
    if who.is_desk:
        return qs
    if who.kind == "anonymous":
        return qs.none()
    return qs.filter(Q(kind=Agreement.Kind.SLA) | Q(provider_id__in=who.provider_ids))


def returns_visible_to(user) -> QuerySet:
    """KPI returns: the desk all; a provider its own."""
    from busbar.reports.models import KpiReturn

    who = audience(user)
    qs = KpiReturn.objects.select_related("provider", "schedule")
    if who.is_desk:
        return qs
    return qs.filter(provider_id__in=who.provider_ids)
