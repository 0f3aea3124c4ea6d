from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from sparekey.accounts.lifecycle import purge_due


class Command(BaseCommand):
    help = (
        "Purge accounts removed more than SPAREKEY_PURGE_DAYS days ago: destroy each one's data "
        "key, so that none of its secrets can be opened again. Run it daily (cron, a timer)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        purged = purge_due()
        for account in purged:
            self.stdout.write(f"Purged {account.name} ({account.uuid}).")
        days = settings.SPAREKEY_PURGE_DAYS
        self.stdout.write(f"{len(purged)} account(s) removed over {days} days ago purged.")
