"""The `sparekey` command: Django's management commands (migrate, check, ...) plus our own."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sparekey.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sparekey", *(sys.argv[1:] if argv is None else argv)])
