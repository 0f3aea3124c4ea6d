"""The master keys (KEKs): a keyring with one current key, stored outside the database.

A keyring wraps and unwraps the per-account data keys (DEKs); several keys may be loaded so
that data keys wrapped by an older key still open during and after a rotation.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .blob import KEY_BYTES, Context, Key, open_sealed, seal
from .errors import KeyringError

FILE_FORMAT = "sparekey-keyring/1"
DATA_KEY_PURPOSE = "data-key"


class Keyring:
    def __init__(self, keys: Iterable[Key], current_id: str) -> None:
        self.keys = {key.id: key for key in keys}
        if current_id not in self.keys:
            raise KeyringError(f"The keyring has no key {current_id} to make current.")
        self.current_id = current_id

    def __repr__(self) -> str:
        return f"<Keyring current={self.current_id} ids={sorted(self.keys)}>"

    @property
    def current(self) -> Key:
        return self.keys[self.current_id]

    def wrap_data_key(self, data_key: Key, account: UUID) -> bytes:
        return seal(self.current, data_key.material, Context(DATA_KEY_PURPOSE, account, account))

    def unwrap_data_key(self, wrapped: bytes, account: UUID) -> Key:
        return Key(open_sealed(self.keys, wrapped, Context(DATA_KEY_PURPOSE, account, account)))

    def derive(self, label: str, key_id: str | None = None) -> bytes:
        """A 256-bit subkey for another use (the audit MAC), independent of the wrapping key."""
        key = self.keys[key_id or self.current_id]
        return HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=f"sparekey/{label}".encode()
        ).derive(key.material)

    # Storage ---------------------------------------------------------------------------------

    @classmethod
    def from_base64(cls, value: str) -> Keyring:
        """One key given as base64 (SPAREKEY_MASTER_KEY), e.g. from a container secret."""
        key = _decode_key(value.strip(), "SPAREKEY_MASTER_KEY")
        return cls([key], key.id)

    @classmethod
    def load(cls, path: Path) -> Keyring:
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise KeyringError(f"The master key file {path} does not exist.") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyringError(
                f"The master key file {path} can be read by other users (mode "
                f"{stat.S_IMODE(mode):o}); run `chmod 600 {path}`."
            )
        try:
            document = json.loads(path.read_text())
            if document.get("format") != FILE_FORMAT:
                raise KeyringError(f"{path} is not a Sparekey keyring ({FILE_FORMAT}).")
            keys = [_decode_key(entry["key"], str(path)) for entry in document["keys"]]
            return cls(keys, document["current"])
        except (ValueError, KeyError, TypeError) as error:
            raise KeyringError(
                f"The master key file {path} is damaged: {type(error).__name__}."
            ) from None

    def save(self, path: Path, *, replace: bool = True) -> None:
        """Write the keyring with mode 0600, atomically: a crash leaves the old file or the new.

        With ``replace=False`` an existing file wins (FileExistsError), so two processes that
        start at once never overwrite each other's new key.
        """
        document = {
            "format": FILE_FORMAT,
            "current": self.current_id,
            "keys": [
                {"id": key.id, "key": base64.b64encode(key.material).decode()}
                for key in self.keys.values()
            ],
            "written": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                json.dump(document, handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            if replace:
                os.replace(temporary, path)
            else:
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)

    @classmethod
    def load_or_create(cls, path: Path) -> Keyring:
        """The keyring at ``path``, or a new one with one fresh key if there is no file yet."""
        if not path.exists():
            key = Key.generate()
            try:
                cls([key], key.id).save(path, replace=False)
            except FileExistsError:
                pass  # another process created it first: use theirs
        return cls.load(path)


def _decode_key(value: str, source: str) -> Key:
    try:
        material = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"The master key in {source} is not valid base64.") from None
    if len(material) != KEY_BYTES:
        raise KeyringError(f"The master key in {source} must be {KEY_BYTES} bytes (256 bits).")
    return Key(material)
