"""1Password's .1pux export: a zip whose ``export.data`` is JSON of accounts, vaults and items.

Each item has an ``overview`` (title, urls) and ``details``: ``loginFields`` (the username and
password carry a ``designation``), ``notesPlain``, and ``sections`` of fields whose ``value`` is
an object keyed by its kind (``concealed``, ``string``, ``totp``...). Older exports put the
item itself in the list, newer ones wrap it as ``{"item": ...}``; both are read. Trashed items
are skipped.
"""

from __future__ import annotations

from typing import Any

from sparekey.transfer.finding import Item, find_account, names_codes
from sparekey.transfer.formats.limits import (
    load_json,
    open_zip,
    read_zip_member,
    refuse_too_many_items,
    text,
)
from sparekey.transfer.items import FoundAccount, ImportRefused

_DATA = "export.data"
_NOT_1PUX = "The file is not a 1Password .1pux export (its export.data is missing or unreadable)."


def read(data: bytes) -> list[FoundAccount]:
    archive = open_zip(data)
    if _DATA not in archive.namelist():
        raise ImportRefused(_NOT_1PUX)
    document = load_json(read_zip_member(archive, _DATA), "The export.data inside the file")
    if not isinstance(document, dict) or not isinstance(document.get("accounts"), list):
        raise ImportRefused(_NOT_1PUX)

    found: list[tuple[str, dict[str, Any]]] = []
    for account in document["accounts"]:
        vaults = account.get("vaults") if isinstance(account, dict) else None
        for vault in vaults if isinstance(vaults, list) else []:
            if not isinstance(vault, dict) or not isinstance(vault.get("items"), list):
                continue
            attrs = vault.get("attrs")
            vault_name = text(attrs.get("name")) if isinstance(attrs, dict) else ""
            for entry in vault["items"]:
                if isinstance(entry, dict) and isinstance(entry.get("item"), dict):
                    entry = entry["item"]
                if isinstance(entry, dict) and not entry.get("trashed"):
                    if entry.get("state") != "trashed":
                        found.append((vault_name, entry))
            refuse_too_many_items(len(found))
    return [
        find_account(_item(entry, f"{vault}, item {number}" if vault else f"item {number}"))
        for number, (vault, entry) in enumerate(found, 1)
    ]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _item(entry: dict[str, Any], origin: str) -> Item:
    overview, details = _dict(entry.get("overview")), _dict(entry.get("details"))
    item = Item(
        name=text(overview.get("title")),
        origin=origin,
        notes=text(details.get("notesPlain")),
        login_url=text(overview.get("url")),
    )
    for url in _list(overview.get("urls")):
        address = text(_dict(url).get("url"))
        if address and address != item.login_url:
            if not item.login_url:
                item.login_url = address
            else:
                item.fields.append((text(_dict(url).get("label")) or "URL", address))

    for login_field in map(_dict, _list(details.get("loginFields"))):
        value = text(login_field.get("value"))
        designation = login_field.get("designation")
        if designation == "username" and not item.username:
            item.username = value
        elif designation == "password" and not item.password:
            item.password = value
        elif value:
            item.fields.append((text(login_field.get("name")) or "Field", value))
    # A "Password" item (category 005) keeps its password outside loginFields.
    if not item.password:
        item.password = text(details.get("password"))

    for section in map(_dict, _list(details.get("sections"))):
        _read_section(item, section)
    return item


def _read_section(item: Item, section: dict[str, Any]) -> None:
    section_title = text(section.get("title"))
    values: list[tuple[str, str, str]] = []
    for section_field in map(_dict, _list(section.get("fields"))):
        content = _dict(section_field.get("value"))
        kind = next(iter(content), "")
        raw = content.get(kind)
        # Most kinds hold a string; an address or similar holds an object of strings.
        shown = (
            ", ".join(part for part in map(text, raw.values()) if part)
            if isinstance(raw, dict)
            else text(raw)
        )
        values.append((text(section_field.get("title")), kind, shown))

    # A section named like a code list whose fields are single codes ("Backup codes": "1",
    # "2"...) is one list, not a list per field.
    single_lines = all("\n" not in value for _, _, value in values)
    if len(values) > 1 and single_lines and names_codes(section_title):
        item.fields.append((section_title, "\n".join(value for _, _, value in values if value)))
        return
    for title, kind, value in values:
        if kind in ("totp", "otp") and value and not item.totp:
            item.totp = value
            continue
        item.fields.append((title or section_title or "Field", value))
