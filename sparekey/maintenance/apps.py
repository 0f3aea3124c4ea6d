from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    name = "sparekey.maintenance"
    label = "maintenance"
    verbose_name = "Maintenance"
