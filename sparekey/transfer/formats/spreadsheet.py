"""CSV files with a header row: the generic layout and KeePassXC's export.

Formula cells: a cell that a spreadsheet would run as a formula (``=HYPERLINK(...)``,
``+cmd|...``, ``@SUM(...)``) in a column that is not a secret is **refused**, naming the row and
column but never quoting the cell. Refusing rather than neutralising (a leading quote) because a
neutralised value would be saved altered without the user noticing, and would later travel in
exports; a refusal loses nothing and the user fixes the one cell. Only formula shapes are
refused, so ordinary values that merely start with ``@``, ``+`` or ``-`` ("@brandx", "+49 30
1234", "- see notes") import as they are. Secret columns (password, TOTP, code lists) are not
checked: they are never shown in a spreadsheet by Sparekey, and refusing them would name them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator

from sparekey.transfer.finding import Item, find_account, names_codes, normalize_name
from sparekey.transfer.formats.limits import MAX_ITEMS, decode_text, refuse_too_many_items
from sparekey.transfer.items import FoundAccount, ImportRefused

# "=" anything; "+", "-" or "@" before a function call ("@SUM(", "-HYPERLINK(") or a DDE link
# ("+cmd|' /C calc'!A0"). Tabs and carriage returns before these also start formulas.
_FORMULA = re.compile(r"[\t\r ]*(?:=|[+\-@][\t ]*[A-Za-z_][\w.]*[\t ]*\(|[+\-@][^\n]*\|)")

# Column names of the generic layout, after normalize_name: the first names the role.
_ALIASES = {
    "name": ("name", "title", "account", "account name", "entry"),
    "app": ("app", "application", "service", "platform"),
    "url": ("url", "login url", "login uri", "website", "web site", "uri", "address"),
    "username": ("username", "user name", "user", "login", "login username", "email", "e mail"),
    "password": ("password", "login password", "pass"),
    "totp": ("totp", "otp", "login totp", "totp secret", "2fa secret", "mfa secret"),
    "notes": ("notes", "note", "comments", "comment", "extra"),
    "group": ("group", "folder", "path", "vault", "collection"),
}
_SECRET_ROLES = ("password", "totp")
_KEEPASSXC_COLUMNS = ("group", "title", "username", "password", "url", "notes")
# KeePassXC's bookkeeping columns: not part of an account.
_KEEPASSXC_IGNORED = ("icon", "last modified", "created")


def read_generic(data: bytes) -> list[FoundAccount]:
    return _read(data, _generic_roles)


def read_keepassxc(data: bytes) -> list[FoundAccount]:
    return _read(data, _keepassxc_roles)


def looks_like_keepassxc(header: list[str]) -> bool:
    names = [normalize_name(name) for name in header]
    return names[: len(_KEEPASSXC_COLUMNS)] == list(_KEEPASSXC_COLUMNS)


def header_row(text: str) -> list[str]:
    """The first row of a CSV text, read with the delimiter spreadsheets of the region use."""
    rows = _rows(text)
    return next(rows, [])


def _rows(text: str) -> Iterator[list[str]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    # newline="" lets the csv module see line breaks inside quoted cells (multi-line notes).
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)


def _generic_roles(header: list[str]) -> list[str]:
    roles = []
    for name in header:
        normalized = normalize_name(name)
        role = next((role for role, names in _ALIASES.items() if normalized in names), "")
        roles.append(role if role not in roles else "")
    if "name" not in roles:
        raise ImportRefused(
            "The CSV file has no “name” column. Its first row must name the columns, with one "
            "called name (or title), and any of: app, url, username, password, totp, notes."
        )
    return roles


def _keepassxc_roles(header: list[str]) -> list[str]:
    if not looks_like_keepassxc(header):
        raise ImportRefused(
            "The file is not a KeePassXC CSV export: its first row must start with Group, "
            "Title, Username, Password, URL, Notes."
        )
    roles = ["group", "name", "username", "password", "url", "notes"]
    for name in header[len(roles) :]:
        normalized = normalize_name(name)
        if normalized == "totp":
            roles.append("totp")
        else:
            roles.append("ignored" if normalized in _KEEPASSXC_IGNORED else "")
    return roles


def _read(data: bytes, roles_of: Callable[[list[str]], list[str]]) -> list[FoundAccount]:
    text = decode_text(data)
    try:
        rows = list(_limited(_rows(text)))
    except csv.Error:
        raise ImportRefused(
            "The CSV file is damaged (a quote is not closed, or a cell is too long). Export it "
            "again."
        ) from None
    if not rows:
        raise ImportRefused("The CSV file is empty.")
    header, body = rows[0], rows[1:]
    roles = roles_of(header)
    refuse_too_many_items(len(body))
    accounts = []
    for number, row in enumerate(body, 2):
        if not any(cell.strip() for cell in row):
            continue
        accounts.append(find_account(_item(header, roles, row, number)))
    return accounts


def _limited(rows: Iterator[list[str]]) -> Iterator[list[str]]:
    for count, row in enumerate(rows):
        # Stop reading a file with far too many rows early; the margin leaves room for the
        # header and blank rows, which are not items.
        if count > MAX_ITEMS + 100:
            refuse_too_many_items(count)
        yield row


def _item(header: list[str], roles: list[str], row: list[str], number: int) -> Item:
    item = Item(name="", origin=f"row {number}")
    for column, cell in enumerate(row):
        name = header[column] if column < len(header) else f"Column {column + 1}"
        role = roles[column] if column < len(roles) else ""
        secret = role in _SECRET_ROLES or (not role and names_codes(name))
        if not secret and _FORMULA.match(cell):
            raise ImportRefused(
                f"Row {number}, column “{name[:40]}”: the cell starts like a spreadsheet formula. "
                "Sparekey does not import formulas; edit that cell (for example, put a space "
                "in front) and import again."
            )
        if role == "group":
            if cell.strip():
                item.origin = f"{cell.strip()}, row {number}"
        elif role == "name":
            item.name = cell
        elif role == "url":
            item.login_url = cell
        elif role in ("app", "username", "password", "totp", "notes"):
            setattr(item, role, cell)
        elif role != "ignored" and cell.strip():
            item.fields.append((name, cell))
    return item
