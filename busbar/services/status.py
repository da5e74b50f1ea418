"""The status board: how each service is shown, decided once for the board page, the service pages and
``GET /api/v1/status``.

A service's **own** status is the worst of

- the status set by hand (a catalogue manager's ``set_service_status``, with its note), and
- each live impact registered on it by a higher app (:func:`impact_source`): the incidents app registers
  its open, published major incidents, mapped by severity with :func:`severity_status` (rank 1, e.g. REC
  severity 1 or SEC category 1: **outage**; any other major severity: **degraded**).

Its **shown** status is the worst of its own status and what reaches it from the services it relates to:

- a service's components (and theirs) share its status: a component of a service in outage is in outage;
- the services that depend on it (directly or through other dependants), and the service it is a
  component of, are at least **degraded** (**planned maintenance** passes on as planned maintenance),
  each with the reason: "because <service> is <status>".

Order, worst last: operational, planned maintenance, degraded, outage. Every service on the board costs
the same few queries whatever their number: the services, their dependencies, and each impact source's
own (the incidents source reads its live majors and which of them the viewer may open).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from busbar.services.models import Service, ServiceStatus

#: How bad each status is (the board shows the worst).
RANK = {
    ServiceStatus.OPERATIONAL: 0,
    ServiceStatus.MAINTENANCE: 1,
    ServiceStatus.DEGRADED: 2,
    ServiceStatus.OUTAGE: 3,
}


def severity_status(rank: int) -> str:
    """The status a live published major incident of severity ``rank`` gives its service (the one mapping:
    rank 1 is an outage, any other rank degrades the service)."""
    return ServiceStatus.OUTAGE if rank == 1 else ServiceStatus.DEGRADED


def worst(*statuses: str) -> str:
    return max(statuses, key=lambda s: RANK[s], default=ServiceStatus.OPERATIONAL)


def passed_on(status: str) -> str:
    """What a service in ``status`` gives the services that depend on it or that it is a component of."""
    if status == ServiceStatus.OPERATIONAL:
        return status
    return ServiceStatus.MAINTENANCE if status == ServiceStatus.MAINTENANCE else ServiceStatus.DEGRADED


# Impacts registered by higher apps --------------------------------------------------------------------------


@dataclass(frozen=True)
class Impact:
    """A live record bearing on a service's status (e.g. a published major incident)."""

    service_id: int
    #: The status it gives the service (a ServiceStatus value).
    status: str
    reference: str
    title: str
    #: Where the viewer may open it, or "" when they may not (it still counts if it is published).
    url: str = ""
    #: Whether it drives the status everyone sees (published); an unpublished one is only linked for those
    #: who may open it.
    counts: bool = True
    label: str = ""


#: (user, service ids) -> the impacts on those services; at most a fixed number of queries whatever the
#: number of services.
ImpactSource = Callable[[Any, list[int]], Iterable[Impact]]
_SOURCES: dict[str, ImpactSource] = {}


def impact_source(name: str, source: ImpactSource) -> None:
    """Registered in a higher app's ``AppConfig.ready`` (the catalogue never imports it)."""
    _SOURCES[name] = source


# The board --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """Why a service is shown worse than its own status: ``source`` is ``source_status``."""

    source: Service
    source_status: str
    status: str
    #: "component" (it is part of the source), "dependency" (it depends on the source, maybe indirectly),
    #: "part" (the source is one of its components).
    via: str
    incidents: tuple[Impact, ...] = ()
    #: The related service it is reached through, when that is not the source itself.
    through: Service | None = None

    @property
    def text(self) -> str:
        """What follows "because it": "depends on UK Link, affected by CSS registration service, which has
        an outage"."""
        what = f"{self.source.name}, which has {_article(ServiceStatus(self.source_status).label.lower())}"
        verb = {"component": "is part of", "part": "contains"}.get(self.via, "depends on")
        if self.through is not None:
            return f"{verb} {self.through.name}, affected by {what}"
        return f"{verb} {what}"


def _article(label: str) -> str:
    special = {"outage": "an outage", "planned maintenance": "planned maintenance"}
    return special.get(label, f"{label} service")


@dataclass
class Entry:
    service: Service
    #: What the board shows.
    status: str
    #: Set by hand.
    manual_status: str
    #: The worst of the manual status and the counting impacts on this service itself.
    own_status: str
    #: Impacts on this service the viewer may open (links), and those that count but they may not open.
    incidents: list[Impact] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    components: list[Entry] = field(default_factory=list)

    @property
    def label(self) -> str:
        return ServiceStatus(self.status).label

    @property
    def note(self) -> str:
        return self.service.status_note

    @property
    def is_operational(self) -> bool:
        return self.status == ServiceStatus.OPERATIONAL


@dataclass
class Board:
    entries: dict[int, Entry]
    #: Top-level entries (and services whose parent the viewer does not see), each with its components.
    roots: list[Entry]

    @property
    def affected(self) -> list[Entry]:
        return [e for e in self.entries.values() if not e.is_operational]

    @property
    def rows(self) -> list[tuple[Entry, Service | None]]:
        """Every entry with the service it is a component of, each service followed by its components."""
        out: list[tuple[Entry, Service | None]] = []
        stack: list[tuple[Entry, Service | None]] = [(e, None) for e in reversed(self.roots)]
        while stack:
            entry, parent = stack.pop()
            out.append((entry, parent))
            stack.extend((c, entry.service) for c in reversed(entry.components))
        return out

    def get(self, service_id: int) -> Entry | None:
        return self.entries.get(service_id)


def board(user: Any, services: QuerySet[Service]) -> Board:
    """The board for ``services`` (already limited to what ``user`` sees), in their order."""
    rows = list(services)
    ids = [s.pk for s in rows]
    by_id = {s.pk: s for s in rows}
    children: dict[int, list[int]] = {pk: [] for pk in ids}
    parent: dict[int, int | None] = {}
    for s in rows:
        parent[s.pk] = s.parent_id if s.parent_id in by_id else None
        if parent[s.pk] is not None:
            children[s.parent_id].append(s.pk)
    dependants: dict[int, list[int]] = {pk: [] for pk in ids}
    through = Service.depends_on.through.objects.filter(from_service_id__in=ids, to_service_id__in=ids)
    for dependant, dependency in through.values_list("from_service_id", "to_service_id"):
        dependants[dependency].append(dependant)

    impacts: dict[int, list[Impact]] = {pk: [] for pk in ids}
    for name in sorted(_SOURCES):
        for impact in _SOURCES[name](user, ids):
            if impact.service_id in impacts:
                impacts[impact.service_id].append(impact)

    entries: dict[int, Entry] = {}
    for s in rows:
        own = worst(s.status, *(i.status for i in impacts[s.pk] if i.counts))
        shown = [i for i in impacts[s.pk] if i.url or i.counts]
        shown.sort(key=lambda i: (-RANK[i.status], i.reference))
        entries[s.pk] = Entry(s, own, s.status, own, incidents=shown)

    for source_id, entry in entries.items():
        if entry.own_status == ServiceStatus.OPERATIONAL:
            continue
        linked = tuple(i for i in entry.incidents if i.url)
        for target, status, via, through in _spread(
            source_id, entry.own_status, children, parent, dependants
        ):
            reached = entries[target]
            step = by_id[through] if through is not None else None
            reached.reasons.append(Reason(entry.service, entry.own_status, status, via, linked, step))
            reached.status = worst(reached.status, status)
    for entry in entries.values():
        entry.reasons.sort(key=lambda r: (-RANK[r.status], r.source.name))

    roots = []
    for s in rows:
        if parent[s.pk] is None:
            roots.append(entries[s.pk])
        else:
            entries[parent[s.pk]].components.append(entries[s.pk])
    return Board(entries, roots)


def _spread(
    source: int,
    status: str,
    children: dict[int, list[int]],
    parent: dict[int, int | None],
    dependants: dict[int, list[int]],
) -> list[tuple[int, str, str, int | None]]:
    """Every service ``source`` reaches, with the status it gives, how, and through which service (None when
    directly): its components share its status; its dependants and the service it is part of (and onwards
    through theirs) get :func:`passed_on`."""
    reached: list[tuple[int, str, str, int | None]] = []
    seen = {source}
    part = [source]
    stack = list(children[source])
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        part.append(node)
        reached.append((node, status, "component", None))
        stack.extend(children[node])
    weaker = passed_on(status)
    queue: deque[tuple[int, str, int]] = deque()

    def onwards(node: int) -> None:
        queue.extend((d, "dependency", node) for d in dependants[node])
        if parent[node] is not None:
            queue.append((parent[node], "part", node))

    for node in part:
        onwards(node)
    while queue:
        node, via, came_from = queue.popleft()
        if node in seen:
            continue
        seen.add(node)
        # Reached straight from the source (or a component sharing its status), or through another service.
        reached.append((node, weaker, via, None if came_from in part else came_from))
        onwards(node)
    return reached
