"""The keyring file across rotations: keys added and retired, token-held keys named by id only,
several keys from SPAREKEY_MASTER_KEY, and a file whose key does not match its id refused."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path
from uuid import uuid4

import pytest

from sparekey.crypto import Key, Keyring, KeyringError, SealingKey, key_kind


class FakeToken:
    """Stands in for a PKCS#11 token: holds keys the keyring file names but does not contain."""

    kind = "pkcs11"

    def __init__(self) -> None:
        self.held: dict[str, HeldKey] = {}

    def key(self, key_id: str) -> SealingKey:
        if key_id not in self.held:
            raise KeyringError(f"The token holds no key {key_id}.")
        return self.held[key_id]


class HeldKey:
    kind = "pkcs11"

    def __init__(self) -> None:
        self._key = Key.generate()

    @property
    def id(self) -> str:
        return self._key.id

    def encrypt(self, nonce: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
        return self._key.encrypt(nonce, plaintext, associated_data)

    def decrypt(self, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes:
        return self._key.decrypt(nonce, ciphertext, associated_data)


def test_a_rotation_adds_a_current_key_and_keeps_the_old_ones(tmp_path: Path) -> None:
    old = Key.generate()
    ring = Keyring([old], old.id)
    wrapped = ring.wrap_data_key(data_key := Key.generate(), account := uuid4())
    rotated = ring.with_current(new := Key.generate())
    assert rotated.current_id == new.id and set(rotated.keys) == {old.id, new.id}
    assert rotated.unwrap_data_key(wrapped, account).material == data_key.material
    path = tmp_path / "master.key"
    rotated.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Keyring.load(path).current_id == new.id
    with pytest.raises(KeyringError, match="already holds"):
        rotated.with_current(new)


def test_retiring_removes_a_key_but_never_the_current_one() -> None:
    old, new = Key.generate(), Key.generate()
    ring = Keyring([old, new], new.id)
    assert set(ring.without(old.id).keys) == {new.id}
    with pytest.raises(KeyringError, match="is the current master key"):
        ring.without(new.id)
    with pytest.raises(KeyringError, match="has no key"):
        ring.without("0badc0de")


def test_a_token_held_key_is_named_in_the_file_never_stored(tmp_path: Path) -> None:
    token = FakeToken()
    held = HeldKey()
    token.held[held.id] = held
    file_key = Key.generate()
    ring = Keyring([file_key], file_key.id).with_current(held)
    path = tmp_path / "master.key"
    ring.save(path)
    document = json.loads(path.read_text())
    assert {"id": held.id, "token": "pkcs11"} in document["keys"]
    assert base64.b64encode(held._key.material).decode() not in path.read_text()
    loaded = Keyring.load(path, token)
    assert key_kind(loaded.current) == "pkcs11" and loaded.kind(file_key.id) == "file"
    with pytest.raises(KeyringError, match=f"Master key {held.id} is held by a pkcs11 token"):
        Keyring.load(path)


def test_a_file_whose_key_is_not_the_one_its_id_names_is_refused(tmp_path: Path) -> None:
    key, other = Key.generate(), Key.generate()
    path = tmp_path / "master.key"
    Keyring([key], key.id).save(path)
    document = json.loads(path.read_text())
    document["keys"][0]["key"] = base64.b64encode(other.material).decode()
    path.write_text(json.dumps(document))
    os.chmod(path, 0o600)
    with pytest.raises(KeyringError, match=f"listed as {key.id} .* is another key"):
        Keyring.load(path)


def test_the_environment_may_hold_several_keys_the_first_current() -> None:
    new, old = Key.generate(), Key.generate()
    value = ", ".join(base64.b64encode(k.material).decode() for k in (new, old))
    ring = Keyring.from_base64(value)
    assert ring.current_id == new.id and set(ring.keys) == {new.id, old.id}
    with pytest.raises(KeyringError, match="holds no key"):
        Keyring.from_base64(" , ")
