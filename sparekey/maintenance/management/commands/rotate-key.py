from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from sparekey.crypto import CryptoError
from sparekey.keys.providers import KeyKind
from sparekey.maintenance.rotation import (
    BATCH_SIZE,
    RotationRefused,
    retire,
    rotate,
    token_key_label,
)


class Progress:
    """A bar on a terminal; a plain line per batch otherwise (logs, pipes)."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out
        self.bar = out.isatty()
        self.last: tuple[int, int] | None = None

    def __call__(self, done: int, total: int) -> None:
        if (done, total) == self.last:
            return
        self.last = (done, total)
        if self.bar:
            width = 30
            filled = width * done // total if total else width
            self.out.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} keys rewrapped",
                ending="",
            )
            self.out.flush()
        else:
            self.out.write(f"Rewrapped {done} of {total} keys.")
            self.out.flush()

    def end(self) -> None:
        if self.bar:
            self.out.write("")


class Command(BaseCommand):
    help = (
        "Rotate the master key: add a new key, make it current, then rewrap every account's "
        "data key (and the audit key) with it in batches; codes are not touched. Safe to "
        "interrupt at any moment: run it again and it finishes what is left. --to moves the "
        "keys to the key file or to the PKCS#11 token. --retire KEY_ID... removes old keys, and "
        "is refused while anything is still wrapped by one."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--to",
            choices=[kind.value for kind in KeyKind],
            help="where the new key is held (default: where the current one is)",
        )
        parser.add_argument(
            "--retire", nargs="+", metavar="KEY_ID", help="remove these old keys instead"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"data keys rewrapped per transaction (default {BATCH_SIZE})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["retire"]:
            if options["to"]:
                raise CommandError("--retire and --to do not go together.")
            for key_id in options["retire"]:
                self.retire(key_id.strip().lower())
            return
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        progress = Progress(self.stdout)
        try:
            rotation = rotate(
                KeyKind(options["to"]) if options["to"] else None,
                batch_size=options["batch_size"],
                progress=progress,
            )
        except (RotationRefused, CryptoError) as error:
            raise CommandError(str(error)) from None
        finally:
            progress.end()
        verb = "Finished the rotation to" if rotation.resumed else "Rotated to"
        self.stdout.write(
            f"{verb} master key {rotation.current_id} ({_held_by(rotation.kind)}): "
            f"{rotation.rewrapped} wrapped keys rewrapped."
        )
        if rotation.failed:
            raise CommandError(
                f"{len(rotation.failed)} wrapped keys did not open and keep their old key: "
                f"{', '.join(rotation.failed[:10])}. `sparekey verify` names every failing record.",
                returncode=1,
            )
        if rotation.old_ids:
            self.stdout.write(
                "Once no backup you may restore without its key needs them, remove the old keys "
                f"with `sparekey rotate-key --retire {' '.join(rotation.old_ids)}`."
            )

    def retire(self, key_id: str) -> None:
        try:
            retired = retire(key_id)
        except (RotationRefused, CryptoError) as error:
            raise CommandError(str(error)) from None
        if retired.environment:
            self.stdout.write(
                f"Nothing is wrapped by key {key_id} anymore: remove it from SPAREKEY_MASTER_KEY."
            )
            return
        self.stdout.write(f"Retired master key {key_id}: it is no longer in the keyring.")
        if retired.kind != KeyKind.FILE:
            self.stdout.write(
                f"The key stays on the token (label {token_key_label()!r}, id {key_id}); delete it "
                "there once no backup you keep needs it."
            )


def _held_by(kind: str) -> str:
    return "in the key file" if kind == KeyKind.FILE else f"on the {kind} token"
