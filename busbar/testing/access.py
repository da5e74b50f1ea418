"""What one person is in each test programme, computed once per request.

A person's organisations may hold **functions** in a programme (:class:`ProgrammeFunction`: SI, assurer,
programme manager, design authority, board) and **participate** in its phases. :class:`Access` wraps the
person's :class:`~busbar.parties.queries.Scope` with those functions; it depends on the user only through
the scope (people with the same ``scope_key`` have the same access), as the record kernel requires.

The service desk (central roles) reads every programme and changes none: testing is the SI's to run.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from busbar.parties.queries import SYSTEM, Scope, scope_for, scope_of
from busbar.testing.models import ProgrammeFunction, ProgrammeParty

F = ProgrammeFunction

#: Functions whose holders read everything in the programme (every participant's results and issues).
READ_ALL_FUNCTIONS = frozenset({F.SI, F.ASSURER, F.PROGRAMME_MANAGER, F.DESIGN_AUTHORITY, F.BOARD})


class Access:
    """A person's scope and (read on first use, one query) the functions their organisations hold."""

    def __init__(
        self, scope: Scope, functions: Mapping[int, frozenset[str]] | None = None, *, is_system: bool = False
    ) -> None:
        self.scope = scope
        self.is_system = is_system
        if functions is not None or not scope.organisation_ids:
            self.__dict__["functions"] = dict(functions or {})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Access) and (self.scope, self.is_system) == (other.scope, other.is_system)

    def __hash__(self) -> int:
        return hash((self.scope, self.is_system))

    @cached_property
    def functions(self) -> Mapping[int, frozenset[str]]:
        """programme id -> the functions the person's organisations hold in it."""
        held: dict[int, set[str]] = {}
        for programme_id, function in ProgrammeParty.objects.filter(
            organisation_id__in=self.scope.organisation_ids
        ).values_list("programme_id", "function"):
            held.setdefault(programme_id, set()).add(function)
        return {pid: frozenset(functions) for pid, functions in held.items()}

    @property
    def is_authenticated(self) -> bool:
        return self.is_system or self.scope.is_authenticated

    @property
    def organisation_ids(self) -> frozenset[int]:
        return self.scope.organisation_ids

    @property
    def is_central(self) -> bool:
        """The service desk and platform administrators: read every programme."""
        return self.scope.is_central

    @property
    def is_platform_admin(self) -> bool:
        return self.is_system or self.scope.is_platform_admin

    def holds(self, programme_id: int, *functions: str) -> bool:
        if self.is_system:
            return True
        held = self.functions.get(programme_id, frozenset())
        return bool(held & set(functions)) if functions else bool(held)

    def is_si(self, programme_id: int) -> bool:
        return self.holds(programme_id, F.SI)

    def is_assurer(self, programme_id: int) -> bool:
        return not self.is_system and self.holds(programme_id, F.ASSURER)

    def reads_all(self, programme_id: int) -> bool:
        """Sees every participant's executions, issues and reports in the programme."""
        return self.is_system or self.is_central or self.holds(programme_id, *READ_ALL_FUNCTIONS)

    def is_member(self, organisation_id: int | None) -> bool:
        return organisation_id is not None and organisation_id in self.scope.organisation_ids

    @property
    def reads_all_programmes(self) -> frozenset[int]:
        """The programmes in which the person reads everything (besides the desk, which reads all)."""
        return frozenset(pid for pid, held in self.functions.items() if held & READ_ALL_FUNCTIONS)


SYSTEM_ACCESS = Access(scope=SYSTEM, is_system=True)


def access_for(user) -> Access:
    """The user's access, cached on the user object for the rest of the request."""
    scope = scope_for(user)
    if not scope.is_authenticated:
        return Access(scope=scope)
    cached = getattr(user, "_busbar_testing_access", None)
    if cached is not None and cached.scope == scope:
        return cached
    access = Access(scope=scope)
    user._busbar_testing_access = access
    return access


def access_of(actor) -> Access:
    """The access an action checks: the acting user's, or :data:`SYSTEM_ACCESS` when no user acts."""
    if actor.user is None:
        return SYSTEM_ACCESS
    scope = scope_of(actor)
    return access_for(actor.user) if scope.is_authenticated else Access(scope=scope)


def forget_access(user) -> None:
    """Drop the cached access (after a programme's parties change)."""
    if hasattr(user, "_busbar_testing_access"):
        del user._busbar_testing_access
