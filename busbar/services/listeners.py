"""Who is told when a service's hand-set status changes (registered by higher apps in their
``AppConfig.ready``: the change app sends a status bulletin to the service's subscribers). Called on
commit of ``set_service_status``; the catalogue never imports them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: (service, previous status, new status, note) -> None
StatusListener = Callable[[Any, str, str, str], None]
_LISTENERS: dict[str, StatusListener] = {}


def status_listener(name: str, listener: StatusListener) -> None:
    _LISTENERS[name] = listener


def status_changed(service: Any, previous: str, status: str, note: str) -> None:
    for name in sorted(_LISTENERS):
        _LISTENERS[name](service, previous, status, note)
