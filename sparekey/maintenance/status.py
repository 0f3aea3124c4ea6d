"""What the maintenance page shows: the last backup, the last check, the master key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from sparekey.keys import keyring

from .models import BackupRecord, Verification


@dataclass(frozen=True)
class MaintenanceStatus:
    last_backup: BackupRecord | None
    last_verification: Verification | None
    warn_days: int
    now: datetime
    master_key_id: str
    master_key_held_by: str

    @property
    def backup_overdue(self) -> bool:
        if self.last_backup is None:
            return True
        return self.now - self.last_backup.at > timedelta(days=self.warn_days)

    @property
    def days_since_backup(self) -> int | None:
        return None if self.last_backup is None else (self.now - self.last_backup.at).days


def maintenance_status() -> MaintenanceStatus:
    ring = keyring()
    return MaintenanceStatus(
        last_backup=BackupRecord.objects.order_by("-at", "-pk").first(),
        last_verification=Verification.objects.order_by("-at", "-pk").first(),
        warn_days=settings.SPAREKEY_BACKUP_WARN_DAYS,
        now=timezone.now(),
        master_key_id=ring.current_id,
        master_key_held_by=ring.kind(ring.current_id),
    )
