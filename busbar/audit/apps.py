from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "busbar.audit"
    label = "audit"
    verbose_name = "Audit"
