"""The ceiling: what one request can cost on this server with none of Busbar's work. One bare Django view,
one raw SELECT of 50 incident rows in the API list's order (newest first), serialised with orjson; no
authentication, visibility rule, throttle, schema or relations. Served by the same server as Busbar
(gunicorn, same workers and threads), so the ratio of the two is Busbar's own cost.

    DJANGO_SETTINGS_MODULE=busbar.settings gunicorn bench.incidents.ceiling:application
"""

import os

import django
import orjson

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "busbar.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

SQL = (
    "SELECT i.id, i.reference, i.summary, i.status, i.impact, i.created_at, i.updated_at, "
    "r.response_due_at, r.resolution_due_at, r.response_breached, r.resolution_breached "
    "FROM incidents_incident i JOIN records_record r ON r.id = i.record_id "
    "ORDER BY i.created_at DESC, i.id DESC LIMIT 50"
)
COLUMNS = [
    "id",
    "reference",
    "summary",
    "status",
    "impact",
    "created_at",
    "updated_at",
    "response_due_at",
    "resolution_due_at",
    "response_breached",
    "resolution_breached",
]


def incidents(request):
    with connection.cursor() as cursor:
        cursor.execute(SQL)
        rows = [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    return HttpResponse(orjson.dumps({"items": rows}), content_type="application/json")


urlpatterns = [path("ceiling/incidents", incidents)]
settings.ROOT_URLCONF = __name__
application = WSGIHandler()
