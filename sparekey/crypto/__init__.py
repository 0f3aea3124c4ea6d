"""Envelope encryption for Sparekey. Pure: imports nothing else of Sparekey and no Django."""

from .blob import Context, Key, blob_key_id, key_id_for, open_sealed, seal
from .errors import CryptoError, KeyringError, TamperedBlob, UnknownKey, UnknownVersion
from .keyring import Keyring

__all__ = [
    "Context",
    "CryptoError",
    "Key",
    "Keyring",
    "KeyringError",
    "TamperedBlob",
    "UnknownKey",
    "UnknownVersion",
    "blob_key_id",
    "key_id_for",
    "open_sealed",
    "seal",
]
