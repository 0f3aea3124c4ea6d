from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sparekey.audit.verify import verify_chain
from sparekey.crypto import KeyringError

TAMPERED = 1
NOT_CHECKED = 2


class Command(BaseCommand):
    help = (
        "Work with the audit log. `audit verify` recomputes every event's MAC and checks that the "
        "events of each chain (one per account, one for the workspace) follow one another up to "
        "its head. It prints the number of events and the newest one (note it down outside the "
        "database: only an older note reveals its chain cut back to a copied head), or names the "
        "first bad event and exits 1; without the master key it checks nothing and exits 2."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", metavar="subcommand", required=True)
        subcommands.add_parser("verify", help="check the whole audit chain; exit 1 if tampered")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        try:
            report = verify_chain()
        except KeyringError as error:
            raise CommandError(str(error), returncode=NOT_CHECKED) from None
        if not report.ok:
            raise CommandError(
                f"The audit chain is broken at event #{report.first_bad_seq}: {report.problem}.",
                returncode=TAMPERED,
            )
        head = report.head
        if head.seq == 0:
            self.stdout.write("The audit chain is empty: no event has been recorded.")
            return
        self.stdout.write(
            f"The audit chain is intact: {report.events} events, head #{head.seq} {head.mac[:16]}."
        )
