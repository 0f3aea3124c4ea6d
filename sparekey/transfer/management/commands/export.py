from __future__ import annotations

import os
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sparekey.accounts.models import Account
from sparekey.transfer import exporting
from sparekey.transfer.passwords import read_secret
from sparekey.workspace.commands import member_by_email
from sparekey.workspace.throttle import RateLimited


class Command(BaseCommand):
    help = (
        "Export the accounts the member --as owns (or the one --account), with their secrets "
        "and backup codes, as a Bitwarden JSON document encrypted with a passphrase in the age "
        "format (open it with `age -d`). The passphrase is asked twice, or read from the first "
        "line of --passphrase-file. The export is audited and told to the other Owners."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as", dest="email", required=True, metavar="EMAIL")
        parser.add_argument("--out", required=True, metavar="FILE", help="a new file")
        parser.add_argument("--account", metavar="UUID", help="only this account")
        parser.add_argument("--passphrase-file", metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        member = member_by_email(options["email"])
        account = None
        if options["account"]:
            account = Account.objects.filter(uuid=self.uuid(options["account"])).first()
            if account is None or not exporting.exportable(member, account):
                raise CommandError(f"{member.email} owns no account {options['account']}.")
        if os.path.exists(options["out"]):
            raise CommandError(f"{options['out']} exists; name a new file.")
        passphrase = read_secret(
            options["passphrase_file"],
            prompt="Export passphrase",
            confirm=True,
            option="--passphrase-file",
        )
        try:
            export = exporting.export_accounts(member, passphrase=passphrase, account=account)
        except exporting.PassphraseRefused as refused:
            raise CommandError(str(refused)) from None
        except exporting.NothingToExport:
            raise CommandError(f"{member.email} owns no account to export.") from None
        except RateLimited as limited:
            raise CommandError(str(limited)) from None
        try:
            # O_EXCL: never write through a file or link someone put there since the check.
            fd = os.open(options["out"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(export.data)
        except OSError as error:
            raise CommandError(f"Cannot write {options['out']}: {error.strerror}.") from None
        self.stdout.write(
            f"Exported {export.accounts} account{'s' if export.accounts != 1 else ''} to "
            f"{options['out']} (age, passphrase-encrypted)."
        )

    def uuid(self, value: str) -> str:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise CommandError(f"{value} is not an account UUID.") from None
