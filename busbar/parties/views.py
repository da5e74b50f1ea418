"""Organisation and membership pages. Reads through queries.py, writes through actions.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from busbar.audit.queries import timeline_for
from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import add_action_error
from busbar.parties import actions
from busbar.parties.forms import InviteForm, MembershipRoleForm, OrganisationForm
from busbar.parties.models import OPERATOR_ROLES, IndustryRole, MembershipRole, Organisation
from busbar.parties.queries import memberships_visible_to, organisations_visible_to, scope_for

PAGE_SIZE = 50


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "core/forbidden.html", status=403)


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    qs = organisations_visible_to(request.user)
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(slug__icontains=q) | Q(identifiers__value__iexact=q))
    if role in IndustryRole.values:
        qs = qs.filter(roles__role=role)
    page = Paginator(qs.distinct().order_by("name", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    template = "parties/_organisation_rows.html" if request.htmx else "parties/organisation_list.html"
    return render(request, template, {"page": page, "q": q, "role": role, "roles": IndustryRole.choices})


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(organisations_visible_to(request.user).prefetch_related("identifiers"), pk=pk)
    scope = scope_for(request.user)
    can_admin = scope.can_administer(org.pk)
    members = memberships_visible_to(request.user).filter(organisation=org).order_by("user__full_name", "id")
    sees_members = scope.sees_organisation(org.pk)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page")) if sees_members else None
    context = {
        "org": org,
        "members": page,
        "page": page,
        "can_admin": can_admin,
        "is_platform_admin": scope.is_platform_admin,
        "invite_form": InviteForm(allowed_roles=_allowed_roles(scope, org)) if can_admin else None,
        "role_choices": [c for c in MembershipRole.choices if c[0] in _allowed_roles(scope, org)],
        "timeline": timeline_for(org).select_related("actor")[:100] if sees_members else None,
    }
    return render(request, "parties/organisation_detail.html", context)


def _allowed_roles(scope, org: Organisation) -> list[str]:  # noqa: ANN001
    roles = [MembershipRole.PARTICIPANT, MembershipRole.RESOLVER, MembershipRole.ORG_ADMIN]
    if org.role_codes & OPERATOR_ROLES:
        roles += [MembershipRole.ANALYST, MembershipRole.OPERATIONS]
        if scope.is_platform_admin:
            roles.append(MembershipRole.PLATFORM_ADMIN)
    return roles


def _org_form_submit(
    request: HttpRequest, form: OrganisationForm, org: Organisation | None
) -> Organisation | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    actor = Actor.from_request(request)
    try:
        if org is None:
            return actions.create_organisation(
                actor=actor,
                name=data["name"],
                description=data["description"],
                contact_email=data["contact_email"],
                roles=data["roles"],
                identifiers=data["identifiers"],
            )
        return actions.update_organisation(
            actor=actor,
            organisation=org,
            name=data["name"],
            description=data["description"],
            contact_email=data["contact_email"],
            roles=data["roles"],
            identifiers=data["identifiers"],
        )
    except ActionError as exc:
        add_action_error(form, exc)
        return None


@login_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).is_platform_admin:
        return _forbidden(request)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST":
        org = _org_form_submit(request, form, None)
        if org is not None:
            messages.success(request, f"{org} created.")
            return redirect("organisation_detail", pk=org.pk)
    return render(
        request,
        "parties/organisation_form.html",
        {"form": form, "org": None},
        status=422 if form.errors else 200,
    )


@login_required
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(organisations_visible_to(request.user), pk=pk)
    if not scope_for(request.user).is_platform_admin:
        return _forbidden(request)
    initial = {
        "name": org.name,
        "description": org.description,
        "contact_email": org.contact_email,
        "roles": sorted(org.role_codes),
        "identifiers": "\n".join(f"{i.scheme}:{i.value}" for i in org.identifiers.all()),
    }
    form = OrganisationForm(request.POST or None, initial=initial)
    if request.method == "POST" and _org_form_submit(request, form, org) is not None:
        messages.success(
            request, f"{org.name if not form.cleaned_data else form.cleaned_data['name']} saved."
        )
        return redirect("organisation_detail", pk=org.pk)
    return render(
        request,
        "parties/organisation_form.html",
        {"form": form, "org": org},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def organisation_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(organisations_visible_to(request.user), pk=pk)
    try:
        actions.set_organisation_active(
            actor=Actor.from_request(request), organisation=org, active=request.POST.get("active") == "1"
        )
        messages.success(
            request, f"{org} is now {'active' if request.POST.get('active') == '1' else 'inactive'}."
        )
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("organisation_detail", pk=org.pk)


@login_required
@require_POST
def member_invite(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(organisations_visible_to(request.user), pk=pk)
    scope = scope_for(request.user)
    if not scope.can_administer(org.pk):
        return _forbidden(request)
    form = InviteForm(request.POST, allowed_roles=_allowed_roles(scope, org))
    if form.is_valid():
        try:
            membership = actions.invite_user(
                actor=Actor.from_request(request), organisation=org, **form.cleaned_data
            )
            messages.success(request, f"{membership.user.email} invited as {membership.get_role_display()}.")
            return redirect("organisation_detail", pk=org.pk)
        except ActionError as exc:
            add_action_error(form, exc)
    members = memberships_visible_to(request.user).filter(organisation=org)
    context = {
        "org": org,
        "members": members,
        "can_admin": True,
        "invite_form": form,
        "is_platform_admin": scope.is_platform_admin,
        "role_choices": [c for c in MembershipRole.choices if c[0] in _allowed_roles(scope, org)],
        "timeline": timeline_for(org).select_related("actor")[:100],
    }
    return render(request, "parties/organisation_detail.html", context, status=422)


@login_required
@require_POST
def membership_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(memberships_visible_to(request.user), pk=pk)
    form = MembershipRoleForm(request.POST)
    if not scope_for(request.user).can_administer(membership.organisation_id):
        return _forbidden(request)
    if form.is_valid():
        try:
            actions.change_membership_role(
                actor=Actor.from_request(request), membership=membership, role=form.cleaned_data["role"]
            )
            messages.success(
                request, f"{membership.user} is now {MembershipRole(form.cleaned_data['role']).label}."
            )
        except ActionError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Choose a valid role.")
    return redirect("organisation_detail", pk=membership.organisation_id)


@login_required
@require_POST
def membership_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(memberships_visible_to(request.user), pk=pk)
    if not scope_for(request.user).can_administer(membership.organisation_id):
        return _forbidden(request)
    active = request.POST.get("active") == "1"
    try:
        actions.set_membership_active(actor=Actor.from_request(request), membership=membership, active=active)
        messages.success(request, f"{membership.user} {'reactivated' if active else 'deactivated'}.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("organisation_detail", pk=membership.organisation_id)
