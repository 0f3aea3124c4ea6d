from django.apps import AppConfig


class BackupCodesConfig(AppConfig):
    name = "sparekey.backup_codes"
    label = "backup_codes"
    verbose_name = "Backup codes"
