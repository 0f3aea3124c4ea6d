from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sparekey.audit"
    label = "audit"
    verbose_name = "Audit"
