"""The operational risk register's pages (SL-08): ``/risks/``."""

from busbar.registers import queries
from busbar.registers.views.items import Register, urls

REGISTER = Register(
    kind="risk",
    label="Risk",
    plural="Risks",
    path="risks",
    visible_to=queries.risks_visible_to,
    lead="Operational risks to the switching service: likelihood × impact, mitigations, owners and reviews.",
)
urlpatterns = urls(REGISTER)
