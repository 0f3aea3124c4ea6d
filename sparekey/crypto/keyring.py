"""The master keys (KEKs): a keyring with one current key, stored outside the database.

A keyring wraps and unwraps the per-account data keys (DEKs) and the audit chain's key; several
master keys may be loaded so that keys wrapped by an older one still open during and after a
rotation. A master key is held in memory (``Key``) or by a token it never leaves (PKCS#11).

The keyring file lists the keys, and names the current one:

    {"format": "sparekey-keyring/1", "current": "1a2b3c4d",
     "keys": [{"id": "1a2b3c4d", "key": "<base64>"}, {"id": "5e6f7a8b", "token": "pkcs11"}]}

An entry with ``token`` holds no key material: only the id under which the token keeps the key.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from .blob import KEY_BYTES, Context, Key, SealingKey, open_sealed, seal
from .errors import KeyringError

FILE_FORMAT = "sparekey-keyring/1"
DATA_KEY_PURPOSE = "data-key"


class KeyToken(Protocol):
    """Where the keyring file's token entries live (see sparekey.crypto.pkcs11)."""

    kind: str

    def key(self, key_id: str) -> SealingKey: ...


def key_kind(key: SealingKey) -> str:
    """Where a master key is held: ``file`` for a key in memory, else the token's kind."""
    return "file" if isinstance(key, Key) else str(getattr(key, "kind", "token"))


class Keyring:
    def __init__(self, keys: Iterable[SealingKey], current_id: str) -> None:
        self.keys: dict[str, SealingKey] = {key.id: key for key in keys}
        if current_id not in self.keys:
            raise KeyringError(f"The keyring has no key {current_id} to make current.")
        self.current_id = current_id

    def __repr__(self) -> str:
        return f"<Keyring current={self.current_id} ids={sorted(self.keys)}>"

    @property
    def current(self) -> SealingKey:
        return self.keys[self.current_id]

    def kind(self, key_id: str) -> str:
        return key_kind(self.keys[key_id])

    def wrap_key(self, key: Key, context: Context) -> bytes:
        return seal(self.current, key.material, context)

    def unwrap_key(self, wrapped: bytes, context: Context) -> Key:
        return Key(open_sealed(self.keys, wrapped, context))

    def wrap_data_key(self, data_key: Key, account: UUID) -> bytes:
        return self.wrap_key(data_key, Context(DATA_KEY_PURPOSE, account, account))

    def unwrap_data_key(self, wrapped: bytes, account: UUID) -> Key:
        return self.unwrap_key(wrapped, Context(DATA_KEY_PURPOSE, account, account))

    # Rotation --------------------------------------------------------------------------------

    def with_current(self, key: SealingKey) -> Keyring:
        """This keyring plus ``key``, made current; the older keys stay to open what they wrap."""
        if key.id in self.keys:
            raise KeyringError(f"The keyring already holds a key with id {key.id}.")
        return Keyring([*self.keys.values(), key], key.id)

    def without(self, key_id: str) -> Keyring:
        if key_id not in self.keys:
            raise KeyringError(f"The keyring has no key {key_id}.")
        if key_id == self.current_id:
            raise KeyringError(
                f"Key {key_id} is the current master key: rotate away from it first."
            )
        return Keyring([k for k in self.keys.values() if k.id != key_id], self.current_id)

    # Storage ---------------------------------------------------------------------------------

    @classmethod
    def from_base64(cls, value: str) -> Keyring:
        """Keys given as base64 (SPAREKEY_MASTER_KEY), comma-separated, the current one first."""
        keys = [
            _decode_key(part.strip(), "SPAREKEY_MASTER_KEY")
            for part in value.split(",")
            if part.strip()
        ]
        if not keys:
            raise KeyringError("SPAREKEY_MASTER_KEY holds no key.")
        return cls(keys, keys[0].id)

    def to_document(self) -> dict[str, Any]:
        entries: list[dict[str, str]] = []
        for key in self.keys.values():
            if isinstance(key, Key):
                entries.append({"id": key.id, "key": base64.b64encode(key.material).decode()})
            else:
                entries.append({"id": key.id, "token": key_kind(key)})
        return {
            "format": FILE_FORMAT,
            "current": self.current_id,
            "keys": entries,
            "written": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    @classmethod
    def from_document(cls, document: Any, source: str, token: KeyToken | None = None) -> Keyring:
        try:
            if document.get("format") != FILE_FORMAT:
                raise KeyringError(f"{_capital(source)} is not a Sparekey keyring ({FILE_FORMAT}).")
            keys = [_entry_key(entry, source, token) for entry in document["keys"]]
            return cls(keys, document["current"])
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise KeyringError(f"{_capital(source)} is damaged: {type(error).__name__}.") from None

    @classmethod
    def load(cls, path: Path, token: KeyToken | None = None) -> Keyring:
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise KeyringError(f"The master key file {path} does not exist.") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyringError(
                f"The master key file {path} can be read by other users (mode "
                f"{stat.S_IMODE(mode):o}); run `chmod 600 {path}`."
            )
        source = f"the master key file {path}"
        try:
            document = json.loads(path.read_text())
        except ValueError as error:
            raise KeyringError(f"{_capital(source)} is damaged: {type(error).__name__}.") from None
        return cls.from_document(document, source, token)

    def save(self, path: Path, *, replace: bool = True) -> None:
        """Write the keyring with mode 0600, atomically: a crash leaves the old file or the new.

        With ``replace=False`` an existing file wins (FileExistsError), so two processes that
        start at once never overwrite each other's new key.
        """
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                json.dump(self.to_document(), handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            if replace:
                os.replace(temporary, path)
            else:
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        # The rename itself must reach the disk before a data key is wrapped with a new key.
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    @classmethod
    def load_or_create(
        cls,
        path: Path,
        token: KeyToken | None = None,
        new_key: Callable[[], SealingKey] = Key.generate,
    ) -> Keyring:
        """The keyring at ``path``, or a new one with one fresh key if there is no file yet."""
        if not path.exists():
            key = new_key()
            try:
                cls([key], key.id).save(path, replace=False)
            except FileExistsError:
                pass  # another process created it first: use theirs
        return cls.load(path, token)


def _entry_key(entry: dict[str, str], source: str, token: KeyToken | None) -> SealingKey:
    if "token" not in entry:
        key = _decode_key(entry["key"], source)
        if entry.get("id", key.id) != key.id:
            raise KeyringError(f"The key listed as {entry['id']} in {source} is another key.")
        return key
    key_id = entry["id"]
    if token is None or token.kind != entry["token"]:
        raise KeyringError(
            f"Master key {key_id} is held by a {entry['token']} token, and none is configured "
            "(SPAREKEY_PKCS11_MODULE and the token's settings)."
        )
    return token.key(key_id)


def _decode_key(value: str, source: str) -> Key:
    try:
        material = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"The master key in {source} is not valid base64.") from None
    if len(material) != KEY_BYTES:
        raise KeyringError(f"The master key in {source} must be {KEY_BYTES} bytes (256 bits).")
    return Key(material)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
