"""Plain text files, one per account."""

from __future__ import annotations

import pytest

from sparekey.transfer.formats import read_import
from sparekey.transfer.formats.limits import MAX_TEXT_FILES
from sparekey.transfer.items import ImportRefused
from tests.transfer.fixtures import corpus_codes, corpus_text


def test_each_file_is_an_account_named_after_it() -> None:
    files = [
        ("github-recovery-codes.txt", corpus_text("github-file").encode()),
        ("C:\\Users\\alice\\Google.txt", corpus_text("google-file").encode()),
        ("Dropbox", corpus_text("dropbox-line").encode()),
    ]
    github, google, dropbox = read_import(files, format="text")
    assert github.name == "github-recovery-codes"
    assert github.codes[0].codes == corpus_codes("github-file")
    assert google.name == "Google"
    assert google.codes[0].codes == corpus_codes("google-file")
    assert "Keep these backup codes somewhere safe" in google.notes
    assert dropbox.name == "Dropbox"
    assert dropbox.codes[0].codes == corpus_codes("dropbox-line")


def test_several_text_files_are_detected_without_a_format() -> None:
    files = [("a.txt", b"1234-5678\n8765-4321"), ("b.txt", b"abcd-1234\nefgh-5678")]
    assert [account.name for account in read_import(files)] == ["a", "b"]


def test_a_windows_file_with_bom_and_crlf() -> None:
    (account,) = read_import([("crlf.txt", corpus_text("crlf-bom").encode("utf-8"))], format="text")
    assert account.codes[0].codes == corpus_codes("crlf-bom")


def test_a_file_without_codes_keeps_its_text_as_notes() -> None:
    (account,) = read_import([("notes.txt", corpus_text("no-codes").encode())], format="text")
    assert account.codes == []
    assert account.notes == corpus_text("no-codes").strip()


def test_non_utf8_text_is_refused_naming_the_file() -> None:
    with pytest.raises(ImportRefused, match=r"“codes\.txt” is not UTF-8"):
        read_import([("codes.txt", "Sicherungscodes für Müller".encode("cp1252"))], format="text")


def test_too_many_files_are_refused() -> None:
    files = [(f"{index}.txt", b"x") for index in range(MAX_TEXT_FILES + 1)]
    with pytest.raises(ImportRefused, match="at most"):
        read_import(files, format="text")
