from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sparekey.api"
    label = "api"
    verbose_name = "API"
