from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "busbar.parties"
    label = "parties"
    verbose_name = "Parties"
