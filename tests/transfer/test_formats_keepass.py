"""The KeePass .kdbx reader: master password, entries, groups, and the header's KDF limits."""

from __future__ import annotations

import os
import tempfile

import pytest

from sparekey.transfer.formats import read_import
from sparekey.transfer.formats.keepass import (
    MAX_AES_ROUNDS,
    MAX_ARGON2_ITERATIONS,
    MAX_ARGON2_MEMORY,
    WRONG_PASSWORD,
    check_kdf,
)
from sparekey.transfer.items import ImportRefused
from tests.transfer.fixtures import (
    KEEPASS_PASSWORD,
    TOTP_URI,
    corpus_codes,
    corpus_text,
    kdbx_file,
    kdbx_with_kdf,
)


def read(data: bytes, password: str | None = KEEPASS_PASSWORD) -> list:
    return read_import([("vault.kdbx", data)], format="keepass", password=password)


@pytest.fixture(scope="module")
def vault() -> bytes:
    return kdbx_file(
        [
            {
                "group": "Social/Brand X",
                "title": "X",
                "username": "@brandx",
                "password": "x-pass-x-pass",
                "url": "https://x.com/login",
                "notes": f"Shared login.\nRecovery codes:\n{corpus_text('github-file')}",
                "otp": TOTP_URI,
                "fields": {"Support PIN": "4711", "Security answer": ("blue", True)},
            },
            {
                "group": "",
                "title": "Google",
                "fields": {"Backup codes": (corpus_text("google-file"), True)},
            },
        ]
    )


def test_entries_give_their_parts_and_group_path(vault: bytes) -> None:
    x, google = read(vault)
    assert (x.name, x.username, x.password) == ("X", "@brandx", "x-pass-x-pass")
    assert x.login_url == "https://x.com/login"
    assert x.totp == TOTP_URI
    assert x.codes[0].codes == corpus_codes("github-file")
    assert x.notes == "Shared login.\n\nSupport PIN: 4711\n\nSecurity answer: blue"
    assert x.origin == "Social/Brand X, entry 1"
    assert google.codes[0].codes == corpus_codes("google-file")
    assert google.codes[0].source == "field “Backup codes”"


def test_the_database_never_touches_the_disk(vault: bytes) -> None:
    before = set(os.listdir(tempfile.gettempdir()))
    read(vault)
    assert set(os.listdir(tempfile.gettempdir())) <= before


def test_a_wrong_password_is_refused(vault: bytes) -> None:
    with pytest.raises(ImportRefused) as refusal:
        read(vault, password="not the password")
    assert refusal.value.reason == WRONG_PASSWORD


def test_a_missing_password_is_asked_for(vault: bytes) -> None:
    with pytest.raises(ImportRefused, match="master password"):
        read(vault, password=None)


def test_a_damaged_database_is_refused_like_a_wrong_password(vault: bytes) -> None:
    damaged = vault[:-200] + bytes(200)
    with pytest.raises(ImportRefused):
        read(damaged)


def test_an_argon2_memory_bomb_is_refused_before_any_key_derivation(vault: bytes) -> None:
    bomb = kdbx_with_kdf(vault, M=2**40)
    with pytest.raises(ImportRefused, match="too costly"):
        check_kdf(bomb)
    with pytest.raises(ImportRefused, match="too costly"):
        read(bomb)


@pytest.mark.parametrize(
    "params",
    [
        {"I": MAX_ARGON2_ITERATIONS + 1},
        {"I": 2**63},
        {"M": MAX_ARGON2_MEMORY + 1},
        {"M": MAX_ARGON2_MEMORY, "I": 50},
    ],
)
def test_argon2_costs_beyond_the_limits_are_refused(vault: bytes, params: dict[str, int]) -> None:
    with pytest.raises(ImportRefused, match="too costly"):
        check_kdf(kdbx_with_kdf(vault, **params))


def test_argon2_costs_within_the_limits_are_accepted(vault: bytes) -> None:
    check_kdf(kdbx_with_kdf(vault, M=64 * 1024 * 1024, I=20))


def test_aes_kdf_rounds_beyond_the_limit_are_refused(vault: bytes) -> None:
    # Turn the header into AES-KDF: replace the Argon2 UUID and add an "R" parameter in place
    # of "I" (same width), as KeePass 2 writes for AES-KDF databases.
    argon2d = bytes.fromhex("ef636ddf8c29444b91f7a9a403e30a0c")
    aes_kdf = bytes.fromhex("c9d9f39a628a4460bf740d08c18a4fea")
    data = vault.replace(argon2d, aes_kdf)
    data = data.replace(
        b"\x05\x01\x00\x00\x00I\x08\x00\x00\x00", b"\x05\x01\x00\x00\x00R\x08\x00\x00\x00"
    )
    check_kdf(kdbx_with_kdf(data, R=1000))
    with pytest.raises(ImportRefused, match="AES-KDF rounds"):
        check_kdf(kdbx_with_kdf(data, R=MAX_AES_ROUNDS + 1))


@pytest.mark.parametrize(
    "data",
    [b"", b"\x03\xd9\xa2\x9a", b"\x03\xd9\xa2\x9a\x67\xfb\x4b\xb5\x01\x00\x04\x00\x02"],
)
def test_truncated_headers_are_refused(data: bytes) -> None:
    with pytest.raises(ImportRefused):
        check_kdf(data)


def test_a_keepass_1_database_is_refused_with_what_to_do() -> None:
    with pytest.raises(ImportRefused, match="KeePass 1"):
        check_kdf(bytes.fromhex("03d9a29a65fb4bb5") + bytes(120))


def test_entries_in_the_recycle_bin_are_skipped() -> None:
    data = kdbx_file([{"title": "Kept"}, {"title": "Deleted", "trashed": True}])
    assert [account.name for account in read(data)] == ["Kept"]


def _kdbx3_header(rounds: int) -> bytes:
    """A KDBX 3.1 header: signature, version, then fields with 16-bit lengths."""

    def field(field_id: int, value: bytes) -> bytes:
        return bytes([field_id]) + len(value).to_bytes(2, "little") + value

    return (
        bytes.fromhex("03d9a29a67fb4bb5")
        + (1).to_bytes(2, "little")
        + (3).to_bytes(2, "little")
        + field(4, bytes(32))  # master seed
        + field(6, rounds.to_bytes(8, "little"))  # AES-KDF transform rounds
        + field(0, b"\r\n\r\n")
    )


def test_kdbx3_transform_rounds_are_checked() -> None:
    check_kdf(_kdbx3_header(60_000))
    with pytest.raises(ImportRefused, match="AES-KDF rounds"):
        check_kdf(_kdbx3_header(MAX_AES_ROUNDS + 1))
