from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "busbar.services"
    label = "services"
    verbose_name = "Services"
