"""Builders that write import files in the test, one family per format.

Other test modules (the import service's and the export's) import these: keep the names and
signatures stable. Every builder returns the file's bytes (or a dict for one item, to be passed
to the file builder), so a test shows the input it reads.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sparekey.transfer.items import (
    FIELD_APP,
    FIELD_CODES,
    FIELD_RECOVERY_NOTE,
    FIELD_USED_CODES,
)

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "pasted-codes"

TOTP_SECRET = "JBSWY3DPEHPK3PXP"
TOTP_URI = "otpauth://totp/Brand%20X:social@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Brand%20X"


def corpus_text(name: str) -> str:
    """The pasted text of a corpus file, e.g. ``corpus_text("github-file")``."""
    return (CORPUS / f"{name}.txt").read_text(encoding="utf-8")


def corpus_codes(name: str) -> list[str]:
    """The codes the parser must find in ``corpus_text(name)``."""
    expected: list[str] = json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))["codes"]
    return expected


# -- Bitwarden (unencrypted JSON export) ---------------------------------------------------------

_BITWARDEN_FIELD_TYPES = {"text": 0, "hidden": 1, "boolean": 2}


def bitwarden_field(name: str, value: str | None, kind: str = "text") -> dict[str, Any]:
    """A custom field: kind is "text", "hidden" or "boolean" (value "true"/"false")."""
    return {"name": name, "value": value, "type": _BITWARDEN_FIELD_TYPES[kind], "linkedId": None}


def bitwarden_login(
    name: str,
    *,
    username: str | None = "",
    password: str | None = "",
    totp: str | None = None,
    uris: Sequence[str] = (),
    notes: str | None = None,
    fields: Sequence[dict[str, Any]] = (),
    folder_id: str | None = None,
    collection_ids: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A login item (type 1) as the Bitwarden clients write it."""
    return {
        "id": str(uuid.uuid4()),
        "organizationId": None if collection_ids is None else str(uuid.uuid4()),
        "folderId": folder_id,
        "type": 1,
        "reprompt": 0,
        "name": name,
        "notes": notes,
        "favorite": False,
        "fields": list(fields),
        "login": {
            "fido2Credentials": [],
            "uris": [{"match": None, "uri": uri} for uri in uris],
            "username": username,
            "password": password,
            "totp": totp,
        },
        "collectionIds": None if collection_ids is None else list(collection_ids),
    }


def bitwarden_note(
    name: str,
    notes: str,
    *,
    fields: Sequence[dict[str, Any]] = (),
    folder_id: str | None = None,
) -> dict[str, Any]:
    """A secure note item (type 2)."""
    return {
        "id": str(uuid.uuid4()),
        "organizationId": None,
        "folderId": folder_id,
        "type": 2,
        "reprompt": 0,
        "name": name,
        "notes": notes,
        "favorite": False,
        "fields": list(fields),
        "secureNote": {"type": 0},
        "collectionIds": None,
    }


def bitwarden_card(name: str) -> dict[str, Any]:
    """A payment card item (type 3): not an account; readers must skip it, not fail."""
    return {
        "id": str(uuid.uuid4()),
        "organizationId": None,
        "folderId": None,
        "type": 3,
        "reprompt": 0,
        "name": name,
        "notes": None,
        "favorite": False,
        "card": {
            "cardholderName": "Brand X Ltd",
            "brand": "Visa",
            "number": "4111111111111111",
            "expMonth": "12",
            "expYear": "2030",
            "code": "123",
        },
        "collectionIds": None,
    }


def bitwarden_sparekey_item(
    name: str,
    *,
    app: str = "",
    unused: Sequence[str] = (),
    used: Sequence[str] = (),
    recovery_note: str = "",
    username: str = "",
    password: str = "",
    totp: str | None = None,
    login_url: str = "",
    notes: str | None = None,
) -> dict[str, Any]:
    """A login item as a Sparekey export writes it: codes (one a line) in two hidden fields."""
    fields = [bitwarden_field(FIELD_APP, app)]
    fields.append(bitwarden_field(FIELD_CODES, "\n".join(unused), "hidden"))
    fields.append(bitwarden_field(FIELD_USED_CODES, "\n".join(used), "hidden"))
    if recovery_note:
        fields.append(bitwarden_field(FIELD_RECOVERY_NOTE, recovery_note))
    return bitwarden_login(
        name,
        username=username,
        password=password,
        totp=totp,
        uris=[login_url] if login_url else [],
        notes=notes,
        fields=fields,
    )


def bitwarden_json(
    items: Iterable[dict[str, Any]],
    *,
    folders: Sequence[tuple[str, str]] = (),
    collections: Sequence[tuple[str, str]] | None = None,
) -> bytes:
    """A whole export. ``folders`` and ``collections`` are (id, name) pairs; passing
    ``collections`` writes an organization export (which has no folders)."""
    document: dict[str, Any] = {"encrypted": False}
    if collections is None:
        document["folders"] = [{"id": id_, "name": name} for id_, name in folders]
    else:
        document["collections"] = [
            {"id": id_, "organizationId": str(uuid.uuid4()), "name": name, "externalId": None}
            for id_, name in collections
        ]
    document["items"] = list(items)
    return json.dumps(document, indent=2).encode("utf-8")


def bitwarden_encrypted_json() -> bytes:
    """A password-protected export: nothing in it can be read without Bitwarden's KDF."""
    return json.dumps(
        {
            "encrypted": True,
            "passwordProtected": True,
            "salt": "c2FsdHNhbHRzYWx0c2FsdA==",
            "kdfType": 0,
            "kdfIterations": 600000,
            "encKeyValidation_DO_NOT_EDIT": "2.aGVsbG8=|d29ybGQ=|bWFj",
            "data": "2.aGVsbG8=|d29ybGQ=|bWFj",
        }
    ).encode("utf-8")


def bitwarden_messy_json() -> bytes:
    """A realistic personal vault: codes among prose, several lists in one note, headings in
    German and French, a TOTP URI next to codes, duplicate names and a folder path."""
    google = corpus_text("google-file")
    github = corpus_text("github-file")
    gitlab = corpus_text("gitlab-file")
    items = [
        bitwarden_login(
            "Google",
            username="team-social@example.com",
            password="g00gle-pass",
            uris=["https://accounts.google.com"],
            notes=f"Shared by the social team.\n\n{google}",
            folder_id="f-social",
        ),
        bitwarden_login(
            "GitHub",
            username="brandx",
            password="gh-pass",
            notes=f"Recovery codes:\n{github}\nOld codes (revoked):\n{gitlab}",
            folder_id="f-dev",
        ),
        bitwarden_login(
            "X",
            username="@brandx",
            password="x-pass",
            totp=TOTP_URI,
            fields=[bitwarden_field("Wiederherstellungscodes", github, "hidden")],
        ),
        bitwarden_login(
            "X",
            username="@brandx_de",
            password="x-de-pass",
            fields=[
                bitwarden_field("Codes de récupération", corpus_text("dropbox-line"), "hidden"),
                bitwarden_field("Support PIN", "4711"),
                bitwarden_field("Verified", "true", "boolean"),
            ],
        ),
        bitwarden_note("Dropbox backup codes", corpus_text("dropbox-line")),
        bitwarden_card("Company card"),
    ]
    return bitwarden_json(items, folders=[("f-social", "Social/Brand X"), ("f-dev", "Dev")])


# -- Generic and KeePassXC CSV -------------------------------------------------------------------


def csv_file(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """A CSV file with a header row, quoted the way spreadsheets write it."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


KEEPASSXC_HEADER = (
    "Group",
    "Title",
    "Username",
    "Password",
    "URL",
    "Notes",
    "TOTP",
    "Icon",
    "Last Modified",
    "Created",
)


def keepassxc_csv(rows: Iterable[dict[str, str]]) -> bytes:
    """A KeePassXC CSV export; each row a dict keyed by KEEPASSXC_HEADER names."""
    return csv_file(
        KEEPASSXC_HEADER, ([row.get(column, "") for column in KEEPASSXC_HEADER] for row in rows)
    )


# -- 1Password (.1pux) ---------------------------------------------------------------------------


def onepassword_item(
    title: str,
    *,
    username: str = "",
    password: str = "",
    url: str = "",
    notes: str = "",
    sections: Sequence[dict[str, Any]] = (),
    category: str = "001",
    wrapped: bool = True,
) -> dict[str, Any]:
    """A login item (category 001). ``wrapped`` puts it under "item" as newer exports do."""
    login_fields = []
    if username:
        login_fields.append(
            {
                "value": username,
                "id": "",
                "name": "username",
                "fieldType": "T",
                "designation": "username",
            }
        )
    if password:
        login_fields.append(
            {
                "value": password,
                "id": "",
                "name": "password",
                "fieldType": "P",
                "designation": "password",
            }
        )
    item = {
        "uuid": uuid.uuid4().hex,
        "favIndex": 0,
        "createdAt": 1700000000,
        "updatedAt": 1700000000,
        "state": "active",
        "categoryUuid": category,
        "details": {
            "loginFields": login_fields,
            "notesPlain": notes,
            "sections": list(sections),
            "passwordHistory": [],
        },
        "overview": {
            "subtitle": username,
            "urls": [{"label": "website", "url": url}] if url else [],
            "title": title,
            "url": url,
            "ps": 0,
            "pbe": 0.0,
            "pgrng": False,
            "tags": [],
        },
    }
    return {"item": item} if wrapped else item


def onepassword_section(title: str, fields: Sequence[tuple[str, str, str]]) -> dict[str, Any]:
    """A section; each field is (title, value kind, value), kind e.g. "concealed", "string",
    "totp"."""
    return {
        "title": title,
        "name": title.lower().replace(" ", "_"),
        "fields": [
            {
                "title": field_title,
                "id": uuid.uuid4().hex,
                "value": {kind: value},
                "indexAtSource": index,
                "guarded": False,
                "multiline": "\n" in value,
                "dontGenerate": False,
                "inputTraits": {"keyboard": "default", "correction": "default"},
            }
            for index, (field_title, kind, value) in enumerate(fields)
        ],
    }


def onepux_file(vaults: dict[str, Sequence[dict[str, Any]]], *, extra_members: int = 0) -> bytes:
    """A .1pux archive: one account, one vault per key of ``vaults``."""
    data = {
        "accounts": [
            {
                "attrs": {"accountName": "Brand X", "name": "Alice", "email": "a@example.com"},
                "vaults": [
                    {
                        "attrs": {"uuid": uuid.uuid4().hex, "name": name, "type": "U"},
                        "items": list(items),
                    }
                    for name, items in vaults.items()
                ],
            }
        ]
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.attributes", json.dumps({"version": 3, "createdAt": 1700000000}))
        archive.writestr("export.data", json.dumps(data))
        for index in range(extra_members):
            archive.writestr(f"files/{index}.txt", "attachment")
    return out.getvalue()


def zip_bomb(member: str = "export.data", size: int = 300 * 1024 * 1024) -> bytes:
    """A zip whose one member inflates to ``size`` bytes of zeros (about 300 KiB compressed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open(member, "w", force_zip64=True) as stream:
            chunk = b"0" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                stream.write(chunk)
    return out.getvalue()


# -- Psono (JSON export) -------------------------------------------------------------------------


def psono_website(
    title: str,
    *,
    url: str = "",
    username: str = "",
    password: str = "",
    notes: str = "",
    totp: str = "",
    custom_fields: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "website_password",
        "name": title,
        "website_password_title": title,
        "website_password_url": url,
        "website_password_username": username,
        "website_password_password": password,
        "website_password_notes": notes,
        "website_password_auto_submit": False,
        "website_password_url_filter": url.split("/")[2] if url.count("/") >= 2 else "",
        "create_date": "2026-01-01T10:00:00.000000Z",
        "write_date": "2026-01-01T10:00:00.000000Z",
        "callback_url": "",
        "callback_user": "",
        "callback_pass": "",
    }
    if totp:
        item["website_password_totp_code"] = totp
        item["website_password_totp_period"] = 30
        item["website_password_totp_digits"] = 6
        item["website_password_totp_algorithm"] = "SHA1"
    if custom_fields:
        item["custom_fields"] = [
            {"name": name, "type": "text", "value": value} for name, value in custom_fields
        ]
    return item


def psono_item(kind: str, title: str, **fields: str) -> dict[str, Any]:
    """Any item type: ``psono_item("note", "Codes", notes="...")`` writes note_title, note_notes."""
    item: dict[str, Any] = {"type": kind, "name": title, f"{kind}_title": title}
    item.update({f"{kind}_{name}": value for name, value in fields.items()})
    return item


def psono_json(
    items: Sequence[dict[str, Any]] = (), folders: Sequence[dict[str, Any]] = ()
) -> bytes:
    return json.dumps({"folders": list(folders), "items": list(items)}).encode("utf-8")


def psono_folder(
    name: str, items: Sequence[dict[str, Any]] = (), folders: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    return {"name": name, "folders": list(folders), "items": list(items)}


# -- KeePass (.kdbx) -----------------------------------------------------------------------------

KEEPASS_PASSWORD = "correct horse battery staple"


_BLANK_PASSWORD = "blank"


@functools.cache
def _cheap_blank_kdbx() -> bytes:
    """An empty database with cheap Argon2 parameters, made once: opening pykeepass's own
    blank database costs a second of Argon2 per builder call."""
    from pykeepass import create_database

    database = create_database(io.BytesIO(), password=_BLANK_PASSWORD)
    kdf = database.kdbx.header.value.dynamic_header.kdf_parameters.data.dict
    kdf["I"].value = 2
    kdf["M"].value = 8 * 1024 * 1024
    out = io.BytesIO()
    database.save(out)
    return out.getvalue()


def kdbx_file(
    entries: Sequence[dict[str, Any]],
    *,
    password: str = KEEPASS_PASSWORD,
) -> bytes:
    """A KDBX 4 database written by pykeepass. Each entry dict: group (a "/" path, "" for the
    root), title, username, password, url, notes, otp, fields (a dict of custom strings,
    protected ones given as ``{"name": ("value", True)}``) and trashed (moved to the recycle
    bin)."""
    from pykeepass import PyKeePass

    database = PyKeePass(io.BytesIO(_cheap_blank_kdbx()), password=_BLANK_PASSWORD)
    database.password = password
    for spec in entries:
        group = database.root_group
        for part in filter(None, spec.get("group", "").split("/")):
            child = next((sub for sub in group.subgroups if sub.name == part), None)
            group = child or database.add_group(group, part)
        entry = database.add_entry(
            group,
            spec["title"],
            spec.get("username", ""),
            spec.get("password", ""),
            url=spec.get("url") or None,
            notes=spec.get("notes") or None,
            otp=spec.get("otp") or None,
            force_creation=True,
        )
        for name, value in spec.get("fields", {}).items():
            if isinstance(value, tuple):
                entry.set_custom_property(name, value[0], protect=value[1])
            else:
                entry.set_custom_property(name, value)
        if spec.get("trashed"):
            database.trash_entry(entry)
    out = io.BytesIO()
    database.save(out)
    return out.getvalue()


def kdbx_with_kdf(data: bytes, **values: int) -> bytes:
    """``data`` (a KDBX 4 file) with KDF parameters replaced in its header, e.g. M=2**40 for a
    memory bomb. Only same-width integer values are patched, so the header still parses."""
    patched = bytearray(data)
    for key, value in values.items():
        marker = (
            bytes([0x05]) + (1).to_bytes(4, "little") + key.encode() + (8).to_bytes(4, "little")
        )
        at = patched.find(marker)
        if at < 0:
            raise ValueError(f"no 64-bit KDF parameter {key} in this header")
        start = at + len(marker)
        patched[start : start + 8] = value.to_bytes(8, "little")
    return bytes(patched)
