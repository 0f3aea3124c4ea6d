from django.apps import AppConfig


class MfaConfig(AppConfig):
    name = "sparekey.mfa"
    label = "mfa"
    verbose_name = "MFA"
