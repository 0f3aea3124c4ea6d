"""The running process's keyring, loaded from the configured provider once, then followed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from functools import cache

from sparekey.crypto import Context, Key, Keyring, KeyringError, SealingKey, UnknownKey

from .providers import keyring_version, load_keyring, needed_key_ids

_lock = threading.Lock()


class MasterKeys(Keyring):
    """This process's keyring, which follows a rotation run by another process.

    A server started before a rotation holds the old keyring in memory. A wrapped key naming a
    master key it has not loaded makes it reload the keyring once and retry, so it still opens
    data rewrapped meanwhile; and before wrapping a new key it reloads if the keyring file was
    replaced, so new data keys go to the new current key and not to one about to be retired.
    """

    def __init__(
        self, load: Callable[[], Keyring], version: Callable[[], Hashable] = lambda: None
    ) -> None:
        self._load = load
        self._version = version
        self._reload_lock = threading.Lock()
        seen = version()
        ring = load()
        super().__init__(ring.keys.values(), ring.current_id)
        self._ring, self._seen = ring, seen

    def __repr__(self) -> str:
        return f"<MasterKeys current={self.current_id} ids={sorted(self.keys)}>"

    def reload(self) -> None:
        with self._reload_lock:
            seen = self._version()
            ring = self._load()
            self._ring, self._seen = ring, seen
            self.keys, self.current_id = ring.keys, ring.current_id

    @property
    def current(self) -> SealingKey:
        return self._ring.current

    def wrap_key(self, key: Key, context: Context) -> bytes:
        if self._version() != self._seen:
            self.reload()
        return self._ring.wrap_key(key, context)

    def unwrap_key(self, wrapped: bytes, context: Context) -> Key:
        try:
            return self._ring.unwrap_key(wrapped, context)
        except UnknownKey:
            self.reload()
            return self._ring.unwrap_key(wrapped, context)


@cache
def keyring() -> MasterKeys:
    with _lock:
        ring = MasterKeys(lambda: load_keyring(create=True), keyring_version)
        _check_covers_data(ring)
        return ring


def _check_covers_data(ring: Keyring) -> None:
    """Refuse a keyring that lacks a key the stored data keys were wrapped with."""
    if missing := sorted(needed_key_ids() - set(ring.keys)):
        raise KeyringError(
            f"The master key in use ({ring.current_id}) is not the one the data was sealed "
            f"with: the database needs key {', '.join(missing)}. Configure that key "
            "(SPAREKEY_MASTER_KEY, the key file from your backup, or the PKCS#11 token)."
        )
