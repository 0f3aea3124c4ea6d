from django.apps import AppConfig


class TransferConfig(AppConfig):
    """Importing accounts from other vaults and files, and exporting them (no models)."""

    name = "sparekey.transfer"
    label = "transfer"
