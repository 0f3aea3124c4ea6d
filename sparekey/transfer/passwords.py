"""Reading a KeePass password or an export passphrase for a command: from a prompt or the first
line of a file, never from the command line (argv is visible to every user of the machine)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from django.core.management.base import CommandError


def read_secret(path: str | None, *, prompt: str, confirm: bool = False, option: str) -> str:
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            why = getattr(error, "strerror", None) or "not UTF-8 text"
            raise CommandError(f"Cannot read {path}: {why}.") from None
        if not lines or not lines[0]:
            raise CommandError(f"{path} is empty: its first line is the {prompt.lower()}.")
        return lines[0]
    if not sys.stdin.isatty():
        raise CommandError(f"No terminal to ask for the {prompt.lower()}: use {option}.")
    secret = getpass.getpass(f"{prompt}: ")
    if confirm and getpass.getpass(f"The {prompt.lower()} again: ") != secret:
        raise CommandError(f"The two {prompt.lower()}s differ.")
    return secret
