"""Run by `sparekey restore` in a child process that sees only the staged copy (its data
directory and database come from the environment): migrate it, check it, print the report as
JSON. Exit 2, with {"error": ...}, when the key cannot be loaded."""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sparekey.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from sparekey.crypto import CryptoError
    from sparekey.maintenance.integrity import check_integrity

    call_command("migrate", interactive=False, verbosity=0)
    try:
        report = check_integrity()
    except CryptoError as error:
        print(json.dumps({"error": str(error)}))
        sys.exit(2)
    print(json.dumps(report.as_json()))


if __name__ == "__main__":
    main()
