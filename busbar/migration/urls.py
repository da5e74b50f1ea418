"""The qualification and migration pages: each views module keeps its own ``urlpatterns`` under
``migration/``."""

from busbar.migration.views import (
    allocation,
    cleanse,
    exceptions,
    home,
    ledger,
    plans,
    qualification,
    reports,
)

urlpatterns = [
    *home.urlpatterns,
    *allocation.urlpatterns,
    *qualification.urlpatterns,
    *plans.urlpatterns,
    *ledger.urlpatterns,
    *exceptions.urlpatterns,
    *reports.urlpatterns,
    *cleanse.urlpatterns,
]
