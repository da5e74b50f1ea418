from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "busbar.core"
    label = "core"
    verbose_name = "Core"
