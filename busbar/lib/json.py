"""Fast JSON encoding (orjson) with Django's types."""

from __future__ import annotations

from typing import Any

import orjson
from django.utils.functional import Promise


def _default(value: Any) -> Any:
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default)
