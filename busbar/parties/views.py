"""Organisation, membership and invitation pages. Reads through queries.py, writes through actions.py."""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core.internal import ratelimit as allauth_ratelimit
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from busbar.audit.queries import timeline_for
from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import add_action_error
from busbar.lib.postback import post_form
from busbar.parties import actions
from busbar.parties.answering import closing_if_void, settle
from busbar.parties.forms import (
    InvitationChoosePasswordForm,
    InvitationNewAccountForm,
    InvitationPasswordForm,
    InviteForm,
    MembershipRoleForm,
    OrganisationForm,
)
from busbar.parties.models import (
    OPERATOR_ROLES,
    IndustryRole,
    Invitation,
    InvitationStatus,
    MembershipRole,
    Organisation,
)
from busbar.parties.permissions import (
    SECURITY_KEY_ONLY,
    can_invite,
    can_revoke,
    can_see_invitations,
    is_invitee,
)
from busbar.parties.queries import (
    SECOND_FACTOR_NONE,
    SECOND_FACTOR_SECURITY_KEY,
    invitation_by_token,
    invitations_addressed_to,
    invitations_visible_to,
    invitee_account,
    invitee_account_state,
    memberships_visible_to,
    open_invitations_q,
    organisations_visible_to,
    scope_for,
    second_factor_of,
)

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
    invite_form = (
        InviteForm(allowed_roles=_allowed_roles(scope, org)) if can_invite(scope, org) is None else None
    )
    return render(request, "parties/organisation_detail.html", _detail_context(request, org, invite_form))


def _detail_context(request: HttpRequest, org: Organisation, invite_form: InviteForm | None) -> dict:
    scope = scope_for(request.user)
    members = memberships_visible_to(request.user).filter(organisation=org).order_by("user__full_name", "id")
    sees_members = scope.sees_organisation(org.pk)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page")) if sees_members else None
    invitations = None
    if can_see_invitations(scope, org) is None:
        invitations = (
            invitations_visible_to(request.user)
            .filter(open_invitations_q(), organisation=org)
            .order_by("-created_at", "-id")[:PAGE_SIZE]
        )
    return {
        "org": org,
        "members": page,
        "page": page,
        "can_admin": scope.can_administer(org.pk),
        "is_platform_admin": scope.is_platform_admin,
        "invite_form": invite_form,
        "invitations": invitations,
        "role_choices": [c for c in MembershipRole.choices if c[0] in _allowed_roles(scope, org)],
        "timeline": timeline_for(org).select_related("actor")[:100] if sees_members else None,
    }


def _allowed_roles(scope, org: Organisation) -> list[str]:
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
@post_form(lambda pk: reverse("organisation_detail", args=[pk]))
def member_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Send an invitation. The answer is the same for every valid address: it never says whether the
    address has an account, whose it is, or whether they are already a member."""
    org = get_object_or_404(organisations_visible_to(request.user), pk=pk)
    scope = scope_for(request.user)
    if can_invite(scope, org) is not None:
        return _forbidden(request)
    form = InviteForm(request.POST, allowed_roles=_allowed_roles(scope, org))
    status = 422
    if form.is_valid():
        try:
            invitation = actions.invite_user(
                actor=Actor.from_request(request), organisation=org, **form.cleaned_data
            )
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("organisation_detail", pk=org.pk)
        except ActionError as exc:
            add_action_error(form, exc)
            status = exc.status
    return render(
        request, "parties/organisation_detail.html", _detail_context(request, org, form), status=status
    )


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: str) -> HttpResponse:
    invitation = get_object_or_404(invitations_visible_to(request.user), pk=pk)
    if can_revoke(scope_for(request.user), invitation) is not None:
        return _forbidden(request)
    try:
        with closing_if_void(invitation):
            actions.revoke_invitation(actor=Actor.from_request(request), invitation=invitation)
        messages.success(request, f"Invitation to {invitation.email} revoked.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("organisation_detail", pk=invitation.organisation_id)


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


# --- The invitee's side ---------------------------------------------------------------------------------

ANSWER_FORMS = {
    "confirm_password": InvitationPasswordForm,
    "choose_password": InvitationChoosePasswordForm,
    "create": InvitationNewAccountForm,
}
#: States in which accepting switches a deactivated account back on.
REACTIVATING = ("confirm_password", "choose_password")


def _private(response: HttpResponse) -> HttpResponse:
    """The invitation page carries a secret in its address: never cache it, and never pass it on as a
    referrer to another site. ``same-origin``, not ``no-referrer``: with no referrer at all, browsers send
    ``Origin: null`` with the page's own form posts, and Django's CSRF check refuses them (a real browser
    could not accept an invitation)."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def _respond_state(request: HttpRequest, invitation: Invitation) -> tuple[str, str]:
    """What the page asks for, and the second factor a deactivated account must also prove."""
    if request.user.is_authenticated and not is_invitee(request.user, invitation):
        return "wrong_account", SECOND_FACTOR_NONE
    if not invitation.is_open or not invitation.organisation.is_active:
        return "closed", SECOND_FACTOR_NONE
    if request.user.is_authenticated:
        return "answer", SECOND_FACTOR_NONE
    state = invitee_account_state(invitation)
    if state not in REACTIVATING:
        return state, SECOND_FACTOR_NONE
    factor = second_factor_of(invitee_account(invitation))
    # A security key cannot be checked on this page: the owner asks an administrator instead.
    return ("ask_admin" if factor == SECOND_FACTOR_SECURITY_KEY else state), factor


def _answer_form(state: str, invitation: Invitation, factor: str, data: object = None) -> forms.Form | None:
    form_class = ANSWER_FORMS.get(state)
    if form_class is None:
        return None
    initial = {"full_name": invitation.full_name} if state == "create" else None
    return form_class(data, initial=initial, second_factor=factor)


def _closed_message(invitation: Invitation) -> str:
    if not invitation.organisation.is_active:
        return f"{invitation.organisation} is no longer active, so this invitation cannot be accepted."
    return invitation.closed_message


@require_http_methods(["GET", "POST"])
def invitation_respond(request: HttpRequest, token: str) -> HttpResponse:
    """The page the emailed link opens, signed in or not. It asks for what the address's owner must give
    to accept (nothing when signed in as them; a password — and a code, with a second factor — for a
    deactivated account; a name and password when there is no account yet) and offers to decline."""
    invitation = invitation_by_token(token)
    if invitation is None:
        return _private(render(request, "parties/invitation_respond.html", {"state": "invalid"}, status=404))
    state, factor = _respond_state(request, invitation)
    form = _answer_form(state, invitation, factor)
    status = 200
    if request.method == "POST":
        response, form, status = _respond_post(request, invitation, token, state, factor)
        if response is not None:
            return _private(response)
        invitation.refresh_from_db()
        if not invitation.is_open:
            state = "closed" if state != "wrong_account" else state
    context = {
        "state": state,
        "invitation": invitation,
        "form": form,
        "closed_message": _closed_message(invitation),
        "security_key_only": SECURITY_KEY_ONLY,
        "login_url": f"{reverse('account_login')}?{urlencode({'next': request.path})}",
    }
    return _private(render(request, "parties/invitation_respond.html", context, status=status))


class _Attempt:
    """One try at a deactivated account's secrets from the invitation page. It comes out of the same
    budget as signing in — allauth's lock-out, keyed on the account's address, not on the invitation, so a
    new invitation does not reset it — and, when a code is asked for, allauth's second-factor budget too.
    On success it is given back as allauth does: the sign-in use is rolled back, the code budget cleared."""

    def __init__(self, request: HttpRequest, invitation: Invitation, factor: str) -> None:
        self.request = request
        adapter = get_account_adapter(request)
        self.login_key = adapter._get_login_attempts_cache_key(request, email=invitation.email)
        self.code_key = None
        if factor != SECOND_FACTOR_NONE:
            account = invitee_account(invitation)
            self.code_key = f"mfa-auth-user-{account.pk}" if account is not None else None
        self.usage = None

    def spend(self) -> bool:
        self.usage = allauth_ratelimit.consume(
            self.request, app="allauth.account", action="login_failed", key=self.login_key
        )
        if not self.usage:
            return False
        return not self.code_key or bool(
            allauth_ratelimit.consume(
                self.request, app="allauth.account", action="login_failed", key=self.code_key
            )
        )

    def succeeded(self) -> None:
        if self.usage:
            self.usage.rollback()
        if self.code_key:
            allauth_ratelimit.clear(
                self.request, app="allauth.account", action="login_failed", key=self.code_key
            )


def _respond_post(
    request: HttpRequest, invitation: Invitation, token: str, state: str, factor: str
) -> tuple[HttpResponse | None, forms.Form | None, int]:
    """Handle an answer from the invitation page: a response to send, or the form to show with a status."""
    if state == "wrong_account":
        return None, None, 403
    if state == "closed":
        if invitation.status == InvitationStatus.PENDING:
            settle(invitation)  # first touched since it lapsed (or its sender lost the right): record it
        return None, None, 409
    actor = Actor.from_request(request)
    if request.POST.get("decision") == "decline":
        try:
            with closing_if_void(invitation):
                actions.decline_invitation(actor=actor, invitation=invitation, token=token)
        except ActionError as exc:
            messages.error(request, exc.message)
            return None, _answer_form(state, invitation, factor), exc.status
        messages.success(request, f"You declined the invitation to join {invitation.organisation}.")
        return redirect("profile" if request.user.is_authenticated else request.path), None, 302
    if state == "sign_in":
        messages.error(request, "Sign in with the invited email address to accept this invitation.")
        return None, None, 403
    if state == "ask_admin":
        return None, None, 403
    form = _answer_form(state, invitation, factor, request.POST)
    if form is not None and not form.is_valid():
        return None, form, 422
    data = form.cleaned_data if form is not None else {}
    attempt = None
    if state == "confirm_password" or (state in REACTIVATING and factor != SECOND_FACTOR_NONE):
        attempt = _Attempt(request, invitation, factor)
        if not attempt.spend():
            form.add_error(None, "Too many attempts. Wait a few minutes, then try again.")
            return None, form, 429
    try:
        with closing_if_void(invitation):
            membership = actions.accept_invitation(
                actor=actor,
                invitation=invitation,
                token=token,
                full_name=data.get("full_name", ""),
                password=data.get("password", ""),
                code=data.get("code", ""),
            )
    except ActionError as exc:
        if form is None or isinstance(exc, actions.InvitationVoid):
            messages.error(request, exc.message)  # a dead invitation's page shows no form any more
        else:
            add_action_error(form, exc)
        return None, form, exc.status
    if attempt is not None:
        attempt.succeeded()
    joined = f"{membership.organisation} as {MembershipRole(membership.role).label}"
    if state == "answer":
        messages.success(request, f"You are now a member of {joined}.")
        return redirect("organisation_detail", pk=membership.organisation_id), None, 302
    messages.success(
        request,
        f"You are now a member of {joined}. Sign in with {invitation.email} and your password to continue.",
    )
    return redirect("account_login"), None, 302


@login_required
@require_POST
def invitation_accept(request: HttpRequest, pk: str) -> HttpResponse:
    """Accept, signed in as the invited address (from the profile page)."""
    invitation = get_object_or_404(invitations_addressed_to(request.user), pk=pk)
    try:
        with closing_if_void(invitation):
            membership = actions.accept_invitation(actor=Actor.from_request(request), invitation=invitation)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("profile")
    messages.success(
        request,
        f"You are now a member of {membership.organisation} as {MembershipRole(membership.role).label}.",
    )
    return redirect("organisation_detail", pk=membership.organisation_id)


@login_required
@require_POST
def invitation_decline(request: HttpRequest, pk: str) -> HttpResponse:
    """Decline, signed in as the invited address (from the profile page)."""
    invitation = get_object_or_404(invitations_addressed_to(request.user), pk=pk)
    try:
        with closing_if_void(invitation):
            actions.decline_invitation(actor=Actor.from_request(request), invitation=invitation)
        messages.success(request, f"You declined the invitation to join {invitation.organisation}.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("profile")
