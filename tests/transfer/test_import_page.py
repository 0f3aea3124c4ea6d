"""The Import page: upload -> preview (nothing written) -> Confirm import -> summary."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sparekey.accounts.models import Account
from sparekey.backup_codes import services as backup_codes
from sparekey.mfa import services as mfa
from sparekey.transfer.formats.limits import MAX_UPLOAD_BYTES
from sparekey.workspace.models import Member
from tests.conftest import make_member
from tests.transfer.fixtures import (
    bitwarden_json,
    bitwarden_sparekey_item,
    csv_file,
    kdbx_file,
    onepassword_item,
    onepux_file,
    zip_bomb,
)
from tests.transfer.test_import_service import row_counts

URL = "/accounts/import/"
CONFIRM = "/accounts/import/confirm/"
UNUSED = ["hjk4-92ma", "pq7r-x3fd", "mn28-kw9t", "zz41-bc7e"]
USED = ["tt55-gh2k"]
PASSWORD = "Bw-export-pass-9!"


def bitwarden_upload(name: str = "Page Import Social") -> SimpleUploadedFile:
    item = bitwarden_sparekey_item(
        name,
        app="Social",
        unused=UNUSED,
        used=USED,
        username="social-team",
        password=PASSWORD,
        login_url="https://social.example.com",
    )
    return SimpleUploadedFile("bitwarden_export.json", bitwarden_json([item]))


@pytest.fixture
def private_tmp(tmp_path: Path, settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """Every temporary file (Django's upload files included) goes to an empty directory."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder


def preview_token(content: bytes) -> str:
    match = re.search(rb'name="preview" value="([^"]+)"', content)
    assert match, content
    return match.group(1).decode()


def test_the_dashboard_links_to_the_import_page(
    alice: Member, login: Callable[..., Client]
) -> None:
    response = login(alice).get("/")
    assert b'href="/accounts/import/"' in response.content


def test_preview_then_confirm_imports_the_accounts(
    alice: Member, login: Callable[..., Client]
) -> None:
    client = login(alice)
    assert client.get(URL).status_code == 200
    before = row_counts()
    response = client.post(URL, {"file": bitwarden_upload(), "format": "", "on_conflict": "skip"})
    assert response.status_code == 200, response.content
    assert b"Page Import Social" in response.content
    assert b"5 backup codes found (1 marked used)" in response.content
    assert b"New account" in response.content
    assert row_counts() == before  # the preview writes nothing
    # Neither the page nor the session shows a secret of the file.
    session = Session.objects.get(session_key=client.session.session_key).get_decoded()
    for secret in [PASSWORD, *UNUSED, *USED]:
        assert secret.encode() not in response.content
        assert secret not in json.dumps(session)

    response = client.post(CONFIRM, {"preview": preview_token(response.content)})
    assert response.status_code == 200
    assert b"1 account created" in response.content
    account = Account.objects.get(name="Page Import Social")
    assert mfa.reveal_password(alice, account) == PASSWORD
    codes = backup_codes.reveal_codes(alice, account)
    assert {c.code for c in codes if c.used_at is None} == set(UNUSED)
    assert {c.code for c in codes if c.used_at} == set(USED)


def test_a_preview_imports_once(alice: Member, login: Callable[..., Client]) -> None:
    client = login(alice)
    response = client.post(URL, {"file": bitwarden_upload(), "on_conflict": "skip"})
    token = preview_token(response.content)
    assert client.post(CONFIRM, {"preview": token}).status_code == 200
    before = row_counts()
    again = client.post(CONFIRM, {"preview": token}, follow=True)
    assert b"expired or was already imported" in again.content
    assert row_counts() == before


def test_a_preview_opens_only_in_its_own_session(
    alice: Member, bob: Member, login: Callable[..., Client]
) -> None:
    client, other = login(alice), login(bob)
    response = client.post(URL, {"file": bitwarden_upload(), "on_conflict": "skip"})
    token = preview_token(response.content)
    before = row_counts()
    stolen = other.post(CONFIRM, {"preview": token}, follow=True)
    assert b"expired or was already imported" in stolen.content
    forged = client.post(CONFIRM, {"preview": token[:-3] + "xyz"}, follow=True)
    assert b"expired or was already imported" in forged.content
    assert row_counts() == before


def test_importing_the_same_file_twice_creates_nothing_the_second_time(
    alice: Member, login: Callable[..., Client]
) -> None:
    client = login(alice)
    for _ in range(2):
        response = client.post(URL, {"file": bitwarden_upload(), "on_conflict": "skip"})
        last = client.post(CONFIRM, {"preview": preview_token(response.content)})
    assert b"0 accounts created" in last.content
    assert b"exists already" in last.content
    assert Account.objects.filter(name="Page Import Social").count() == 1


def test_the_upload_needs_a_csrf_token(alice: Member) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    before = row_counts()
    response = client.post(URL, {"file": bitwarden_upload(), "on_conflict": "skip"})
    assert response.status_code == 403
    assert row_counts() == before


def test_login_only_members_cannot_import(db: None, login: Callable[..., Client]) -> None:
    frank = make_member("frank-page@example.com", "login_only")
    client = login(frank)
    assert b"/accounts/import/" not in client.get("/").content
    assert client.get(URL).status_code == 404
    before = row_counts()
    response = client.post(URL, {"file": bitwarden_upload(), "on_conflict": "skip"})
    assert response.status_code == 404
    assert row_counts() == before


def refused(client: Client, data: dict[str, object], status: int = 400) -> bytes:
    before = row_counts()
    response = client.post(URL, data)
    assert response.status_code == status, response.content
    assert row_counts() == before
    assert b'name="preview"' not in response.content
    return response.content


def test_a_100_mb_upload_is_refused_before_it_is_read(
    alice: Member, login: Callable[..., Client], private_tmp: Path
) -> None:
    huge = SimpleUploadedFile("export.json", b"{" + b" " * (100 * 1024 * 1024) + b"}")
    content = refused(login(alice), {"file": huge, "on_conflict": "skip"}, 413)
    assert b"larger than 10 MiB" in content
    assert list(private_tmp.iterdir()) == []


def test_a_file_just_over_the_limit_is_refused_and_nothing_is_kept(
    alice: Member, login: Callable[..., Client], private_tmp: Path
) -> None:
    """Small enough to be read, so the upload handler stops storing it at the limit."""
    big = SimpleUploadedFile("export.json", b"[" + b" " * MAX_UPLOAD_BYTES + b"]")
    content = refused(login(alice), {"file": big, "on_conflict": "skip"}, 413)
    assert b"larger than 10 MiB" in content
    assert list(private_tmp.iterdir()) == []


def test_a_truncated_zip_is_refused(
    alice: Member, login: Callable[..., Client], private_tmp: Path
) -> None:
    whole = onepux_file({"Private": [onepassword_item("Mail")]})
    upload = SimpleUploadedFile("export.1pux", whole[: len(whole) // 2])
    content = refused(login(alice), {"file": upload, "format": "1password", "on_conflict": "skip"})
    assert b"truncated or damaged" in content
    assert list(private_tmp.iterdir()) == []


def test_malformed_json_is_refused(
    alice: Member, login: Callable[..., Client], private_tmp: Path
) -> None:
    upload = SimpleUploadedFile("export.json", b'{"encrypted": false, "items": [{"name": ')
    content = refused(login(alice), {"file": upload, "format": "bitwarden", "on_conflict": "skip"})
    assert b"not valid JSON" in content
    assert list(private_tmp.iterdir()) == []


def test_a_wrong_keepass_password_is_refused(
    alice: Member, login: Callable[..., Client], private_tmp: Path
) -> None:
    upload = SimpleUploadedFile(
        "vault.kdbx", kdbx_file([{"title": "Mail", "password": "kp-secret"}], password="right")
    )
    data = {"file": upload, "format": "keepass", "password": "wrong", "on_conflict": "skip"}
    content = refused(login(alice), data)
    assert b"Wrong master password" in content
    assert b"wrong" not in content.lower().replace(b"wrong master password", b"")
    assert list(private_tmp.iterdir()) == []


def test_a_keepass_file_opens_with_its_password(
    alice: Member, login: Callable[..., Client], private_tmp: Path
) -> None:
    upload = SimpleUploadedFile(
        "vault.kdbx",
        kdbx_file(
            [{"title": "Kp Mail", "url": "https://mail.example", "password": "kp-secret"}],
            password="right",
        ),
    )
    client = login(alice)
    data = {"file": upload, "format": "", "password": "right", "on_conflict": "skip"}
    response = client.post(URL, data)
    assert response.status_code == 200, response.content
    client.post(CONFIRM, {"preview": preview_token(response.content)})
    account = Account.objects.get(name="Kp Mail")
    assert mfa.reveal_password(alice, account) == "kp-secret"
    assert list(private_tmp.iterdir()) == []


def test_several_text_files_are_one_account_each(
    alice: Member, login: Callable[..., Client]
) -> None:
    files = [
        SimpleUploadedFile("Text Mail.txt", "\n".join(UNUSED).encode()),
        SimpleUploadedFile("Text Bank.txt", "\n".join(UNUSED[:2] + USED).encode()),
    ]
    client = login(alice)
    response = client.post(URL, {"file": files, "format": "text", "on_conflict": "skip"})
    assert response.status_code == 200, response.content
    client.post(CONFIRM, {"preview": preview_token(response.content)})
    mail = Account.objects.get(name="Text Mail")
    assert len(backup_codes.reveal_codes(alice, mail)) == 4
    assert Account.objects.filter(name="Text Bank").exists()


@pytest.mark.parametrize(
    ("name", "make", "format", "reason"),
    [
        ("bomb.1pux", lambda: zip_bomb(), "1password", b"unpack to more than 50 MiB"),
        ("deep.json", lambda: b"[" * 10_000 + b"]" * 10_000, "bitwarden", b"nested more than"),
        (
            "sheet.csv",
            lambda: csv_file(["name", "app", "notes"], [["Mail", "=HYPERLINK(1)", "x"]]),
            "csv",
            b"formula",
        ),
    ],
)
def test_hostile_files_are_refused_with_their_reason(
    alice: Member,
    login: Callable[..., Client],
    private_tmp: Path,
    name: str,
    make: Callable[[], bytes],
    format: str,
    reason: bytes,
) -> None:
    upload = SimpleUploadedFile(name, make())
    client = login(alice)
    content = refused(client, {"file": upload, "format": format, "on_conflict": "skip"})
    assert reason in content
    assert b"HYPERLINK" not in content
    assert list(private_tmp.iterdir()) == []
