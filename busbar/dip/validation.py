"""Fast validation of DIP messages against the specification's schemas: each interface's payload schema
is compiled once (fastjsonschema generates a Python function from it) and reused for every message.

The compiled function stops at the first error; the simulator answers ``MSG1001`` (schema failure) with
that error's path and message. A test proves it gives the same verdict as the reference validator
(``jsonschema``, Draft 7) on the data generator's valid and invalid messages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from busbar.dip.spec import UPSTREAM, Spec

PAYLOADS = "Interfaces-EventCodes-unresolved.yaml"


@dataclass(frozen=True)
class SchemaError:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class Validators:
    """The compiled payload validators of one specification, made on first use per interface."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self._compiled: dict[str, Callable[[Any], Any]] = {}
        self._lock = threading.Lock()

    def knows(self, interface: str) -> bool:
        return self.spec.has_schema(PAYLOADS, f"{interface}-Payload")

    def _handler(self, uri: str) -> dict[str, Any]:
        base = uri.split("#", 1)[0]
        if not base.startswith(UPSTREAM) or base not in self.spec.documents:
            raise KeyError(f"The specification has no document {base}")
        return self.spec.documents[base]

    def compiled(self, interface: str) -> Callable[[Any], Any]:
        """The validator of ``interface``'s payload (KeyError for an interface the spec does not have)."""
        found = self._compiled.get(interface)
        if found is not None:
            return found
        if not self.knows(interface):
            raise KeyError(interface)
        import fastjsonschema

        with self._lock:
            if interface not in self._compiled:
                schema = {
                    "$schema": "http://json-schema.org/draft-07/schema#",
                    **self.spec.ref(PAYLOADS, f"{interface}-Payload"),
                }
                self._compiled[interface] = fastjsonschema.compile(
                    schema, handlers={"https": self._handler}, use_formats=False
                )
            return self._compiled[interface]

    def payload_error(self, interface: str, payload: Any) -> SchemaError | None:
        """None when ``payload`` is valid for ``interface``; else its first error."""
        import fastjsonschema

        try:
            self.compiled(interface)(payload)
        except fastjsonschema.JsonSchemaValueException as exc:
            path = "/".join(str(p) for p in (exc.path or [])[1:])  # drop the "data" root
            return SchemaError(path=path, message=exc.message)
        return None


_by_spec: dict[int, Validators] = {}
_lock = threading.Lock()


def validators(spec: Spec) -> Validators:
    """The one :class:`Validators` of ``spec`` in this process."""
    with _lock:
        found = _by_spec.get(id(spec))
        if found is None or found.spec is not spec:
            found = _by_spec[id(spec)] = Validators(spec)
        return found
