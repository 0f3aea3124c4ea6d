from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sparekey.crypto import CryptoError
from sparekey.maintenance.archive import BackupError
from sparekey.maintenance.backup import make_backup
from sparekey.maintenance.passphrases import read_passphrase


class Command(BaseCommand):
    help = (
        "Write a backup to OUT: a consistent snapshot of the database, taken while Sparekey "
        "keeps serving, with a manifest (counts, key ids, checksum), in one file. --with-key "
        "adds the master keys sealed under a passphrase (asked twice, or the first line of "
        "--passphrase-file). Without it, back up the master key on its own: the database alone "
        "opens nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, metavar="OUT")
        parser.add_argument("--with-key", action="store_true")
        parser.add_argument("--passphrase-file", metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["passphrase_file"] and not options["with_key"]:
            raise CommandError("--passphrase-file goes with --with-key.")
        passphrase = (
            read_passphrase(options["passphrase_file"], confirm=True)
            if options["with_key"]
            else None
        )
        try:
            backup = make_backup(options["out"], passphrase=passphrase)
        except (BackupError, CryptoError) as error:
            raise CommandError(str(error)) from None
        counts = backup.manifest["counts"]
        self.stdout.write(
            f"Wrote {backup.path} ({backup.size} bytes): {counts['accounts']} accounts, "
            f"{counts['code_sets']} code sets, {counts['codes']} codes, "
            f"{counts['audit_events']} audit events."
        )
        if passphrase is None:
            ids = ", ".join(backup.manifest["key_ids"]) or backup.manifest["current_key_id"]
            self.stdout.write(
                f"The master key is NOT in this backup: keep a copy of key {ids} elsewhere "
                "(the key file, SPAREKEY_MASTER_KEY or the token), or use --with-key."
            )
        elif any(kind != "file" for kind in backup.manifest["key"]["held_by"].values()):
            self.stdout.write(
                "Keys held by the PKCS#11 token are named in the backup, not copied: the token "
                "itself must be backed up as its vendor describes."
            )
