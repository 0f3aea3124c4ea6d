from django.apps import AppConfig


class KeysConfig(AppConfig):
    name = "sparekey.keys"
    label = "keys"
    verbose_name = "Keys"
