"""Bitwarden's unencrypted JSON export, and Sparekey's own export (which is one).

Logins (type 1) and secure notes (type 2) become accounts; cards, identities and SSH keys are
not accounts and are skipped. Folder or collection names make the origin. A Sparekey export is
recognised by its code fields (``FIELD_CODES``, ``FIELD_USED_CODES``) and read back exactly.
"""

from __future__ import annotations

from typing import Any

from sparekey.transfer.finding import Item, find_account
from sparekey.transfer.formats.limits import load_json, refuse_too_many_items, text
from sparekey.transfer.items import (
    FIELD_APP,
    FIELD_CODES,
    FIELD_RECOVERY_NOTE,
    FIELD_USED_CODES,
    FoundAccount,
    ImportRefused,
)

_LOGIN, _SECURE_NOTE = 1, 2
_LINKED_FIELD = 3
_NOT_BITWARDEN = "The file is not a Bitwarden JSON export (it has no list of items)."


def read(data: bytes) -> list[FoundAccount]:
    document = load_json(data)
    if not isinstance(document, dict):
        raise ImportRefused(_NOT_BITWARDEN)
    if document.get("encrypted") is True:
        raise ImportRefused(
            "This Bitwarden export is encrypted, and Sparekey cannot open it. In Bitwarden, "
            "export the vault again as “.json” (not “.json (Encrypted)”), import it, then "
            "delete the file."
        )
    items = document.get("items")
    if not isinstance(items, list):
        raise ImportRefused(_NOT_BITWARDEN)
    refuse_too_many_items(len(items))
    folders = _names(document.get("folders"))
    collections = _names(document.get("collections"))

    accounts: list[FoundAccount] = []
    for number, entry in enumerate(items, 1):
        if not isinstance(entry, dict):
            raise ImportRefused(f"Item {number} of the file is not a Bitwarden item.")
        if entry.get("type") not in (_LOGIN, _SECURE_NOTE):
            continue
        accounts.append(find_account(_item(entry, _origin(entry, number, folders, collections))))
    return accounts


def _names(value: Any) -> dict[str, str]:
    if not isinstance(value, list):
        return {}
    return {
        text(entry.get("id")): text(entry.get("name")) for entry in value if isinstance(entry, dict)
    }


def _origin(
    entry: dict[str, Any], number: int, folders: dict[str, str], collections: dict[str, str]
) -> str:
    paths = []
    if text(entry.get("folderId")) in folders:
        paths.append(folders[text(entry.get("folderId"))])
    ids = entry.get("collectionIds")
    if isinstance(ids, list):
        paths.extend(collections[text(id_)] for id_ in ids if text(id_) in collections)
    place = ", ".join(path for path in paths if path)
    return f"{place}, item {number}" if place else f"item {number}"


def _item(entry: dict[str, Any], origin: str) -> Item:
    item = Item(name=text(entry.get("name")), origin=origin, notes=text(entry.get("notes")))
    login = entry.get("login")
    if isinstance(login, dict):
        item.username = text(login.get("username"))
        item.password = text(login.get("password"))
        item.totp = text(login.get("totp"))
        uris = login.get("uris")
        urls = [text(uri.get("uri")) for uri in uris or [] if isinstance(uri, dict)]
        urls = [url for url in urls if url]
        if urls:
            item.login_url = urls[0]
            item.fields.extend(("URL", url) for url in urls[1:])

    exported: dict[str, str] = {}
    fields = entry.get("fields")
    for field in fields if isinstance(fields, list) else []:
        if not isinstance(field, dict) or field.get("type") == _LINKED_FIELD:
            # A linked field only points at the username or password, which are read above.
            continue
        name, value = text(field.get("name")), text(field.get("value"))
        if name in (FIELD_APP, FIELD_CODES, FIELD_USED_CODES, FIELD_RECOVERY_NOTE):
            exported[name] = value
        else:
            item.fields.append((name, value))
    item.app = exported.get(FIELD_APP, "")
    item.recovery_note = exported.get(FIELD_RECOVERY_NOTE, "")
    if FIELD_CODES in exported or FIELD_USED_CODES in exported:
        item.exported_codes = (exported.get(FIELD_CODES, ""), exported.get(FIELD_USED_CODES, ""))
    return item
