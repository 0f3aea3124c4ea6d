"""The Bitwarden JSON reader, and Sparekey's own export read back."""

from __future__ import annotations

import pytest

from sparekey.transfer.formats import read_import
from sparekey.transfer.items import ImportRefused
from tests.transfer.fixtures import (
    TOTP_URI,
    bitwarden_encrypted_json,
    bitwarden_field,
    bitwarden_json,
    bitwarden_login,
    bitwarden_messy_json,
    bitwarden_note,
    bitwarden_sparekey_item,
    corpus_codes,
    corpus_text,
)


def read(data: bytes) -> list:
    return read_import([("bitwarden_export.json", data)], format="bitwarden")


def test_a_login_item_gives_its_username_password_totp_and_url() -> None:
    (account,) = read(
        bitwarden_json(
            [
                bitwarden_login(
                    "Brand X",
                    username="social@example.com",
                    password="hunter2-hunter2",
                    totp=TOTP_URI,
                    uris=["https://x.com/login", "https://x.com/other"],
                    notes="Shared with the agency.",
                )
            ]
        )
    )
    assert account.name == "Brand X"
    assert account.username == "social@example.com"
    assert account.password == "hunter2-hunter2"
    assert account.totp == TOTP_URI
    assert account.login_url == "https://x.com/login"
    assert account.notes == "Shared with the agency.\n\nURL: https://x.com/other"
    assert account.origin == "item 1"


def test_the_messy_vault_is_read_item_by_item() -> None:
    accounts = read(bitwarden_messy_json())
    # The payment card is not an account.
    assert [account.name for account in accounts] == [
        "Google",
        "GitHub",
        "X",
        "X",
        "Dropbox backup codes",
    ]
    google, github, x, x_de, dropbox = accounts
    assert google.origin == "Social/Brand X, item 1"
    assert google.codes[0].codes == corpus_codes("google-file")
    assert "Shared by the social team." in google.notes

    assert github.origin == "Dev, item 2"
    assert github.codes[0].codes == corpus_codes("github-file")
    assert all(code in github.notes for code in corpus_codes("gitlab-file"))
    assert github.warnings

    assert x.totp == TOTP_URI
    assert x.codes[0].codes == corpus_codes("github-file")
    assert x.codes[0].source == "field “Wiederherstellungscodes”"

    # Duplicate names are both kept; the import service decides what to do with them.
    assert x_de.username == "@brandx_de"
    assert x_de.codes[0].codes == corpus_codes("dropbox-line")
    assert x_de.notes == "Support PIN: 4711\n\nVerified: true"

    assert dropbox.codes[0].codes == corpus_codes("dropbox-line")


def test_collections_name_the_origin_of_an_organization_export() -> None:
    item = bitwarden_login("Registrar", collection_ids=["c1", "c2"])
    (account,) = read(
        bitwarden_json([item], collections=[("c1", "Marketing/Social"), ("c2", "IT")])
    )
    assert account.origin == "Marketing/Social, IT, item 1"


def test_a_secure_note_with_codes_is_an_account() -> None:
    (account,) = read(bitwarden_json([bitwarden_note("GitLab", corpus_text("gitlab-file"))]))
    assert account.codes[0].codes == corpus_codes("gitlab-file")
    assert account.notes == ""


def test_hidden_and_boolean_fields_are_kept_and_linked_fields_skipped() -> None:
    fields = [
        bitwarden_field("Security answer", "blue", "hidden"),
        bitwarden_field("Shared", "false", "boolean"),
        {"name": "Linked", "value": None, "type": 3, "linkedId": 100},
    ]
    (account,) = read(bitwarden_json([bitwarden_login("A", fields=fields)]))
    assert account.notes == "Security answer: blue\n\nShared: false"


def test_nulls_where_strings_are_expected_are_read_as_empty() -> None:
    item = bitwarden_login("A", username=None, password=None, notes=None)
    item["login"]["uris"] = None
    item["fields"] = None
    (account,) = read(bitwarden_json([item]))
    assert (account.username, account.password, account.notes) == ("", "", "")


def test_a_sparekey_export_reads_back_every_code_with_its_state() -> None:
    item = bitwarden_sparekey_item(
        "Brand X",
        app="X",
        unused=["1111-2222", "3333-4444"],
        used=["5555-6666"],
        recovery_note="Call support with the contract number.",
        username="social@example.com",
        password="pw-pw-pw-pw",
        totp=TOTP_URI,
        login_url="https://x.com/login",
        notes="Recovery codes:\nkept as written\n12345678",
    )
    (account,) = read(bitwarden_json([item]))
    assert account.app == "X"
    assert account.recovery_note == "Call support with the contract number."
    assert account.codes[0].codes == ["1111-2222", "3333-4444", "5555-6666"]
    assert account.codes[0].used == frozenset({2})
    assert account.codes[0].source == "Sparekey export"
    assert account.notes == "Recovery codes:\nkept as written\n12345678"
    assert account.totp == TOTP_URI
    assert account.warnings == []


def test_a_sparekey_export_with_only_used_codes() -> None:
    item = bitwarden_sparekey_item("A", unused=[], used=["aaaa-1111", "bbbb-2222"])
    (account,) = read(bitwarden_json([item]))
    assert account.codes[0].codes == ["aaaa-1111", "bbbb-2222"]
    assert account.codes[0].used == frozenset({0, 1})


def test_an_encrypted_export_is_refused_with_a_reason() -> None:
    with pytest.raises(ImportRefused, match="encrypted"):
        read(bitwarden_encrypted_json())


@pytest.mark.parametrize(
    "document",
    [
        b"[]",
        b'{"items": "nope"}',
        b'{"folders": []}',
        b'{"items": [1]}',
        b"not json",
        b'{"items": [',
    ],
)
def test_what_is_not_a_bitwarden_export_is_refused(document: bytes) -> None:
    with pytest.raises(ImportRefused):
        read(document)


def test_a_file_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(ImportRefused, match="not UTF-8"):
        read('{"encrypted": false, "items": [{"name": "Müller"}]}'.encode("latin-1"))
