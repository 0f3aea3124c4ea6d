"""The sealed-value format: AES-256-GCM with a versioned header bound into the associated data.

    blob = version (1 byte) | key id (4 bytes) | nonce (12 bytes) | ciphertext + tag (16 bytes)

The associated data is the header followed by ``sparekey/v1|purpose|account uuid|record uuid``,
so a blob copied to another row, account or purpose fails to open, and so does one whose header
was edited to point at another key.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import TamperedBlob, UnknownKey, UnknownVersion

VERSION = 1
KEY_BYTES = 32
KEY_ID_BYTES = 4
NONCE_BYTES = 12
TAG_BYTES = 16
HEADER_BYTES = 1 + KEY_ID_BYTES
MIN_BLOB_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES


def key_id_for(key: bytes) -> str:
    """A key's id is derived from the key, so a wrong key is reported by the id it lacks."""
    return hashlib.sha256(b"sparekey/key-id|" + key).digest()[:KEY_ID_BYTES].hex()


@dataclass(frozen=True)
class Context:
    """Where a sealed value lives. Every part goes into the associated data."""

    purpose: str
    account: UUID
    record: UUID

    def __post_init__(self) -> None:
        if not self.purpose or "|" in self.purpose:
            raise ValueError("purpose must be a non-empty word without '|'")

    def associated_data(self, header: bytes) -> bytes:
        return header + f"sparekey/v1|{self.purpose}|{self.account}|{self.record}".encode()


@runtime_checkable
class SealingKey(Protocol):
    """An AES-256-GCM key that seals and opens blobs: in memory (Key) or held by a token.

    ``decrypt`` raises cryptography's InvalidTag when the ciphertext or associated data was
    altered, whichever holds the key.
    """

    @property
    def id(self) -> str: ...

    def encrypt(self, nonce: bytes, plaintext: bytes, associated_data: bytes) -> bytes: ...

    def decrypt(self, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes: ...


@dataclass(frozen=True, repr=False)
class Key:
    """A 256-bit AES key held in memory, with its id. repr() never shows the key."""

    material: bytes

    def __post_init__(self) -> None:
        if len(self.material) != KEY_BYTES:
            raise ValueError(f"a key is {KEY_BYTES} bytes")

    @classmethod
    def generate(cls) -> Key:
        return cls(AESGCM.generate_key(bit_length=256))

    @property
    def id(self) -> str:
        return key_id_for(self.material)

    def __repr__(self) -> str:
        return f"<Key {self.id}>"

    def encrypt(self, nonce: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
        return AESGCM(self.material).encrypt(nonce, plaintext, associated_data)

    def decrypt(self, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes:
        return AESGCM(self.material).decrypt(nonce, ciphertext, associated_data)


def seal(
    key: SealingKey, plaintext: bytes, context: Context, *, nonce: bytes | None = None
) -> bytes:
    """Encrypt ``plaintext`` for ``context``. ``nonce`` exists for known-answer tests only."""
    header = bytes([VERSION]) + bytes.fromhex(key.id)
    nonce = os.urandom(NONCE_BYTES) if nonce is None else nonce
    if len(nonce) != NONCE_BYTES:
        raise ValueError(f"a nonce is {NONCE_BYTES} bytes")
    ciphertext = key.encrypt(nonce, plaintext, context.associated_data(header))
    return header + nonce + ciphertext


def blob_key_id(blob: bytes) -> str:
    """The id of the key a blob was sealed with (checks the version first)."""
    if len(blob) < MIN_BLOB_BYTES:
        raise TamperedBlob("The sealed value is too short to be one; it was truncated or altered.")
    if blob[0] != VERSION:
        raise UnknownVersion(
            f"The sealed value has format version {blob[0]}; this Sparekey reads version "
            f"{VERSION}. Upgrade Sparekey or restore the matching data."
        )
    return blob[1:HEADER_BYTES].hex()


def open_sealed(
    keys: Mapping[str, SealingKey] | SealingKey, blob: bytes, context: Context
) -> bytes:
    """Decrypt a blob sealed for ``context`` with the one of ``keys`` named by its key id."""
    key_id = blob_key_id(blob)
    if not isinstance(keys, Mapping):
        keys = {keys.id: keys}
    key = keys.get(key_id)
    if key is None:
        raise UnknownKey(key_id)
    nonce = blob[HEADER_BYTES : HEADER_BYTES + NONCE_BYTES]
    ciphertext = blob[HEADER_BYTES + NONCE_BYTES :]
    try:
        return key.decrypt(nonce, ciphertext, context.associated_data(blob[:HEADER_BYTES]))
    except InvalidTag:
        raise TamperedBlob(
            f"A sealed {context.purpose} value of account {context.account} failed to open: it "
            "was altered, or moved from another record or account."
        ) from None
