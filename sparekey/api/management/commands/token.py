from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sparekey.api import tokens
from sparekey.api.models import ApiToken, Scope
from sparekey.workspace.commands import member_by_email


class Command(BaseCommand):
    help = (
        "Manage members' API tokens. `token create EMAIL --name NAME --scope SCOPE...` prints the "
        "new token on stdout, once (only a keyed hash of it is kept); `token list EMAIL` shows "
        "a member's tokens by ID; `token revoke ID` stops one at once. A token never opens more "
        "than its member's own account roles."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", metavar="subcommand", required=True)
        create = commands.add_parser("create", help="create a token and print it once")
        create.add_argument("email")
        create.add_argument("--name", required=True)
        create.add_argument(
            "--scope",
            action="append",
            required=True,
            choices=Scope.values,
            help="repeat for several scopes",
        )
        create.add_argument("--expires-days", type=int, help="default: never expires")
        listing = commands.add_parser("list", help="list a member's tokens")
        listing.add_argument("email")
        revoke = commands.add_parser("revoke", help="revoke a token by its ID (spk_xxxxxxxx)")
        revoke.add_argument("id")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "create":
            self.create(**options)
        elif subcommand == "list":
            self.list_tokens(**options)
        else:
            self.revoke(**options)

    def create(
        self, *, email: str, name: str, scope: list[str], expires_days: int | None, **_: Any
    ) -> None:
        member = member_by_email(email, active=False)
        try:
            _token, plaintext = tokens.issue(
                member, name=name, scopes=scope, expires_days=expires_days
            )
        except tokens.TokenError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(plaintext)

    def list_tokens(self, *, email: str, **_: Any) -> None:
        member = member_by_email(email, active=False)
        found = ApiToken.objects.filter(member=member).order_by("-created_at")
        if not found:
            self.stdout.write(f"{member.email} has no API tokens.")
            return
        now = timezone.now()
        rows = [("ID", "NAME", "SCOPES", "STATE", "CREATED", "EXPIRES", "LAST USED")]
        for token in found:
            last_used = (
                f"{_when(token.last_used_at)} from {token.last_used_ip or '?'}"
                if token.last_used_at
                else "never"
            )
            rows.append(
                (
                    token.label,
                    token.name,
                    ",".join(token.scope_list),
                    str(token.state(now)),
                    _when(token.created_at),
                    _when(token.expires_at) if token.expires_at else "never",
                    last_used,
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[-1]]))

    def revoke(self, *, id: str, **_: Any) -> None:
        token = tokens.find(id)
        if token is None:
            raise CommandError(f"No API token has the ID {id}.")
        if tokens.revoke(token):
            self.stdout.write(f"Revoked {token.label} ({token.name}) of {token.member.email}.")
        else:
            self.stdout.write(f"{token.label} was revoked already.")


def _when(moment: Any) -> str:
    return str(timezone.localtime(moment).strftime("%Y-%m-%d %H:%M"))
