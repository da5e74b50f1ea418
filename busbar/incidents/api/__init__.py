"""API: incidents, their updates, attachments and SLA clocks; major incidents; inbound email.

Every read starts from :func:`busbar.incidents.queries.visible_to` (an incident outside it is a 404) and
every change goes through :mod:`busbar.incidents.actions`.

Status changes are **one endpoint per action** — ``POST /incidents/{reference}/triage``, ``/assign``,
``/start``, ``/pend``, ``/resolve``, ``/close``, ``/reopen``, ``/cancel`` — so each has its own request
schema in OpenAPI and a missing field is named plainly (422). Each replies with the incident as it now is.
A change the status table forbids is a 409 problem naming the current status; it also carries
``current_status`` and ``allowed_statuses``. Not permitted is a 403; an incident you cannot see is a 404.

``POST /incidents`` and ``POST /incidents/{reference}/updates`` take JSON, or ``multipart/form-data`` with
the same fields as form fields plus any number of ``attachments`` files.
"""

from busbar.incidents.api import incidents, majors  # noqa: F401 - registers the endpoints
from busbar.incidents.api.schemas import email, router, transitions
from busbar.incidents.api.schemas import majors as majors_router

router.add_router("", transitions)
router.add_router("", majors_router)
router.add_router("", email)


__all__ = ["router"]
