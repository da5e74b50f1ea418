"""Every change to the request catalogue (:mod:`.catalogue`) and to requests (:mod:`.requests`)."""

from busbar.requests.actions.catalogue import *  # noqa: F403
from busbar.requests.actions.catalogue import __all__ as _catalogue
from busbar.requests.actions.requests import *  # noqa: F403
from busbar.requests.actions.requests import __all__ as _requests

__all__ = [*_catalogue, *_requests]
