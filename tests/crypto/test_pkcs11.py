"""Master keys held by a PKCS#11 token (SoftHSM2): the same blob format and associated data as a
key in memory, sealed and opened by the token; the key itself never leaves it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from sparekey.crypto import (
    Context,
    Key,
    Keyring,
    KeyringError,
    TamperedBlob,
    UnknownKey,
    blob_key_id,
    key_kind,
    open_sealed,
    seal,
)
from sparekey.crypto.pkcs11 import Pkcs11Token
from tests.crypto.softhsm import PIN, TOKEN_LABEL, make_token

CONTEXT = Context("data-key", uuid4(), uuid4())


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pkcs11Token]:
    env = make_token(tmp_path_factory.mktemp("softhsm"))
    # The library reads its configuration when this process first loads it.
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = env["SOFTHSM2_CONF"]
    try:
        yield Pkcs11Token(env["SPAREKEY_PKCS11_MODULE"], TOKEN_LABEL, PIN, "test-master-key")
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous


def test_a_key_made_on_the_token_seals_and_opens_in_the_usual_format(token: Pkcs11Token) -> None:
    key = token.generate_key()
    assert key_kind(key) == "pkcs11"
    blob = seal(key, b"a data key of 32 bytes, exactly!", CONTEXT)
    assert blob[0] == 1 and blob_key_id(blob) == key.id
    assert open_sealed(key, blob, CONTEXT) == b"a data key of 32 bytes, exactly!"
    assert key.id in token.key_ids()


def test_an_altered_or_moved_blob_fails_to_open(token: Pkcs11Token) -> None:
    key = token.generate_key()
    blob = seal(key, b"secret", CONTEXT)
    damaged = bytearray(blob)
    damaged[-1] ^= 0x01
    with pytest.raises(TamperedBlob):
        open_sealed(key, bytes(damaged), CONTEXT)
    with pytest.raises(TamperedBlob):
        open_sealed(key, blob, Context("data-key", uuid4(), CONTEXT.record))


def test_the_key_cannot_be_read_off_the_token(token: Pkcs11Token) -> None:
    import pkcs11

    key = token.generate_key()
    # This process is logged in to the token already (a login holds for the whole process).
    with pkcs11.lib(token.module).get_token(token_label=TOKEN_LABEL).open() as session:
        handle = session.get_key(label="test-master-key", id=bytes.fromhex(key.id))
        assert handle[pkcs11.Attribute.SENSITIVE] is True
        assert handle[pkcs11.Attribute.EXTRACTABLE] is False
        with pytest.raises(pkcs11.exceptions.AttributeSensitive):
            handle[pkcs11.Attribute.VALUE]


def test_a_keyring_wraps_data_keys_with_a_token_key_beside_a_file_key(
    token: Pkcs11Token, tmp_path: Path
) -> None:
    file_key = Key.generate()
    ring = Keyring([file_key], file_key.id).with_current(token.generate_key())
    data_key, account = Key.generate(), uuid4()
    wrapped = ring.wrap_data_key(data_key, account)
    assert blob_key_id(wrapped) == ring.current_id != file_key.id
    assert ring.unwrap_data_key(wrapped, account).material == data_key.material
    path = tmp_path / "master.key"
    ring.save(path)
    assert '"token": "pkcs11"' in path.read_text()
    loaded = Keyring.load(path, token)
    assert loaded.unwrap_data_key(wrapped, account).material == data_key.material
    with pytest.raises(KeyringError, match=f"Master key {ring.current_id} is held by a pkcs11"):
        Keyring.load(path)


def test_a_key_the_token_lacks_is_named(token: Pkcs11Token) -> None:
    with pytest.raises(KeyringError, match="holds no key 0badc0de"):
        token.key("0badc0de")
    key = token.generate_key()
    ring = Keyring([key], key.id)
    with pytest.raises(UnknownKey):
        ring.unwrap_data_key(seal(Key.generate(), b"x" * 32, CONTEXT), uuid4())


def test_a_missing_token_is_a_clear_error(token: Pkcs11Token) -> None:
    # (A wrong PIN: tests/maintenance/test_pkcs11_keys.py, in a process not yet logged in.)
    no_token = Pkcs11Token(token.module, "no such token", PIN, "test-master-key")
    with pytest.raises(KeyringError, match="No PKCS#11 token labelled 'no such token'"):
        no_token.key_ids()
