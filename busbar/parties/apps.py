from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "busbar.parties"
    label = "parties"
    verbose_name = "Parties"

    def ready(self) -> None:
        from busbar.lib.actions import set_organisation_resolver
        from busbar.parties.queries import scope_for

        set_organisation_resolver(
            lambda user: scope_for(user).primary_organisation,
            lambda user: [m.organisation for m in scope_for(user).memberships],
        )
        from busbar.lib.registry import api_router
        from busbar.parties.api import router

        api_router("parties", router, order=10)
        from busbar.lib.registry import nav_entry

        nav_entry("Organisations", "organisation_list", order=60, group="admin")
        from busbar.parties.canned_api import router as canned_router
        from busbar.parties.permissions import can_manage_canned

        api_router("canned", canned_router, order=11)
        from busbar.lib.registry import demo_loader

        demo_loader("busbar.parties.demo:load", order=15)
        nav_entry(
            "Canned responses",
            "canned_list",
            order=62,
            group="admin",
            show=lambda scope: any(not can_manage_canned(scope, m.organisation) for m in scope.memberships),
        )
