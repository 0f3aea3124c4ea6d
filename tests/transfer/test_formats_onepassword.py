"""The 1Password .1pux reader, and the zip it comes in."""

from __future__ import annotations

import io
import zipfile

import pytest

from sparekey.transfer.formats import read_import
from sparekey.transfer.formats.limits import MAX_ZIP_MEMBERS
from sparekey.transfer.items import ImportRefused
from tests.transfer.fixtures import (
    TOTP_URI,
    corpus_codes,
    corpus_text,
    onepassword_item,
    onepassword_section,
    onepux_file,
    zip_bomb,
)


def read(data: bytes) -> list:
    return read_import([("1PasswordExport.1pux", data)], format="1password")


def test_a_login_item_with_codes_in_a_section_and_a_totp_field() -> None:
    item = onepassword_item(
        "Brand X",
        username="social@example.com",
        password="pw-1234-pw",
        url="https://x.com/login",
        notes="Agency has read access.",
        sections=[
            onepassword_section(
                "Security",
                [
                    ("one-time password", "totp", TOTP_URI),
                    ("Recovery codes", "concealed", corpus_text("github-file")),
                    ("Support PIN", "string", "4711"),
                ],
            )
        ],
    )
    (account,) = read(onepux_file({"Social": [item]}))
    assert account.name == "Brand X"
    assert account.username == "social@example.com"
    assert account.password == "pw-1234-pw"
    assert account.login_url == "https://x.com/login"
    assert account.totp == TOTP_URI
    assert account.codes[0].codes == corpus_codes("github-file")
    assert account.notes == "Agency has read access.\n\nSupport PIN: 4711"
    assert account.origin == "Social, item 1"


def test_a_section_of_single_codes_is_one_list() -> None:
    codes = corpus_codes("dropbox-line")
    section = onepassword_section(
        "Backup codes", [(str(index), "concealed", code) for index, code in enumerate(codes, 1)]
    )
    (account,) = read(onepux_file({"V": [onepassword_item("Dropbox", sections=[section])]}))
    assert account.codes[0].codes == codes


def test_unwrapped_items_of_older_exports_and_codes_in_notes() -> None:
    item = onepassword_item("Google", notes=corpus_text("google-file"), wrapped=False)
    (account,) = read(onepux_file({"Private": [item]}))
    assert account.codes[0].codes == corpus_codes("google-file")


def test_trashed_items_are_skipped() -> None:
    kept, trashed = onepassword_item("Kept"), onepassword_item("Trashed")
    trashed["item"]["state"] = "trashed"
    assert [account.name for account in read(onepux_file({"V": [kept, trashed]}))] == ["Kept"]


def test_an_archive_without_export_data_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ImportRefused, match=r"export\.data"):
        read(out.getvalue())


def test_a_truncated_archive_is_refused() -> None:
    data = onepux_file({"V": [onepassword_item("A", notes="x" * 5000)]})
    for cut in (len(data) // 2, len(data) - 30, 10):
        with pytest.raises(ImportRefused, match=r"truncated|damaged"):
            read(data[:cut])


def test_a_corrupt_member_is_refused() -> None:
    data = bytearray(onepux_file({"V": [onepassword_item("A", notes="y" * 5000)]}))
    # Flip bytes inside the compressed export.data (after its local header).
    start = data.find(b"export.data") + 40
    data[start : start + 20] = bytes(20)
    with pytest.raises(ImportRefused):
        read(bytes(data))


def test_a_zip_bomb_is_refused_without_inflating_it() -> None:
    with pytest.raises(ImportRefused, match="unpack to more"):
        read(zip_bomb())


def test_a_small_zip_bomb_is_refused_by_its_compression_ratio() -> None:
    with pytest.raises(ImportRefused, match="zip bomb"):
        read(zip_bomb(size=20 * 1024 * 1024))


def test_a_zip_bomb_lying_about_its_size_is_stopped_while_inflating() -> None:
    bomb = bytearray(zip_bomb(size=120 * 1024 * 1024))
    # Rewrite the declared size (in the local header, the central directory and the zip64
    # extra field) to look small and honest.
    archive = zipfile.ZipFile(io.BytesIO(bytes(bomb)))
    info = archive.infolist()[0]
    fake = info.compress_size * 50
    patched = bytes(bomb)
    for width in (8, 4):
        patched = patched.replace(
            info.file_size.to_bytes(width, "little"), fake.to_bytes(width, "little")
        )
    assert zipfile.ZipFile(io.BytesIO(patched)).infolist()[0].file_size == fake
    # zipfile stops inflating at the declared size, then the CRC no longer matches.
    with pytest.raises(ImportRefused, match="damaged"):
        read(patched)


def test_too_many_members_are_refused() -> None:
    data = onepux_file({"V": [onepassword_item("A")]}, extra_members=MAX_ZIP_MEMBERS)
    with pytest.raises(ImportRefused, match="files"):
        read(data)


def test_an_encrypted_zip_is_refused() -> None:
    data = bytearray(onepux_file({"V": [onepassword_item("A")]}))
    # Set the "encrypted" flag bit of every central directory entry.
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        data[at + 8] |= 0x01
        at += 4
    with pytest.raises(ImportRefused, match="encrypted"):
        read(bytes(data))


def _archive_with_data(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.data", data)
    return out.getvalue()


def test_export_data_nested_ten_thousand_deep_is_refused() -> None:
    deep = b'{"accounts": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    with pytest.raises(ImportRefused, match="nested more than"):
        read(_archive_with_data(deep))


def test_export_data_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(ImportRefused, match="UTF-8"):
        read(_archive_with_data('{"accounts": ["Müller"]}'.encode("latin-1")))
