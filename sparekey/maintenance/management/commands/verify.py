from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sparekey.crypto import CryptoError
from sparekey.maintenance.integrity import check_integrity, record_verification

FAILED = 1
NOT_CHECKED = 2


class Command(BaseCommand):
    help = (
        "Check every secret at rest without showing one: open every account's data key, every "
        "backup code and the audit key in memory, and verify the audit chain. Prints the counts "
        "and names each record that fails (by uuid, never its content); records the result for "
        "the maintenance page. Exit 1 if anything fails, 2 if the master key cannot be loaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--no-record", action="store_true", help="check only; record nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = check_integrity()
        except CryptoError as error:
            raise CommandError(str(error), returncode=NOT_CHECKED) from None
        if not options["no_record"]:
            record_verification(report)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json()))
        else:
            live = report.accounts - report.purged_accounts
            self.stdout.write(
                f"Opened {report.data_keys_opened} of {live} data keys, "
                f"{report.codes_opened} of {report.codes} codes ({report.code_sets} code sets), "
                f"{report.secrets_opened} of {report.secrets} other secrets, "
                f"{report.audit_keys_opened} of {report.audit_keys} audit keys and "
                f"{report.login_keys_opened} of {report.login_keys} login authenticators; checked "
                f"{report.audit_events} audit events."
            )
            if report.purged_accounts:
                self.stdout.write(
                    f"{report.purged_accounts} purged accounts have no data key (destroyed on "
                    "purpose); their sealed rows were not opened."
                )
            for problem in report.problems:
                self.stdout.write(f"FAILED {problem}")
        if not report.ok:
            raise CommandError(
                f"{len(report.problems)} records failed the check.", returncode=FAILED
            )
        if not options["json"]:
            self.stdout.write("Everything opens and the audit chain is intact.")
