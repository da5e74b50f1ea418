"""``Idempotency-Key`` on every API write: a retried request is answered, never done twice.

A client that times out cannot know whether its ``POST`` took effect. Sending the same
``Idempotency-Key`` header with the retry makes that safe:

* the first request runs, and if it succeeds (2xx) its response is stored with the key, in the same
  database transaction as the change itself — a change is never committed without its key, nor a key
  without its change;
* a later request with the same key and the same method, path and body gets the stored response
  again, marked ``Idempotent-Replayed: true``, and changes nothing;
* the same key with a different request is refused (422, naming the header);
* a request still running with that key makes a concurrent duplicate wait for it (PostgreSQL) or be
  answered 409 once the first is known to be in progress;
* a request that fails (4xx or 5xx) stores nothing, so it can be corrected and sent again with the
  same key.

Keys belong to the caller (the signed-in user, whichever token or session they use), are 1–255
visible ASCII characters, and are kept for ``BUSBAR_IDEMPOTENCY_HOURS`` (24 by default).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone

from busbar.core.models import IdempotencyKey
from busbar.lib.problems import problem_response

HEADER = "Idempotency-Key"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REPLAYED = "Idempotent-Replayed"
#: Response headers worth replaying besides the body and its type.
KEPT_HEADERS = ("Location", "Retry-After")


def valid_key(key: str) -> bool:
    return 1 <= len(key) <= 255 and all(0x21 <= ord(c) <= 0x7E for c in key)


def fingerprint(request: HttpRequest) -> str:
    """A digest of what the request asks for: method, path with query, and the body in canonical form.

    JSON bodies are compared by content (key order and whitespace do not matter); multipart bodies by
    their fields and the digests of their files (clients pick a new boundary on every attempt).
    """
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b" " + request.get_full_path().encode() + b"\n")
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(orjson.dumps(["field", name, value]))
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                content = hashlib.sha256()
                for chunk in upload.chunks():
                    content.update(chunk)
                upload.seek(0)
                digest.update(orjson.dumps(["file", name, upload.name, content.hexdigest()]))
        return digest.hexdigest()
    body = request.body
    if content_type in ("application/json", "text/plain", ""):
        # Not JSON: compare the bytes; the endpoint itself will refuse it.
        with contextlib.suppress(orjson.JSONDecodeError):
            body = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
    digest.update(body)
    return digest.hexdigest()


def _caller_id(request: HttpRequest) -> int | None:
    """The user behind the request's credentials, without authenticating it (the endpoint does that)."""
    authorization = request.headers.get("Authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        from busbar.accounts.models import ApiToken, hash_token

        row = (
            ApiToken.objects.filter(digest=hash_token(token.strip()), revoked_at__isnull=True)
            .values_list("user_id", flat=True)
            .first()
        )
        return row
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def _replay(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type)
    for name, value in record.headers.items():
        response[name] = value
    response[REPLAYED] = "true"
    return response


def _refuse(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return problem_response(
        request,
        status=status,
        title=title,
        detail=message,
        kind="idempotency",
        errors=[{"field": HEADER, "message": message}],
    )


class IdempotencyMiddleware:
    """Applies to unsafe methods under ``/api/`` that carry an ``Idempotency-Key`` header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in UNSAFE or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not valid_key(key):
            return _refuse(
                request,
                422,
                "The Idempotency-Key header is not valid",
                "Use 1 to 255 visible ASCII characters, e.g. a UUID",
            )
        user_id = _caller_id(request)
        if user_id is None:
            return self.get_response(request)  # the endpoint answers 401
        try:
            digest = fingerprint(request)
        except RequestDataTooBig:
            return self.get_response(request)  # the endpoint answers 413
        except MultiPartParserError as exc:
            return problem_response(
                request,
                status=422,
                title="The request is not valid",
                detail=f"The multipart body could not be read: {exc}",
                kind="invalid",
                errors=[{"field": None, "message": f"The multipart body could not be read: {exc}"}],
            )
        return self._once(request, user_id, key, digest)

    def _once(self, request: HttpRequest, user_id: int, key: str, digest: str) -> HttpResponse:
        now = timezone.now()
        with transaction.atomic():
            found = IdempotencyKey.objects.select_for_update().filter(user_id=user_id, key=key).first()
            if found is not None and found.expires_at <= now:
                found.delete()
                found = None
            if found is None:
                try:
                    with transaction.atomic():
                        record = IdempotencyKey.objects.create(
                            user_id=user_id,
                            key=key,
                            fingerprint=digest,
                            method=request.method,
                            path=request.get_full_path()[:2000],
                            created_at=now,
                            expires_at=now + dt.timedelta(hours=settings.BUSBAR_IDEMPOTENCY_HOURS),
                        )
                except IntegrityError:
                    # Another request with this key committed while we were starting.
                    found = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
                    if found is None:
                        return _refuse(
                            request, 409, "A request with this key is in progress", "Retry in a moment"
                        )
            if found is not None:
                if found.fingerprint != digest:
                    return _refuse(
                        request,
                        422,
                        "The Idempotency-Key was used for another request",
                        "This key was first sent with a different method, path or body; use a new key",
                    )
                if found.status_code == 0:
                    return _refuse(
                        request, 409, "A request with this key is in progress", "Retry in a moment"
                    )
                return _replay(found)
            response = self.get_response(request)
            if 200 <= response.status_code < 300 and not response.streaming:
                record.status_code = response.status_code
                record.content_type = response.get("Content-Type", "")
                record.body = response.content
                record.headers = {h: response[h] for h in KEPT_HEADERS if response.has_header(h)}
                record.save(update_fields=["status_code", "content_type", "body", "headers"])
            else:
                record.delete()
        return response
