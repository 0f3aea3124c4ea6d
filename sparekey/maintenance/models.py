from __future__ import annotations

from django.db import models
from django.utils import timezone


class BackupRecord(models.Model):
    """A backup that `sparekey backup` wrote (the file itself is wherever it was written)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    file_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    snapshot_sha256 = models.CharField(max_length=64)
    with_key = models.BooleanField()
    counts = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"backup {self.file_name} at {self.at:%Y-%m-%d %H:%M}"


class Verification(models.Model):
    """The result of one `sparekey verify`: counts, and the records that failed (by uuid)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    ok = models.BooleanField()
    counts = models.JSONField(default=dict)
    failures = models.PositiveIntegerField(default=0)
    # The first problems found, each naming a record by uuid and never by content.
    problems = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"verification at {self.at:%Y-%m-%d %H:%M}: {'ok' if self.ok else 'FAILED'}"
