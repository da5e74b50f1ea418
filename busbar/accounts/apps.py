from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "busbar.accounts"
    label = "accounts"
    verbose_name = "Accounts"
