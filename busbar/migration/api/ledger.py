"""The MPAN ledger API (``/migration/ledger/…``): load a daily file (multipart), the loads a caller may see
with their rejected lines, one MPAN's state and events, and the MPANs a caller may see (keyset pages).

A supplier sees its own MPANs and loads, a DNO the MPANs in its area, an agent those it is appointed to, the
programme everything (:mod:`busbar.migration.queries`); anything else is a 404. A file with a wrong line is
still a 201: the load is recorded, ``status`` ``rejected`` with its ``errors`` (nothing applied) unless
``apply_valid``.
"""

import datetime as dt
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from busbar.lib.actions import ActionError, Actor
from busbar.lib.keyset import Key, KeysetList, KeysetPage
from busbar.lib.pagination import Page
from busbar.lib.schema import Id, IdPath
from busbar.migration import common, ledger, queries
from busbar.migration.actions.ledger import load_file
from busbar.migration.models import LedgerEvent, LedgerState, LoadStatus, Mpan, Segment
from busbar.parties.models import Organisation

router = Router(tags=["Qualification and migration"])

MpanPath = Annotated[
    str, Path(min_length=13, max_length=13, pattern=r"^[0-9]{13}$", description="The 13-digit MPAN core")
]
#: Events of one MPAN returned.
EVENTS_MAX = 200


class MigrationLoadErrorOut(Schema):
    line: int = Field(..., description="The file's line (the header is line 1)")
    field: str
    message: str


class MigrationLoadOut(Schema):
    id: int
    organisation: int
    organisation_name: str
    filename: str
    file_format: str
    sha256: str
    status: LoadStatus
    rows: int
    applied: int
    unchanged: int = Field(..., description="Lines already in the ledger (a re-load)")
    rejected: int
    apply_valid: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_organisation(obj: Any) -> int:
        return obj.organisation_id

    @staticmethod
    def resolve_organisation_name(obj: Any) -> str:
        return obj.organisation.name


class MigrationLoadDetailOut(MigrationLoadOut):
    errors: list[MigrationLoadErrorOut] = Field(
        ...,
        description=f"The rejected lines (at most {ledger.MAX_ERRORS_KEPT:,} kept; the count is rejected)",
    )


class MigrationEventOut(Schema):
    kind: str
    on: dt.date


class MigrationMpanOut(Schema):
    mpan: str
    segment: str
    supplier: int
    distributor: str
    agent: int | None
    state: LedgerState
    excluded: bool
    scheduled_for: dt.date | None
    migrated_on: dt.date | None
    last_event_on: dt.date | None
    failures: int
    in_flight_at: dt.date | None = Field(
        ..., description="The cut-over (window close) at which the MPAN was still scheduled, if it was"
    )

    @staticmethod
    def resolve_supplier(obj: Any) -> int:
        return obj.supplier_id

    @staticmethod
    def resolve_agent(obj: Any) -> int | None:
        return obj.agent_id


class MigrationMpanDetailOut(MigrationMpanOut):
    events: list[MigrationEventOut] = Field(..., description=f"Oldest first, at most {EVENTS_MAX}")


class MigrationMpanFilter(Schema):
    state: LedgerState | None = None
    segment: Segment | None = None
    supplier: Id | None = Field(None, description="The supplier's organisation id")
    distributor: str | None = Field(None, pattern=r"^[0-9]{2}$", description="The 2-digit distributor ID")
    in_flight: bool | None = Field(
        None, description="Only those in flight at a cut-over (true) or not (false)"
    )


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _load(request: HttpRequest, load_id: int) -> Any:
    return get_object_or_404(queries.loads_visible_to(request.user), pk=load_id)


@router.post(
    "/migration/ledger/loads",
    response={201: MigrationLoadDetailOut},
    summary="Load a daily migration file (CSV or Parquet) into the MPAN ledger",
    operation_id="migration_ledger_load_file",
)
def post_load(
    request: HttpRequest,
    file: File[UploadedFile],
    apply_valid: Form[bool] = False,
    organisation: Form[Id | None] = None,
) -> Status:
    """Columns ``mpan,segment,supplier,dno,agent,event,date`` (any order; CSV in UTF-8 with a header row, or
    Parquet). Every line is checked; with any wrong line nothing applies unless ``apply_valid``. The
    ``organisation`` whose file it is: yours by default (a migration manager names it)."""
    if file.size is not None and file.size > ledger.MAX_BYTES:
        raise ActionError(f"The file is larger than {ledger.MAX_BYTES:,} bytes", field="file")
    actor = _actor(request)
    org: Any = actor.organisation
    if organisation is not None:
        org = Organisation.objects.filter(pk=organisation, is_active=True).first()
        if org is None:
            raise ActionError(f"No organisation {organisation}", field="organisation")
    done = load_file(
        actor=actor,
        organisation=org,
        filename=file.name or "daily.csv",
        content=file.read(ledger.MAX_BYTES + 1),
        apply_valid=apply_valid,
    )
    return Status(201, _load(request, done.pk))


@router.get(
    "/migration/ledger/loads",
    response=list[MigrationLoadOut],
    summary="The daily file loads you may see, newest first",
    operation_id="migration_ledger_list_loads",
)
@paginate(Page)
def list_loads(request: HttpRequest) -> QuerySet:
    return queries.loads_visible_to(request.user).order_by("-created_at", "-id")


@router.get(
    "/migration/ledger/loads/{load_id}",
    response=MigrationLoadDetailOut,
    summary="One load with its rejected lines",
    operation_id="migration_ledger_get_load",
)
def get_load(request: HttpRequest, load_id: IdPath) -> Any:
    return _load(request, load_id)


def _mpan_rows(pks: list[int]) -> QuerySet:
    return Mpan.objects.filter(pk__in=pks)


@router.get(
    "/migration/ledger/mpans",
    response=list[MigrationMpanOut],
    summary="The MPANs you may see, by MPAN (keyset pages)",
    operation_id="migration_ledger_list_mpans",
)
@paginate(KeysetPage)
def list_mpans(request: HttpRequest, filters: Query[MigrationMpanFilter]) -> KeysetList:
    """A supplier sees its own MPANs, a DNO those in its area, an agent those it is appointed to, the
    programme all. Pages: ``limit`` and ``cursor`` (``next_cursor``); ``count`` exact up to 10,000."""
    qs = queries.mpans_visible_to(request.user)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.segment:
        qs = qs.filter(segment=filters.segment)
    if filters.supplier:
        qs = qs.filter(supplier_id=filters.supplier)
    if filters.distributor:
        qs = qs.filter(distributor=filters.distributor)
    if filters.in_flight is not None:
        qs = qs.filter(in_flight_at__isnull=not filters.in_flight)
    return KeysetList(qs=qs, keys=[Key("core")], rows=_mpan_rows)


@router.get(
    "/migration/ledger/mpans/{mpan}",
    response=MigrationMpanDetailOut,
    summary="One MPAN's state and events",
    operation_id="migration_ledger_get_mpan",
)
def get_mpan(request: HttpRequest, mpan: MpanPath) -> Any:
    core = common.parse_mpan(mpan)
    if core is None:
        raise ActionError(common.mpan_problem(mpan) or "Not an MPAN", field="mpan")
    found = queries.mpans_visible_to(request.user).filter(core=core).first()
    if found is None:
        raise Http404("No such MPAN in the ledger, or you may not see it")
    found.events = list(LedgerEvent.objects.filter(core=core).order_by("on", "id")[:EVENTS_MAX])
    return found
