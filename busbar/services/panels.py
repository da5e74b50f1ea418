"""Parts of a service's page, and of the status board, added by higher apps (registered in their
``AppConfig.ready``): the availability of the service, or the changes planned in the next days, from the
change app, say. The catalogue never imports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ServicePanel:
    key: str
    #: Included with ``p`` = ``context(request, service)``; a context of None leaves the panel out.
    template: str
    context: Callable[[Any, Any], dict | None] = field(compare=False)
    order: int = 50


_PANELS: dict[str, ServicePanel] = {}


def service_panel(
    key: str, *, template: str, context: Callable[[Any, Any], dict | None], order: int = 50
) -> None:
    _PANELS[key] = ServicePanel(key, template, context, order)


def panels_for(request: Any, service: Any) -> list[dict]:
    """The registered panels of ``service``'s page for this request, in order."""
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        context = panel.context(request, service)
        if context is not None:
            shown.append({"template": panel.template, "p": context})
    return shown


# Parts of the status board ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardPanel:
    """A section of the status board page below the services (the change app's planned and recent
    changes, say), included with ``p`` = ``context(request)``; a context of None leaves it out."""

    key: str
    template: str
    context: Callable[[Any], dict | None] = field(compare=False)
    order: int = 50


_BOARD_PANELS: dict[str, BoardPanel] = {}


def board_panel(key: str, *, template: str, context: Callable[[Any], dict | None], order: int = 50) -> None:
    _BOARD_PANELS[key] = BoardPanel(key, template, context, order)


def board_panels_for(request: Any) -> list[dict]:
    """The registered sections of the status board for this request, in order."""
    shown = []
    for panel in sorted(_BOARD_PANELS.values(), key=lambda p: (p.order, p.key)):
        context = panel.context(request)
        if context is not None:
            shown.append({"template": panel.template, "p": context})
    return shown
