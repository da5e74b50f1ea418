from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "busbar.parties"
    label = "parties"
    verbose_name = "Parties"

    def ready(self) -> None:
        from busbar.lib.actions import set_organisation_resolver
        from busbar.parties.queries import scope_for

        set_organisation_resolver(lambda user: scope_for(user).primary_organisation)
        from busbar.lib.registry import api_router
        from busbar.parties.api import router

        api_router("parties", router, order=10)
        from busbar.lib.registry import nav_entry

        nav_entry("Organisations", "organisation_list", order=60)
