"""Psono's JSON export: folders (with items and nested folders) and top-level items.

Each item has a ``type`` and fields named after it: ``website_password_title``,
``website_password_url``, ``application_password_username``, ``note_notes``, ``totp_code``...
Account-like types are read; keys, certificates and files are not accounts and are skipped.
Fields beyond the known ones (and ``custom_fields``) are kept in the notes.
"""

from __future__ import annotations

from typing import Any

from sparekey.transfer.finding import Item, find_account
from sparekey.transfer.formats.limits import load_json, refuse_too_many_items, text
from sparekey.transfer.items import FoundAccount, ImportRefused

ACCOUNT_TYPES = ("website_password", "application_password", "note", "totp", "bookmark")
# Settings of an item, not content: how Psono fills forms and computes TOTP codes.
_SETTINGS = ("auto_submit", "url_filter", "totp_period", "totp_digits", "totp_algorithm")
_NOT_PSONO = "The file is not a Psono JSON export (it has no folders or items)."


def read(data: bytes) -> list[FoundAccount]:
    document = load_json(data)
    if not isinstance(document, dict) or not (
        isinstance(document.get("folders"), list) or isinstance(document.get("items"), list)
    ):
        raise ImportRefused(_NOT_PSONO)
    found: list[tuple[str, dict[str, Any]]] = []
    _gather(document, [], found)
    return [
        find_account(_item(entry, f"{path}, item {number}" if path else f"item {number}"))
        for number, (path, entry) in enumerate(found, 1)
    ]


def _gather(
    folder: dict[str, Any], path: list[str], found: list[tuple[str, dict[str, Any]]]
) -> None:
    # Recursion is bounded: load_json refused nesting deeper than MAX_JSON_DEPTH.
    items = folder.get("items")
    for entry in items if isinstance(items, list) else []:
        if isinstance(entry, dict) and entry.get("type") in ACCOUNT_TYPES:
            found.append(("/".join(path), entry))
    refuse_too_many_items(len(found))
    folders = folder.get("folders")
    for child in folders if isinstance(folders, list) else []:
        if isinstance(child, dict) and not child.get("deleted"):
            _gather(child, [*path, text(child.get("name"))], found)


def _item(entry: dict[str, Any], origin: str) -> Item:
    kind = text(entry.get("type"))
    prefix = f"{kind}_"
    fields = {key[len(prefix) :]: value for key, value in entry.items() if key.startswith(prefix)}
    item = Item(name=text(fields.pop("title", None)) or text(entry.get("name")), origin=origin)
    item.login_url = text(fields.pop("url", None))
    item.username = text(fields.pop("username", None))
    item.password = text(fields.pop("password", None))
    item.notes = text(fields.pop("notes", None))
    # A TOTP item keeps its secret in "totp_code"; a website password in "..._totp_code".
    item.totp = text(fields.pop("code" if kind == "totp" else "totp_code", None))
    settings = _SETTINGS + (("period", "digits", "algorithm") if kind == "totp" else ())
    for name in settings:
        fields.pop(name, None)
    for name, value in fields.items():
        if text(value).strip() and not isinstance(value, bool):
            item.fields.append((name.replace("_", " ").capitalize(), text(value)))
    custom = entry.get("custom_fields")
    for field in custom if isinstance(custom, list) else []:
        if isinstance(field, dict):
            item.fields.append((text(field.get("name")), text(field.get("value"))))
    return item
