"""Reading a backup passphrase: from a prompt or a file, never from the command line."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from django.core.management.base import CommandError


def read_passphrase(path: str | None, *, confirm: bool) -> str:
    if path:
        try:
            lines = Path(path).read_text().splitlines()
        except OSError as error:
            raise CommandError(f"Cannot read the passphrase file: {error.strerror}.") from None
        if not lines or not lines[0]:
            raise CommandError("The passphrase file is empty.")
        return lines[0]
    if not sys.stdin.isatty():
        raise CommandError("No terminal to ask for the passphrase: use --passphrase-file.")
    passphrase = getpass.getpass("Backup passphrase: ")
    if confirm and getpass.getpass("The passphrase again: ") != passphrase:
        raise CommandError("The two passphrases differ.")
    return passphrase
