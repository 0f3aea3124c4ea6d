from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sparekey.transfer import importing
from sparekey.transfer.formats import FORMATS, format_of, read_import
from sparekey.transfer.formats.limits import MAX_UPLOAD_BYTES
from sparekey.transfer.items import ImportRefused
from sparekey.transfer.passwords import read_secret
from sparekey.workspace.commands import member_by_email


class Command(BaseCommand):
    help = (
        "Import accounts and their backup codes from an export of another vault or from text "
        "files of codes (one per account, named after it), as the member --as, who becomes "
        "the Owner of each new account. Prints what it will do first; --dry-run stops there. "
        "An account of the same name and app is skipped unless --on-conflict add-codes. A "
        "KeePass password is asked for, or read from the first line of --password-file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--as", dest="email", required=True, metavar="EMAIL")
        parser.add_argument("--format", choices=sorted(FORMATS), help="default: from the file")
        parser.add_argument("--dry-run", action="store_true", help="show the preview only")
        parser.add_argument(
            "--on-conflict",
            choices=[c.value for c in importing.OnConflict],
            default=importing.OnConflict.SKIP.value,
        )
        parser.add_argument("--password-file", metavar="FILE", help="KeePass master password")

    def handle(self, *args: Any, **options: Any) -> None:
        member = member_by_email(options["email"])
        if not importing.may_import(member):
            raise CommandError(f"{member.email} is Login-Only and cannot add accounts.")
        files = [self.read(path) for path in options["files"]]
        try:
            format = options["format"] or format_of(files)
            password = None
            if format == "keepass":
                password = read_secret(
                    options["password_file"],
                    prompt="KeePass master password",
                    option="--password-file",
                )
            found = read_import(files, format=format, password=password)
        except ImportRefused as refused:
            raise CommandError(refused.reason) from None
        finally:
            del files
        plan = importing.plan_import(member, found, options["on_conflict"], format=format)
        self.print_plan(plan)
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was imported.")
            return
        summary = importing.run_import(member, plan)
        self.print_summary(summary)

    def read(self, path: str) -> tuple[str, bytes]:
        file = Path(path)
        try:
            size = file.stat().st_size
            if size > MAX_UPLOAD_BYTES:
                raise CommandError(
                    f"{path} is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB. Export only "
                    "the folders or vaults with the accounts to import, or split the file."
                )
            return file.name, file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None

    def print_plan(self, plan: importing.ImportPlan) -> None:
        rows = [("ACCOUNT", "APP", "WILL SET", "BACKUP CODES", "WHAT HAPPENS")]
        notes: list[str] = []
        for row in plan.accounts:
            what = row.outcome_label + (f": {row.reason}" if row.reason else "")
            rows.append(
                (row.name, row.found.app, ", ".join(row.fields) or "-", row.codes_label, what)
            )
            notes += [f"{row.name}: {warning}" for warning in row.warnings]
        self.stdout.write(f"{len(plan.accounts)} accounts found in the file.")
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
        for r in rows:
            cells = [cell.ljust(width) for cell, width in zip(r, widths, strict=False)]
            self.stdout.write("  ".join([*cells, r[-1]]).rstrip())
        if notes:
            self.stdout.write("\nWarnings:")
            for note in notes:
                self.stdout.write(f"  {note}")

    def print_summary(self, summary: importing.ImportSummary) -> None:
        self.stdout.write(
            f"\nImported: {len(summary.created)} created, codes added to "
            f"{len(summary.codes_added)}, {len(summary.skipped)} skipped; "
            f"{summary.codes} backup codes saved."
        )
        for name, why in summary.skipped:
            self.stdout.write(f"  skipped {name}: {why}")
