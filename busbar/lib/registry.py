"""What each app adds to the shared pages, registered in its ``AppConfig.ready``.

``core`` builds the navigation, the home pages and the API from these registrations and ``audit`` keeps the
journal list off the records that have their own redacted timeline, so a new app never edits either:
it registers its navigation entries, home-page panels and timeline-only models here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavEntry:
    label: str
    #: A URL name (reversed when shown) or a path beginning with "/".
    url: str
    order: int
    #: Whether a person with this scope (busbar.parties.queries.Scope) sees the entry.
    show: Callable[[Any], bool] = field(default=lambda scope: True, compare=False)
    #: The menu it is gathered under in the header (one of :data:`NAV_GROUPS`); "" for the top bar.
    group: str = ""


#: The header's menus, in order, after the top-level entries: (key, label).
NAV_GROUPS = (
    ("desk", "Operations"),
    ("change", "Change"),
    ("levels", "Service levels"),
    ("programmes", "Programmes"),
    ("admin", "Administration"),
)


@dataclass(frozen=True)
class HomePanel:
    """A part of a home page: ``template`` included with ``p`` = ``context(request, kind)``."""

    key: str
    #: The home pages it appears on: desk, provider, participant, admin.
    kinds: frozenset[str]
    template: str
    context: Callable[[Any, str], dict] = field(compare=False)
    order: int = 50


_NAV: dict[str, NavEntry] = {}
_ROUTERS: dict[str, tuple[int, Any]] = {}
_PANELS: dict[str, HomePanel] = {}
_TIMELINE_ONLY: set[tuple[str, str]] = set()
_SLA_USERS: dict[str, SlaUser] = {}


@dataclass(frozen=True)
class SlaUser:
    """A record type measured by the services' SLA policies (registered by its app)."""

    #: What its records are called, plural: "incidents".
    label: str
    #: How many open records a service has (a service with open ones keeps its severity scheme).
    open_on_service: Callable[[Any], int] = field(compare=False)
    #: Called on commit after a policy, target or calendar change, with the policy's id: recompute.
    policy_changed: Callable[[int], None] = field(compare=False)


def nav_entry(
    label: str, url: str, *, order: int, show: Callable[[Any], bool] | None = None, group: str = ""
) -> None:
    if group and group not in dict(NAV_GROUPS):
        raise ValueError(f"unknown navigation group {group!r}")
    _NAV[label] = NavEntry(label, url, order, show or (lambda scope: True), group)


def home_panel(
    key: str, *, kinds: set[str], template: str, context: Callable[[Any, str], dict], order: int = 50
) -> None:
    _PANELS[key] = HomePanel(key, frozenset(kinds), template, context, order)


def timeline_only(app_label: str, model: str) -> None:
    """Entries about ``app_label.model`` are read through the record's own redacted timeline only, never
    through the journal list (they may carry internal detail)."""
    _TIMELINE_ONLY.add((app_label, model.lower()))


def api_router(name: str, router: Any, *, order: int = 50) -> None:
    """A django-ninja router mounted under ``/api/v1/`` (``name``: the app's, for ordering and tests)."""
    _ROUTERS[name] = (order, router)


def api_routers() -> list[Any]:
    return [router for _, router in sorted(_ROUTERS.values(), key=lambda item: item[0])]


def sla_user(
    label: str, *, open_on_service: Callable[[Any], int], policy_changed: Callable[[int], None]
) -> None:
    _SLA_USERS[label] = SlaUser(label, open_on_service, policy_changed)


def sla_users() -> list[SlaUser]:
    return [_SLA_USERS[k] for k in sorted(_SLA_USERS)]


_NOTIFICATION_KINDS: dict[str, str] = {}


def notification_kind(key: str, label: str) -> None:
    """A kind of email people may switch off on their profile (``User.wants(key)``)."""
    _NOTIFICATION_KINDS[key] = label


def notification_kinds() -> dict[str, str]:
    return dict(_NOTIFICATION_KINDS)


_DEMO: dict[str, int] = {}
_BODY_LIMITS: dict[str, int] = {}


def body_limit(path_prefix: str, max_bytes: int) -> None:
    """Requests under ``path_prefix`` may carry at most ``max_bytes`` of body (413 beyond, before reading)."""
    _BODY_LIMITS[path_prefix] = max_bytes


def body_limit_for(path: str) -> int | None:
    matches = [(len(p), n) for p, n in _BODY_LIMITS.items() if path.startswith(p)]
    return max(matches)[1] if matches else None


def demo_loader(path: str, *, order: int = 50) -> None:
    """``module:function(context)`` adding the app's demo records, run by ``busbar demo`` after the
    organisations and people, in ``order``."""
    _DEMO[path] = order


def demo_loaders() -> list[str]:
    return sorted(_DEMO, key=lambda p: (_DEMO[p], p))


def nav_entries() -> list[NavEntry]:
    return sorted(_NAV.values(), key=lambda e: (e.order, e.label))


def home_panels(kind: str) -> list[HomePanel]:
    return sorted((p for p in _PANELS.values() if kind in p.kinds), key=lambda p: (p.order, p.key))


def timeline_only_models() -> frozenset[tuple[str, str]]:
    return frozenset(_TIMELINE_ONLY)
