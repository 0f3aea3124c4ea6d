from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sparekey.accounts.services import AccountError, add_account
from sparekey.workspace.commands import member_by_email


class Command(BaseCommand):
    help = "Add a shared account. Each --owner sees its secrets; each --collaborator only logs in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--app", required=True)
        parser.add_argument("--login-url", default="")
        parser.add_argument("--username", default="")
        parser.add_argument("--owner", action="append", required=True, metavar="EMAIL")
        parser.add_argument("--collaborator", action="append", default=[], metavar="EMAIL")

    def handle(self, *args: Any, **options: Any) -> None:
        owners = [member_by_email(email) for email in options["owner"]]
        collaborators = [member_by_email(email) for email in options["collaborator"]]
        try:
            account = add_account(
                None,
                name=options["name"],
                app=options["app"],
                login_url=options["login_url"],
                username=options["username"],
                owners=owners,
                collaborators=collaborators,
            )
        except ValidationError as error:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            raise CommandError(problems) from None
        except AccountError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Added {account.name} ({account.app}) as {account.uuid}.")
