from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sparekey.accounts"
    label = "accounts"
    verbose_name = "Accounts"
