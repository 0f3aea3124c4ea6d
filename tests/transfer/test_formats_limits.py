"""Format detection and the limits every reader shares: size, item count, JSON depth, and
never anything but ImportRefused, whatever the bytes."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparekey.transfer.formats import FORMATS, detect_format, format_of, read_import
from sparekey.transfer.formats.limits import MAX_ITEMS, MAX_JSON_DEPTH, MAX_UPLOAD_BYTES
from sparekey.transfer.items import ImportRefused
from tests.transfer.fixtures import (
    KEEPASS_PASSWORD,
    bitwarden_json,
    bitwarden_login,
    csv_file,
    kdbx_file,
    keepassxc_csv,
    onepassword_item,
    onepux_file,
    psono_json,
    psono_website,
)


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("bitwarden_export_20260101.json", bitwarden_json([bitwarden_login("A")]), "bitwarden"),
        ("export.json", psono_json(items=[psono_website("A")]), "psono"),
        ("1PasswordExport.1pux", onepux_file({"V": [onepassword_item("A")]}), "1password"),
        ("renamed.zip", onepux_file({"V": [onepassword_item("A")]}), "1password"),
        ("accounts.csv", csv_file(["name"], [["A"]]), "csv"),
        ("keepassxc.csv", keepassxc_csv([{"Title": "A"}]), "keepassxc-csv"),
        ("codes.txt", b"1234-5678", "text"),
        ("GitHub", b"1234-5678", "text"),
    ],
)
def test_formats_are_detected(filename: str, data: bytes, expected: str) -> None:
    assert detect_format(filename, data) == expected


def test_every_file_of_an_upload_is_detected_not_only_the_first() -> None:
    texts = [("GitHub.txt", b"1234-5678"), ("Google.txt", b"abcd efgh")]
    assert format_of(texts) == "text"
    export = ("export.json", bitwarden_json([bitwarden_login("A")]))
    with pytest.raises(ImportRefused, match="different formats"):
        format_of([*texts, export])
    with pytest.raises(ImportRefused, match="different formats"):
        format_of([export, *texts])


def test_a_kdbx_is_detected_by_its_signature() -> None:
    data = kdbx_file([{"title": "A"}])
    assert detect_format("whatever.bin", data) == "keepass"
    (account,) = read_import([("vault.kdbx", data)], password=KEEPASS_PASSWORD)
    assert account.name == "A"


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n"),
        ("data.json", b'{"something": "else"}'),
        ("data.json", b"[1, 2, 3]"),
        ("vault.kdbx", b"not a database"),
        ("archive.zip", b"PK\x03\x04broken"),
    ],
)
def test_unsure_detection_is_refused_with_a_reason(filename: str, data: bytes) -> None:
    with pytest.raises(ImportRefused) as refusal:
        detect_format(filename, data)
    assert refusal.value.reason


def test_formats_have_labels_for_the_page() -> None:
    assert list(FORMATS) == [
        "bitwarden",
        "1password",
        "keepass",
        "keepassxc-csv",
        "psono",
        "csv",
        "text",
    ]


def test_an_unknown_format_or_no_file_is_refused() -> None:
    with pytest.raises(ImportRefused):
        read_import([("a.txt", b"x")], format="lastpass")
    with pytest.raises(ImportRefused):
        read_import([])


def test_several_files_are_only_for_plain_text() -> None:
    data = bitwarden_json([bitwarden_login("A")])
    with pytest.raises(ImportRefused, match="only plain text"):
        read_import([("a.json", data), ("b.json", data)], format="bitwarden")


@pytest.mark.parametrize("format_id", [*FORMATS, None])
def test_oversized_input_is_refused_before_reading(format_id: str | None) -> None:
    data = b"{" + b" " * MAX_UPLOAD_BYTES + b"}"
    with pytest.raises(ImportRefused, match="larger than 10 MiB"):
        read_import([("big.json", data)], format=format_id)


def test_oversized_input_in_several_text_files_is_refused() -> None:
    files = [(f"{index}.txt", b"x" * (MAX_UPLOAD_BYTES // 4)) for index in range(5)]
    with pytest.raises(ImportRefused, match="larger than"):
        read_import(files, format="text")


@pytest.mark.parametrize("format_id", ["bitwarden", "psono"])
def test_json_nested_ten_thousand_deep_is_refused_with_a_reason(format_id: str) -> None:
    data = b'{"items": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    with pytest.raises(ImportRefused, match="nested more than"):
        read_import([("deep.json", data)], format=format_id)


def test_json_nested_just_within_the_limit_is_read() -> None:
    data = b'{"items": [], "x": ' + b"[" * (MAX_JSON_DEPTH - 2) + b"]" * (MAX_JSON_DEPTH - 2) + b"}"
    assert read_import([("ok.json", data)], format="bitwarden") == []


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    notes = "[" * 10_000 + '\\" {{{'
    item = bitwarden_login("A", notes=notes)
    (account,) = read_import([("a.json", bitwarden_json([item]))], format="bitwarden")
    assert account.notes == notes


def test_too_many_items_are_refused() -> None:
    items = [{"type": 2, "name": "n", "notes": ""}] * (MAX_ITEMS + 1)
    data = json.dumps({"encrypted": False, "items": items}).encode()
    with pytest.raises(ImportRefused, match="more than 5,000 items"):
        read_import([("many.json", data)], format="bitwarden")


def test_too_many_csv_rows_are_refused() -> None:
    data = csv_file(["name"], [["A"]] * (MAX_ITEMS + 1))
    with pytest.raises(ImportRefused, match="more than 5,000 items"):
        read_import([("many.csv", data)], format="csv")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=2048),
        st.binary(max_size=512).map(lambda tail: b"PK\x03\x04" + tail),
        st.binary(max_size=512).map(lambda tail: bytes.fromhex("03d9a29a67fb4bb5") + tail),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(
                    st.sampled_from(
                        ["items", "folders", "type", "name", "login", "fields", "notes"]
                    ),
                    inner,
                    max_size=4,
                )
            ),
            max_leaves=20,
        ).map(lambda value: json.dumps(value).encode()),
    ),
    format_id=st.sampled_from([*FORMATS, None]),
)
def test_readers_raise_nothing_but_import_refused(data: bytes, format_id: str | None) -> None:
    try:
        accounts = read_import([("upload.bin", data)], format=format_id, password="pw")
    except ImportRefused as refusal:
        assert refusal.reason
    else:
        assert isinstance(accounts, list)
