"""API: service-level endpoints."""

from django.http import HttpRequest
from ninja import Router, Schema, Status

from busbar.core.health import database_status

router = Router(tags=["Service"])


class HealthOut(Schema):
    status: str
    database: dict


@router.get("/health", response={200: HealthOut, 503: HealthOut}, auth=None, summary="Service health")
def health(request: HttpRequest) -> Status:
    db = database_status()
    ok = db["status"] == "ok"
    return Status(200 if ok else 503, {"status": "ok" if ok else "degraded", "database": db})
