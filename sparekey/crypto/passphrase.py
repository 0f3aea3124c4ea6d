"""Sealing a small secret (a backup's copy of the keyring) under a passphrase.

    blob = magic (8 bytes) | time cost | memory KiB | lanes (4 bytes each, big-endian)
           | salt (16 bytes) | nonce (12 bytes) | AES-256-GCM ciphertext + tag

The key is Argon2id(passphrase, salt) with the parameters written in the blob, so that stronger
ones can be chosen later without a new format; the header is the associated data, so editing a
parameter is caught like editing the ciphertext.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import TamperedBlob, UnknownVersion, WrongPassphrase

MAGIC = b"SKPASS\x00\x01"
SALT_BYTES = 16
NONCE_BYTES = 12
PARAMETERS = struct.Struct(">III")
HEADER_BYTES = len(MAGIC) + PARAMETERS.size + SALT_BYTES


@dataclass(frozen=True)
class Argon2Cost:
    time_cost: int = 3
    memory_kib: int = 64 * 1024
    lanes: int = 4

    def is_sane(self) -> bool:
        # A crafted backup must not make a restore allocate gigabytes or run for hours.
        return (
            1 <= self.time_cost <= 20
            and 8 * self.lanes <= self.memory_kib <= 1024 * 1024
            and 1 <= self.lanes <= 16
        )


# RFC 9106's second recommended choice, for machines without gigabytes to spare.
DEFAULT_COST = Argon2Cost()


def seal_with_passphrase(
    plaintext: bytes, passphrase: str, cost: Argon2Cost = DEFAULT_COST
) -> bytes:
    if not passphrase:
        raise ValueError("a passphrase is required")
    salt = os.urandom(SALT_BYTES)
    header = MAGIC + PARAMETERS.pack(cost.time_cost, cost.memory_kib, cost.lanes) + salt
    nonce = os.urandom(NONCE_BYTES)
    key = _derive(passphrase, salt, cost)
    return header + nonce + AESGCM(key).encrypt(nonce, plaintext, header)


def open_with_passphrase(blob: bytes, passphrase: str) -> bytes:
    if len(blob) < HEADER_BYTES + NONCE_BYTES + 16:
        raise TamperedBlob("The passphrase-sealed key is too short: it was truncated or altered.")
    if blob[: len(MAGIC)] != MAGIC:
        raise UnknownVersion("The key is not sealed in a format this Sparekey reads.")
    cost = Argon2Cost(*PARAMETERS.unpack_from(blob, len(MAGIC)))
    if not cost.is_sane():
        raise TamperedBlob("The passphrase-sealed key names impossible Argon2 parameters.")
    header = blob[:HEADER_BYTES]
    salt = header[-SALT_BYTES:]
    nonce = blob[HEADER_BYTES : HEADER_BYTES + NONCE_BYTES]
    try:
        return AESGCM(_derive(passphrase, salt, cost)).decrypt(
            nonce, blob[HEADER_BYTES + NONCE_BYTES :], header
        )
    except InvalidTag:
        raise WrongPassphrase(
            "The passphrase does not open the key in this backup (or the sealed key was altered)."
        ) from None


def _derive(passphrase: str, salt: bytes, cost: Argon2Cost) -> bytes:
    return hash_secret_raw(
        secret=passphrase.encode(),
        salt=salt,
        time_cost=cost.time_cost,
        memory_cost=cost.memory_kib,
        parallelism=cost.lanes,
        hash_len=32,
        type=Type.ID,
    )
