"""The qualification and migration API: each module adds its endpoints to a router of its own,
mounted here."""

from ninja import Router

from busbar.migration.api import (
    allocation,
    cleanse,
    exceptions,
    ledger,
    plans,
    qualification,
    reports,
    windows,
)

router = Router(tags=["Qualification and migration"])

for _area in (allocation, qualification, plans, ledger, exceptions, reports, cleanse, windows):
    router.add_router("", _area.router)

__all__ = ["router"]
