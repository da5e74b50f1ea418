"""The continual service improvement register's pages (SL-07): ``/improvements/``."""

from busbar.registers import queries
from busbar.registers.views.items import Register, urls

REGISTER = Register(
    kind="improvement",
    label="Improvement",
    plural="Improvements",
    path="improvements",
    visible_to=queries.improvements_visible_to,
    lead="Service quality improvements through their life: proposed, approved, in progress, implemented, "
    "closed with the benefit they brought.",
)
urlpatterns = urls(REGISTER)
