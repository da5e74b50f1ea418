"""Who is asking, in one query: a user (reached from a token or by id) with the memberships that make
their scope and whether a second factor is set up.

Every request needs the three: the user, :func:`busbar.parties.queries.scope_for` (the memberships) and
:func:`busbar.accounts.mfa.has_strong_factor`. Read separately that is three queries before any work;
here it is one statement, one row per active membership (a LEFT JOIN, so a user without memberships
still gives one row) with the second factor as an ``EXISTS`` column, and the result primes exactly what
the two functions would otherwise query.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.db import models
from django.db.models import Exists, FilteredRelation, OuterRef, Q

from busbar.accounts.mfa import STRONG_TYPES
from busbar.accounts.models import User
from busbar.parties.models import Membership, Organisation
from busbar.parties.queries import remember_scope


def _attnames(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def load_with_scope(qs: models.QuerySet, *, user_path: str = "") -> tuple[Any, User] | None:
    """The first object of ``qs`` (a user, or a model with a ``user`` foreign key named by
    ``user_path``) and its user, with the user's scope and MFA state primed; None when ``qs`` is empty.
    """
    lead_model = qs.model
    user_prefix = f"{user_path}__" if user_path else ""
    lead_f, user_f = _attnames(lead_model), _attnames(User)
    member_f, org_f = _attnames(Membership), _attnames(Organisation)
    columns = lead_f + ([f"{user_prefix}{n}" for n in user_f] if user_path else [])
    columns += [f"active_m__{n}" for n in member_f] + [f"active_m__organisation__{n}" for n in org_f]
    user_pk = f"{user_path}_id" if user_path else "pk"
    rows = list(
        qs.annotate(
            active_m=FilteredRelation(
                f"{user_prefix}memberships", condition=Q(**{f"{user_prefix}memberships__is_active": True})
            ),
            has_mfa=Exists(Authenticator.objects.filter(user_id=OuterRef(user_pk), type__in=STRONG_TYPES)),
        )
        .order_by("active_m__created_at", "active_m__id")
        .values_list(*columns, "has_mfa")
    )
    if not rows:
        return None
    db = qs.db
    first = rows[0]
    at = len(lead_f)
    lead = lead_model.from_db(db, lead_f, first[:at])
    if user_path:
        user = User.from_db(db, user_f, first[at : at + len(user_f)])
        setattr(lead, user_path, user)
        at += len(user_f)
    else:
        user = lead
    memberships = []
    for row in rows:
        if row[at] is None:  # no active membership: the LEFT JOIN's empty row
            continue
        organisation = Organisation.from_db(db, org_f, row[at + len(member_f) : -1])
        if not organisation.is_active:
            continue
        membership = Membership.from_db(db, member_f, row[at : at + len(member_f)])
        membership.user = user
        membership.organisation = organisation
        memberships.append(membership)
    user._busbar_has_mfa = bool(first[-1])
    remember_scope(user, tuple(memberships))
    return lead, user
