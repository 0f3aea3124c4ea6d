"""A secret sealed under a passphrase (a backup's copy of the keyring): Argon2id, then
AES-256-GCM, with the parameters in the authenticated header."""

from __future__ import annotations

import pytest

from sparekey.crypto import (
    TamperedBlob,
    UnknownVersion,
    WrongPassphrase,
    open_with_passphrase,
    seal_with_passphrase,
)
from sparekey.crypto.passphrase import DEFAULT_COST, MAGIC, PARAMETERS, Argon2Cost

CHEAP = Argon2Cost(time_cost=1, memory_kib=1024, lanes=1)
SECRET = b'{"format": "sparekey-keyring/1", "keys": ["..."]}'


def test_it_opens_with_the_passphrase_only() -> None:
    blob = seal_with_passphrase(SECRET, "correct horse battery staple", CHEAP)
    assert open_with_passphrase(blob, "correct horse battery staple") == SECRET
    with pytest.raises(WrongPassphrase, match="does not open the key in this backup"):
        open_with_passphrase(blob, "correct horse battery stapler")


def test_the_default_cost_is_argon2id_as_rfc_9106_recommends() -> None:
    blob = seal_with_passphrase(SECRET, "a passphrase")
    assert blob.startswith(MAGIC)
    assert PARAMETERS.unpack_from(blob, len(MAGIC)) == (3, 64 * 1024, 4)
    assert DEFAULT_COST.is_sane()
    assert open_with_passphrase(blob, "a passphrase") == SECRET


def test_each_seal_has_its_own_salt_and_nonce() -> None:
    assert seal_with_passphrase(SECRET, "p", CHEAP) != seal_with_passphrase(SECRET, "p", CHEAP)


def test_any_flipped_byte_is_refused_without_showing_the_secret() -> None:
    blob = seal_with_passphrase(SECRET, "passphrase", CHEAP)
    for position in range(len(blob)):
        damaged = bytearray(blob)
        damaged[position] ^= 0x01
        with pytest.raises((WrongPassphrase, TamperedBlob, UnknownVersion)) as refused:
            open_with_passphrase(bytes(damaged), "passphrase")
        assert "sparekey-keyring" not in str(refused.value)


def test_impossible_parameters_are_refused_before_any_work() -> None:
    blob = bytearray(seal_with_passphrase(SECRET, "passphrase", CHEAP))
    PARAMETERS.pack_into(blob, len(MAGIC), 1, 64 * 1024 * 1024, 1)  # 64 GiB
    with pytest.raises(TamperedBlob, match="impossible Argon2 parameters"):
        open_with_passphrase(bytes(blob), "passphrase")


def test_a_truncated_or_foreign_blob_is_refused() -> None:
    blob = seal_with_passphrase(SECRET, "passphrase", CHEAP)
    with pytest.raises(TamperedBlob, match="too short"):
        open_with_passphrase(blob[:40], "passphrase")
    with pytest.raises(UnknownVersion):
        open_with_passphrase(b"X" + blob[1:], "passphrase")


def test_an_empty_passphrase_is_refused() -> None:
    with pytest.raises(ValueError):
        seal_with_passphrase(SECRET, "")
