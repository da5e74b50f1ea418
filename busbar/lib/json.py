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


#: Deepest nesting of arrays and objects accepted in a request body. Busbar's own documents nest 3 deep.
MAX_DEPTH = 32


class JsonInputError(ValueError):
    """A request body that is not acceptable JSON. ``field`` is the path to the offending value, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _path(parts: tuple[str | int, ...]) -> str | None:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or None


def check_value(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Refuse NUL characters in any string or key, and nesting deeper than ``max_depth`` (no recursion)."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise JsonInputError("Text must not contain NUL characters (\\u0000)", _path(where))
            continue
        if isinstance(item, dict | list):
            if len(where) >= max_depth:
                raise JsonInputError(f"The body nests deeper than {max_depth} levels", _path(where))
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for k, v in pairs:
                if isinstance(k, str) and "\x00" in k:
                    raise JsonInputError("Names must not contain NUL characters (\\u0000)", _path(where))
                stack.append((v, (*where, k)))


def loads_bounded(raw: bytes | str) -> Any:
    """Parse a request body: strict UTF-8 JSON, no NULs, bounded depth. Raises :class:`JsonInputError`."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        message = str(exc)
        if "depth limit" in message or "recursion" in message.lower():
            raise JsonInputError(f"The body nests deeper than {MAX_DEPTH} levels") from None
        raise JsonInputError(f"The body is not valid JSON: {message}") from None
    check_value(value)
    return value
