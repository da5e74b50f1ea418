"""The baseline: a bare Django view that inserts the same event rows, with none of Busbar's work (no
authentication, permission, validation, folding, incidents, journal or idempotency): what the database
and the framework cost on their own. Served by the same server as Busbar, with the same settings.

    DJANGO_SETTINGS_MODULE=busbar.settings gunicorn bench.events.bare:application
"""

import os

import django
import orjson

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "busbar.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from busbar.events.models import Event  # noqa: E402
from busbar.services.models import Service  # noqa: E402

_SERVICES: dict[str, int] = {}


@csrf_exempt
def insert(request):
    items = orjson.loads(request.body)
    if not _SERVICES:
        _SERVICES.update(dict(Service.objects.values_list("slug", "pk")))
    now = timezone.now()
    rows = [
        Event(
            service_id=_SERVICES[i["service"]],
            source=i["source"],
            dedupe_key=i["dedupe_key"],
            severity=i["severity"],
            message=i["message"],
            first_seen=now,
            last_seen=now,
            created_at=now,
        )
        for i in items
    ]
    Event.objects.bulk_create(rows, batch_size=1000)
    return JsonResponse({"received": len(rows)}, status=202)


urlpatterns = [path("bare/events", insert)]
settings.ROOT_URLCONF = __name__
application = WSGIHandler()
