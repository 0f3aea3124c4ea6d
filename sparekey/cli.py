"""The `sparekey` command: Django's management commands (migrate, check, ...) plus our own."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["remote"]:
        # The API's terminal client needs no settings, data directory or database: it runs
        # before Django is set up, so that it creates nothing where it is run.
        from sparekey.api.remote import main as remote

        sys.exit(remote(args[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sparekey.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sparekey", *args])
