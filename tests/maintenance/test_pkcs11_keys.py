"""The master key on a PKCS#11 token (SoftHSM2): rotated there from the key file and back, the
data opening all along; the key file's key never reaching the database or a log; a wrong PIN or
a missing key stopping the process with the key id it needs."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

from tests.crypto.softhsm import make_token
from tests.maintenance.conftest import Vault, server_url


def database_bytes(vault: Vault) -> bytes:
    if vault.database:
        return subprocess.run(
            ["pg_dump", "--format=plain", server_url(vault.database)],
            capture_output=True,
            check=True,
        ).stdout
    files = [vault.data_dir / name for name in ("sparekey.sqlite3", "sparekey.sqlite3-wal")]
    return b"".join(path.read_bytes() for path in files if path.exists())


def test_rotating_from_the_key_file_to_the_token_and_back(vault: Vault, tmp_path: Path) -> None:
    vault.script("populate", "20", "3")  # the key file's key, made before a token was set up
    vault.env.update(make_token(tmp_path / "hsm"))
    document = json.loads(vault.key_file.read_text())
    file_id = document["current"]
    file_key = base64.b64decode(document["keys"][0]["key"])
    logs = [vault.ok("rotate-key", "--to", "pkcs11")]
    token_id, _ = vault.keyring()
    assert f"Rotated to master key {token_id} (on the pkcs11 token): 21 wrapped keys" in logs[0]
    logs.append(vault.ok("rotate-key", "--retire", file_id))
    on_token = json.loads(vault.key_file.read_text())
    assert on_token["keys"] == [{"id": token_id, "token": "pkcs11"}]  # no key material at all
    opened = vault.script("check")
    assert opened["wrong"] == [] and opened["key_ids"] == [token_id]

    logs.append(vault.ok("rotate-key", "--to", "file"))
    back, _ = vault.keyring()
    assert f"Rotated to master key {back} (in the key file)" in logs[-1]
    logs.append(vault.ok("rotate-key", "--retire", token_id))
    assert f"The key stays on the token (label 'sparekey-master-key', id {token_id})" in logs[-1]
    assert vault.keyring() == (back, [back])
    logs.append(vault.ok("verify"))

    stored = database_bytes(vault)
    output = "\n".join(logs)
    for form in (file_key, base64.b64encode(file_key), file_key.hex().encode()):
        assert form not in stored
        assert form.decode("latin-1") not in output


def test_a_new_install_with_a_token_starts_with_its_key_there(vault: Vault, tmp_path: Path) -> None:
    vault.env.update(make_token(tmp_path / "hsm"))
    vault.script("populate", "2", "1")
    current, _ = vault.keyring()
    assert json.loads(vault.key_file.read_text())["keys"] == [{"id": current, "token": "pkcs11"}]
    assert "Everything opens" in vault.ok("verify")


def test_a_wrong_pin_or_a_missing_key_stops_with_the_key_id(vault: Vault, tmp_path: Path) -> None:
    vault.env.update(make_token(tmp_path / "hsm"))
    vault.script("populate", "2", "1")
    current, _ = vault.keyring()
    wrong_pin = tmp_path / "wrong-pin"
    wrong_pin.write_text("000000\n")
    vault.env["SPAREKEY_PKCS11_PIN_FILE"] = str(wrong_pin)
    refused = vault.run("verify")
    assert refused.returncode == 2
    assert "refused the PIN" in refused.stderr
    vault.env["SPAREKEY_PKCS11_PIN_FILE"] = str(tmp_path / "hsm" / "pin")
    vault.env["SPAREKEY_PKCS11_KEY_LABEL"] = "another label"
    missing = vault.run("serve", "--no-migrate", "--port", "1")
    assert missing.returncode == 1
    assert f"holds no key {current}" in missing.stderr
    del vault.env["SPAREKEY_PKCS11_MODULE"]
    unconfigured = vault.run("verify")
    assert unconfigured.returncode == 2
    assert f"Master key {current} is held by a pkcs11 token, and none is configured" in (
        unconfigured.stderr
    )
