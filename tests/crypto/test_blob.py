"""The sealed-value format, pinned: a change to it must be a new version, never a silent edit."""

from __future__ import annotations

import hashlib
from uuid import UUID, uuid4

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sparekey.crypto import (
    Context,
    Key,
    TamperedBlob,
    UnknownKey,
    UnknownVersion,
    blob_key_id,
    open_sealed,
    seal,
)

KEY = Key(bytes(range(32)))
ACCOUNT = UUID("11111111-2222-4333-8444-555555555555")
RECORD = UUID("66666666-7777-4888-8999-aaaaaaaaaaaa")
CONTEXT = Context("backup-code", ACCOUNT, RECORD)
NONCE = bytes(range(12))
KNOWN_BLOB = bytes.fromhex(
    "013c1ee5ef000102030405060708090a0b2132b429f3c8f728bb23a23b71f49246371bc2324f95ee48fb001f"
)


def test_a_known_plaintext_seals_to_the_pinned_blob() -> None:
    assert seal(KEY, b"f0b26-536b5", CONTEXT, nonce=NONCE) == KNOWN_BLOB


def test_the_pinned_blob_opens() -> None:
    assert open_sealed(KEY, KNOWN_BLOB, CONTEXT) == b"f0b26-536b5"


def test_the_format_is_what_the_design_says() -> None:
    # Rebuilt by hand from DESIGN.md: version | key id | nonce | AES-256-GCM(ct+tag), with the
    # header and "sparekey/v1|purpose|account|record" as associated data.
    key_id = hashlib.sha256(b"sparekey/key-id|" + KEY.material).digest()[:4]
    header = b"\x01" + key_id
    aad = header + f"sparekey/v1|backup-code|{ACCOUNT}|{RECORD}".encode()
    expected = header + NONCE + AESGCM(KEY.material).encrypt(NONCE, b"f0b26-536b5", aad)
    assert expected == KNOWN_BLOB
    assert blob_key_id(KNOWN_BLOB) == key_id.hex() == KEY.id


def test_each_seal_uses_a_fresh_nonce() -> None:
    blobs = {seal(KEY, b"same", CONTEXT) for _ in range(50)}
    assert len(blobs) == 50


@pytest.mark.parametrize("position", range(len(KNOWN_BLOB)))
def test_any_flipped_byte_fails_to_open_with_a_clear_error(position: int) -> None:
    damaged = bytearray(KNOWN_BLOB)
    damaged[position] ^= 0x01
    with pytest.raises((TamperedBlob, UnknownKey, UnknownVersion)) as caught:
        open_sealed(KEY, bytes(damaged), CONTEXT)
    assert str(caught.value)
    assert "f0b26" not in str(caught.value)


def test_a_blob_moved_to_another_record_fails_to_open() -> None:
    with pytest.raises(TamperedBlob, match="altered, or moved"):
        open_sealed(KEY, KNOWN_BLOB, Context("backup-code", ACCOUNT, uuid4()))


def test_a_blob_moved_to_another_account_fails_to_open() -> None:
    with pytest.raises(TamperedBlob):
        open_sealed(KEY, KNOWN_BLOB, Context("backup-code", uuid4(), RECORD))


def test_a_blob_used_for_another_purpose_fails_to_open() -> None:
    with pytest.raises(TamperedBlob):
        open_sealed(KEY, KNOWN_BLOB, Context("password", ACCOUNT, RECORD))


def test_an_unknown_version_is_refused_by_name() -> None:
    with pytest.raises(UnknownVersion, match="format version 2"):
        open_sealed(KEY, b"\x02" + KNOWN_BLOB[1:], CONTEXT)


def test_an_unknown_key_id_is_refused_naming_the_id() -> None:
    other = Key.generate()
    with pytest.raises(UnknownKey, match=KEY.id):
        open_sealed({other.id: other}, KNOWN_BLOB, CONTEXT)


def test_a_truncated_blob_is_refused() -> None:
    for length in (0, 1, 5, 16, 32):
        with pytest.raises(TamperedBlob, match="too short"):
            open_sealed(KEY, KNOWN_BLOB[:length], CONTEXT)


def test_a_key_never_shows_itself_in_its_repr() -> None:
    assert KEY.material.hex() not in repr(KEY)
    assert repr(KEY) == f"<Key {KEY.id}>"


def test_a_purpose_cannot_smuggle_a_separator() -> None:
    with pytest.raises(ValueError):
        Context("backup-code|x", ACCOUNT, RECORD)
