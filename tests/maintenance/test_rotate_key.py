"""`sparekey rotate-key`: a new current key, every data key rewrapped, codes untouched; an old
key retired only when nothing needs it anymore. Run in this process on a key file of the test's
own (tests/maintenance/test_rotation_under_fire.py runs and kills the real command)."""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sparekey.accounts.models import Account
from sparekey.audit.models import AuditEvent
from sparekey.audit.verify import verify_chain
from sparekey.backup_codes.models import BackupCode
from sparekey.crypto import Key, UnknownKey, blob_key_id
from sparekey.keys import MasterKeys, keyring
from sparekey.keys.models import AuditKey
from sparekey.keys.providers import keyring_version, load_keyring, needed_key_ids
from sparekey.workspace import two_step
from sparekey.workspace.models import LoginTotp
from tests.conftest import make_member
from tests.maintenance.conftest import Vault
from tests.maintenance.vault import check, populate

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def rotate_key(*args: str, out: io.StringIO | None = None) -> str:
    out = out or io.StringIO()
    call_command("rotate-key", *args, stdout=out)
    return out.getvalue()


def key_file(data_dir: Path) -> tuple[str, list[str]]:
    document = json.loads((data_dir / "master.key").read_text())
    return document["current"], [entry["id"] for entry in document["keys"]]


def sealed_codes() -> list[bytes]:
    return sorted(bytes(s) for s in BackupCode.objects.values_list("sealed", flat=True))


def wrapped_data_keys() -> dict[int, tuple[bytes, str]]:
    return {
        pk: (bytes(wrapped), key_id)
        for pk, wrapped, key_id in Account.all_objects.values_list(
            "pk", "wrapped_data_key", "key_id"
        )
    }


def test_it_rewraps_every_data_key_and_leaves_the_codes_alone(own_keyring: Path) -> None:
    populate(30, 4)
    old, _ = key_file(own_keyring)
    codes, data_keys = sealed_codes(), wrapped_data_keys()
    output = rotate_key("--batch-size", "7")
    new, ids = key_file(own_keyring)
    assert new != old and sorted(ids) == sorted([old, new])
    assert f"Rotated to master key {new} (in the key file): 31 wrapped keys rewrapped" in output
    assert sealed_codes() == codes
    after = wrapped_data_keys()
    assert all(after[pk][0] != data_keys[pk][0] and after[pk][1] == new for pk in data_keys)
    assert set(AuditKey.objects.values_list("master_key_id", flat=True)) == {new}
    assert check()["wrong"] == []


def test_progress_is_plain_lines_when_not_on_a_terminal(own_keyring: Path) -> None:
    populate(30, 1)
    output = rotate_key("--batch-size", "10")
    assert [line for line in output.splitlines() if line.startswith("Rewrapped")] == [
        "Rewrapped 0 of 31 keys.",
        "Rewrapped 1 of 31 keys.",  # the audit key goes first
        "Rewrapped 11 of 31 keys.",
        "Rewrapped 21 of 31 keys.",
        "Rewrapped 31 of 31 keys.",
    ]
    assert "\r" not in output


def test_progress_is_a_bar_on_a_terminal(own_keyring: Path) -> None:
    populate(30, 1)
    output = rotate_key("--batch-size", "10", out=Terminal())
    assert "\r[" + "#" * 30 + "] 31/31 keys rewrapped" in output
    assert "Rewrapped" not in output


def test_the_current_key_and_unknown_keys_are_not_retired(own_keyring: Path) -> None:
    populate(2, 1)
    current, _ = key_file(own_keyring)
    with pytest.raises(CommandError, match=f"Key {current} is the current master key: run"):
        rotate_key("--retire", current)
    with pytest.raises(CommandError, match=f"no key 0badc0de \\(it holds {current}\\)"):
        rotate_key("--retire", "0badc0de")


def test_an_interrupted_rotation_is_finished_and_only_then_the_old_key_retired(
    own_keyring: Path,
) -> None:
    populate(6, 1)
    old, _ = key_file(own_keyring)
    before = wrapped_data_keys()
    rotate_key()
    new, _ = key_file(own_keyring)
    # Two data keys back under the old key, as a rotation killed half-way leaves them.
    for pk in sorted(before)[:2]:
        wrapped, key_id = before[pk]
        Account.all_objects.filter(pk=pk).update(wrapped_data_key=wrapped, key_id=key_id)
    assert check()["wrong"] == []
    with pytest.raises(CommandError) as refused:
        rotate_key("--retire", old)
    assert (
        f"Key {old} still wraps 2 data keys, 0 audit keys and 0 login authenticator keys: "
        "run `sparekey rotate-key`"
    ) in str(refused.value)
    output = rotate_key()
    assert f"Finished the rotation to master key {new} (in the key file): 2 wrapped keys" in output
    assert key_file(own_keyring)[0] == new  # no third key
    assert f"Retired master key {old}" in rotate_key("--retire", old)
    assert key_file(own_keyring) == (new, [new])
    assert old not in (own_keyring / "master.key").read_text()
    assert check()["wrong"] == []
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-3:] == ["key_rotated", "key_rotated", "key_retired"]


def test_the_audit_chain_outlives_a_rotated_and_retired_key(own_keyring: Path) -> None:
    populate(3, 1)
    old, _ = key_file(own_keyring)
    audit_key = AuditKey.objects.get()
    rotate_key()
    rotate_key("--retire", old)
    assert AuditKey.objects.get().key_id == audit_key.key_id
    assert set(AuditEvent.objects.values_list("key_id", flat=True)) == {audit_key.key_id}
    assert old not in AuditEvent.objects.values_list("key_id", flat=True)
    keyring.cache_clear()  # as a new process would: only the new key is loaded
    report = verify_chain()
    assert report.ok and report.events == AuditEvent.objects.count()


def test_members_login_authenticators_are_rewrapped_and_block_retiring_until_they_are(
    own_keyring: Path,
) -> None:
    """A member who does not log in during a rotation must not lose their authenticator when
    the old key is retired: the rotation rewraps it, and retiring waits for it."""
    member = make_member("ops@example.com")
    row = two_step.start_enrolment(member)
    secret = two_step.totp_key(row).secret
    old, _ = key_file(own_keyring)
    # A rotation killed before it reached the authenticators leaves it wrapped by the old key.
    rotate_key()
    new, _ = key_file(own_keyring)
    LoginTotp.objects.filter(pk=row.pk).update(
        wrapped_key=row.wrapped_key, master_key_id=row.master_key_id
    )
    assert old in needed_key_ids()
    with pytest.raises(CommandError, match="1 login authenticator key"):
        rotate_key("--retire", old)
    assert "1 wrapped key" in rotate_key()
    assert LoginTotp.objects.get(pk=row.pk).master_key_id == new
    assert f"Retired master key {old}" in rotate_key("--retire", old)
    keyring.cache_clear()  # as a new process would: only the new key is loaded
    assert two_step.totp_key(LoginTotp.objects.get(pk=row.pk)).secret == secret


def test_a_server_started_before_the_rotation_opens_what_it_rewrapped(own_keyring: Path) -> None:
    populate(4, 1)
    server = MasterKeys(load_keyring, keyring_version)  # loaded before the rotation
    frozen = MasterKeys(load_keyring)  # a process that can never see the new key file
    frozen._load = lambda ring=frozen._ring: ring  # type: ignore[method-assign]
    old = server.current_id
    rotate_key()
    account = Account.objects.first()
    assert account is not None and account.key_id != old
    wrapped = bytes(account.wrapped_data_key)
    assert server.unwrap_data_key(wrapped, account.uuid).material == (account.data_key().material)
    assert server.current_id == account.key_id  # and new data keys go to the new key
    assert blob_key_id(server.wrap_data_key(Key.generate(), account.uuid)) == account.key_id
    with pytest.raises(UnknownKey):
        frozen.unwrap_data_key(wrapped, account.uuid)


def test_a_new_key_is_made_where_the_current_one_is_unless_told(own_keyring: Path) -> None:
    populate(2, 1)
    with pytest.raises(CommandError, match="No PKCS#11 token is configured"):
        rotate_key("--to", "pkcs11")
    assert len(key_file(own_keyring)[1]) == 1
    assert "(in the key file)" in rotate_key("--to", "file")


def test_keys_from_the_environment_are_rotated_by_the_operator(
    own_keyring: Path, settings: Any
) -> None:
    old_key = base64.b64encode(os.urandom(32)).decode()
    settings.MASTER_KEY = old_key
    keyring.cache_clear()
    populate(4, 1)
    with pytest.raises(CommandError, match="Put a new key first in it"):
        rotate_key()
    new_key = base64.b64encode(os.urandom(32)).decode()
    settings.MASTER_KEY = f"{new_key}, {old_key}"
    keyring.cache_clear()
    assert "Finished the rotation" in rotate_key()
    ring = keyring()
    old_id = next(key_id for key_id in ring.keys if key_id != ring.current_id)
    assert "remove it from SPAREKEY_MASTER_KEY" in rotate_key("--retire", old_id)
    settings.MASTER_KEY = new_key
    keyring.cache_clear()
    assert check()["wrong"] == []
    assert not (own_keyring / "master.key").exists()


def test_the_command_exits_non_zero_with_the_reason(vault: Vault) -> None:
    vault.script("populate", "2", "1")
    current, _ = vault.keyring()
    result = vault.run("rotate-key", "--retire", current)
    assert result.returncode == 1
    assert f"Key {current} is the current master key" in result.stderr
    assert "Rotate the master key" in vault.ok("help", "rotate-key")
