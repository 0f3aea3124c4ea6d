from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sparekey.crypto import CryptoError
from sparekey.maintenance.archive import BackupError
from sparekey.maintenance.passphrases import read_passphrase
from sparekey.maintenance.restore import restore


class Command(BaseCommand):
    help = (
        "Restore a backup into an empty data directory (SQLite) or an empty database "
        "(PostgreSQL) only. The file is checked first (checksums, manifest version, the key it "
        "needs), restored into a staging copy and proven there (every sealed value opens, the "
        "audit chain verifies, the counts match the manifest), and only then moved into place: "
        "on any failure the target is left untouched. A backup made --with-key asks for its "
        "passphrase (or reads --passphrase-file); --skip-key uses the key configured here."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, metavar="IN")
        parser.add_argument("--passphrase-file", metavar="FILE")
        parser.add_argument("--skip-key", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            restored = restore(
                options["backup"],
                passphrase=lambda: read_passphrase(options["passphrase_file"], confirm=False),
                skip_key=options["skip_key"],
            )
        except (BackupError, CryptoError) as error:
            raise CommandError(str(error)) from None
        counts = restored.manifest["counts"]
        self.stdout.write(
            f"Restored the backup of {restored.manifest['created_at']}: {counts['accounts']} "
            f"accounts, {counts['code_sets']} code sets, {counts['codes']} codes and "
            f"{counts['audit_events']} audit events, every one checked."
        )
        if restored.key_restored:
            self.stdout.write("The master key file was restored from the backup too.")
