"""Envelope encryption for Sparekey. Pure: imports nothing else of Sparekey and no Django."""

from .blob import Context, Key, SealingKey, blob_key_id, key_id_for, open_sealed, seal
from .errors import (
    CryptoError,
    KeyringError,
    TamperedBlob,
    UnknownKey,
    UnknownVersion,
    WrongPassphrase,
)
from .keyring import Keyring, KeyToken, key_kind
from .passphrase import open_with_passphrase, seal_with_passphrase

__all__ = [
    "Context",
    "CryptoError",
    "Key",
    "KeyToken",
    "Keyring",
    "KeyringError",
    "SealingKey",
    "TamperedBlob",
    "UnknownKey",
    "UnknownVersion",
    "WrongPassphrase",
    "blob_key_id",
    "key_id_for",
    "key_kind",
    "open_sealed",
    "open_with_passphrase",
    "seal",
    "seal_with_passphrase",
]
