"""What the plan endpoints share: the bounded path parameters, finding the programme (404 when the caller
does not see it) and the rows a body names (422 when there is none), and the paginated rendering."""

from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Path

from busbar.lib.actions import ActionError, Actor
from busbar.parties.models import Organisation
from busbar.programmes import queries
from busbar.programmes.models import Milestone, PlanPhase
from busbar.testing.models import Programme

ProgrammePath = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
MilestonePath = Annotated[str, Path(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
PhasePath = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")]
NumberPath = Annotated[int, Path(ge=1, le=32_767)]


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _programme(request: HttpRequest, code: str) -> Programme:
    found = queries.programmes_visible_to(request.user).filter(code=code).first()
    if found is None:
        raise Http404("No such programme")
    return found


def _milestone_field(programme: Programme, code: str | None, field: str) -> Milestone | None:
    if code is None:
        return None
    found = Milestone.objects.filter(programme=programme, code=code).first()
    if found is None:
        raise ActionError(f"The plan has no milestone {code}", field=field)
    return found


def _phase_field(programme: Programme, code: str | None, field: str = "phase") -> PlanPhase | None:
    if code is None:
        return None
    found = PlanPhase.objects.filter(programme=programme, code=code).first()
    if found is None:
        raise ActionError(f"The plan has no phase {code}", field=field)
    return found


def _organisation(pk: int | None, field: str) -> Organisation | None:
    if pk is None:
        return None
    found = Organisation.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ActionError(f"No organisation {pk}", field=field)
    return found


def _org(o: Organisation | None) -> dict[str, Any] | None:
    return {"id": o.pk, "name": o.name} if o else None


class _Rendered:
    """A queryset the paginator counts and slices, each row rendered as the schema's dict."""

    def __init__(self, qs, render) -> None:
        self.qs, self.render = qs, render

    def all(self):
        return self.qs

    def __getitem__(self, item):
        return [self.render(x) for x in self.qs[item]]

    def __len__(self) -> int:
        return self.qs.count()
