from __future__ import annotations

import base64
import os
import stat
from pathlib import Path
from uuid import uuid4

import pytest

from sparekey.crypto import Key, Keyring, KeyringError, TamperedBlob, UnknownKey


def test_a_new_keyring_file_is_readable_only_by_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    Keyring.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_load_or_create_keeps_an_existing_key(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    first = Keyring.load_or_create(path)
    second = Keyring.load_or_create(path)
    assert first.current_id == second.current_id
    assert first.current.material == second.current.material


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    Keyring.load_or_create(path)
    os.chmod(path, 0o644)
    with pytest.raises(KeyringError, match="chmod 600"):
        Keyring.load(path)


def test_a_damaged_key_file_is_refused_without_showing_it(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    path.write_text('{"format": "sparekey-keyring/1", "current": "x", "keys": [{"key": "!!"}]}')
    os.chmod(path, 0o600)
    with pytest.raises(KeyringError, match="base64"):
        Keyring.load(path)


def test_data_keys_wrap_and_unwrap_for_their_account_only() -> None:
    key = Key.generate()
    ring = Keyring([key], key.id)
    data_key = Key.generate()
    account = uuid4()
    wrapped = ring.wrap_data_key(data_key, account)
    assert ring.unwrap_data_key(wrapped, account).material == data_key.material
    with pytest.raises(TamperedBlob):
        ring.unwrap_data_key(wrapped, uuid4())


def test_a_wrong_master_key_names_the_key_it_needs() -> None:
    right, wrong = Key.generate(), Key.generate()
    wrapped = Keyring([right], right.id).wrap_data_key(Key.generate(), account := uuid4())
    with pytest.raises(UnknownKey, match=right.id):
        Keyring([wrong], wrong.id).unwrap_data_key(wrapped, account)


def test_an_older_key_in_the_ring_still_unwraps() -> None:
    old, new = Key.generate(), Key.generate()
    account = uuid4()
    wrapped = Keyring([old], old.id).wrap_data_key(data_key := Key.generate(), account)
    ring = Keyring([old, new], new.id)
    assert ring.unwrap_data_key(wrapped, account).material == data_key.material


def test_the_master_key_from_the_environment_must_be_256_bits() -> None:
    with pytest.raises(KeyringError, match="32 bytes"):
        Keyring.from_base64(base64.b64encode(b"short").decode())
    with pytest.raises(KeyringError, match="base64"):
        Keyring.from_base64("not base64 at all!")
    key = os.urandom(32)
    assert Keyring.from_base64(base64.b64encode(key).decode()).current.material == key


def test_the_keyring_repr_shows_ids_only() -> None:
    key = Key.generate()
    assert key.material.hex() not in repr(Keyring([key], key.id))
