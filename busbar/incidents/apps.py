from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "busbar.incidents"
    label = "incidents"
    verbose_name = "Incidents"
