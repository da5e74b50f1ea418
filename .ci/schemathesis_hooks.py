"""Schemathesis hooks for .ci/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

Every write documents an optional ``Idempotency-Key`` header (pattern ``^[!-~]+$``). Schemathesis fills
it from a tiny pool of values ("0", "00", …), so nearly every later write reuses a key the server has
already recorded, with another body, and is refused with the documented 422 "This key was first sent
with a different method, path or body" (or, with the same body, gets the first response replayed)
before the endpoint itself runs. That hides the endpoints from the run. A *valid* generated key is
therefore replaced by a fresh unique one before the request is sent; an invalid one (negative testing:
empty, too long, non-printable) is sent unchanged, so the 422 for a bad key is still exercised.
"""

from __future__ import annotations

import itertools
import os
import re

import schemathesis

_VALID_KEY = re.compile(r"[!-~]{1,255}")
_counter = itertools.count(1)
_run = f"st{os.getpid()}"


@schemathesis.hook
def before_call(context, case, kwargs):  # noqa: ANN001, ANN201 - schemathesis hook signature
    headers = case.headers
    if not headers:
        return
    for name in list(headers):
        if name.lower() != "idempotency-key":
            continue
        value = headers[name]
        if isinstance(value, str) and _VALID_KEY.fullmatch(value):
            headers[name] = f"{_run}-{next(_counter)}"
