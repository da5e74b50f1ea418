"""The ceiling: a bare Django view running the same full-text search straight in SQL (published articles
for every participant, ranked, the page of 20 and the count), with none of Busbar's work (no
authentication, visibility rule, schema, snippets). Served by the same server as Busbar.

    DJANGO_SETTINGS_MODULE=busbar.settings gunicorn bench.knowledge.bare:application
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

from busbar.knowledge.search import _tsquery, terms  # noqa: E402

WHERE = "status = 'published' AND audience = 'everyone' AND search_vector @@ to_tsquery('english', %s)"


def search(request):
    query = _tsquery(terms(request.GET.get("q", "")), any_word=False, prefix=False)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM knowledge_article WHERE {WHERE}", [query])
        count = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT id, reference, title, summary FROM knowledge_article WHERE {WHERE} "
            "ORDER BY ts_rank(search_vector, to_tsquery('english', %s), 1) DESC, id DESC LIMIT 20",
            [query, query],
        )
        rows = [{"id": r[0], "reference": r[1], "title": r[2], "summary": r[3]} for r in cursor.fetchall()]
    return HttpResponse(orjson.dumps({"count": count, "items": rows}), content_type="application/json")


urlpatterns = [path("bare/search", search)]
settings.ROOT_URLCONF = __name__
application = WSGIHandler()
