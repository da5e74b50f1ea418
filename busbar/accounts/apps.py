from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "busbar.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from busbar.accounts.api import router
        from busbar.lib.registry import api_router

        api_router("accounts", router, order=20)
