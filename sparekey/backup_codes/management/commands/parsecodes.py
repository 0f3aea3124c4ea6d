from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sparekey.backup_codes.parser import MAX_PASTE_BYTES, PasteRefused, parse_codes


class Command(BaseCommand):
    help = (
        "Read pasted text on standard input and print the backup codes found in it as JSON "
        '{"codes": [...], "warnings": [...]}. Exit 0 when codes were found, 1 when none.'
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        pass

    def handle(self, *args: Any, **options: Any) -> None:
        raw = sys.stdin.buffer.read(MAX_PASTE_BYTES + 1)
        if len(raw) > MAX_PASTE_BYTES:
            raise CommandError("The pasted text is larger than 16 KiB.", returncode=1)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CommandError("The input is not UTF-8 text.", returncode=1) from None
        try:
            parsed = parse_codes(text)
        except PasteRefused as refused:
            raise CommandError(str(refused), returncode=1) from None
        self.stdout.write(json.dumps({"codes": parsed.codes, "warnings": parsed.warnings}))
        if not parsed.codes:
            raise CommandError(
                parsed.warnings[0] if parsed.warnings else "No codes found.", returncode=1
            )
