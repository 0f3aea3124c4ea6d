from __future__ import annotations

import re
from collections.abc import Callable

from django.test import Client

from sparekey.accounts.models import Account
from sparekey.audit.models import Action
from sparekey.mfa.models import AccountSecret, MfaSettings, SecretKind
from sparekey.workspace.models import Member

from .conftest import KEY, URI, events, qr_png

Login = Callable[..., Client]


def url(account: Account) -> str:
    return f"/accounts/{account.uuid}/mfa/secret-key/"


def test_the_page_works_without_js(account: Account, alice: Member, login: Login) -> None:
    page = login(alice).get(url(account)).content.decode()
    assert "<h1>Set as MFA</h1>" in page
    assert "Secret Key" in page and "Save Code" in page and "Show code" in page


def test_saving_a_uri_turns_mfa_on_and_asks_for_the_backup_codes(
    account: Account, alice: Member, login: Login
) -> None:
    response = login(alice).post(url(account), {"secret": URI, "action": "save"}, follow=True)
    page = response.content.decode()
    assert "Saved the Secret Key of Brand X." in page
    assert "Save its backup codes now" in page
    assert 'class="emergency prompt-codes"' in page
    assert re.search(r'id="emergency-controls" open', page)
    account.refresh_from_db()
    assert account.mfa_enabled
    assert MfaSettings.objects.get(account=account).method == "authenticator"
    [event] = events(Action.TOTP_SAVED)
    assert event.detail == {
        "algorithm": "SHA1",
        "digits": 6,
        "period": 30,
        "replaced": False,
        "mfa_turned_on": True,
    }


def test_with_codes_saved_it_does_not_nag(
    account_with_codes: Account, alice: Member, login: Login
) -> None:
    response = login(alice).post(url(account_with_codes), {"secret": KEY}, follow=True)
    page = response.content.decode()
    assert "Saved the Secret Key" in page
    assert "Save its backup codes now" not in page
    assert "prompt-codes" not in page


def test_the_key_is_sealed(account: Account, alice: Member, login: Login) -> None:
    login(alice).post(url(account), {"secret": "jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp"})
    row = AccountSecret.objects.get(account=account, kind=SecretKind.TOTP)
    assert b"JBSW" not in bytes(row.sealed)
    assert b"48656c6c6f" not in bytes(row.sealed)  # nor its hex


def test_a_qr_code_screenshot_is_read_on_the_server(
    account: Account, alice: Member, login: Login
) -> None:
    response = login(alice).post(url(account), {"secret": "", "qr": qr_png(URI)})
    assert response.status_code == 302
    assert AccountSecret.objects.filter(kind=SecretKind.TOTP).exists()


def test_a_bad_key_is_refused_with_its_reason_and_nothing_is_saved(
    account: Account, alice: Member, login: Login
) -> None:
    response = login(alice).post(url(account), {"secret": "JBSWY3DP"})
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not AccountSecret.objects.exists()


def test_an_image_without_a_qr_code_is_refused(
    account: Account, alice: Member, login: Login
) -> None:
    upload = qr_png("")  # an empty QR code is still a QR code; make a real non-QR image
    from PIL import Image

    upload.seek(0)
    upload.truncate()
    Image.new("RGB", (50, 50), "white").save(upload, "PNG")
    upload.seek(0)
    response = login(alice).post(url(account), {"qr": upload})
    assert response.status_code == 400
    assert "No QR code was found" in response.content.decode()


def test_from_the_dialog_an_error_reopens_the_dialog_on_the_account_page(
    account: Account, alice: Member, login: Login
) -> None:
    response = login(alice).post(url(account), {"secret": "not a key!", "from": "dialog"})
    page = response.content.decode()
    assert response.status_code == 400
    assert '<dialog id="set-totp-dialog" aria-labelledby="set-totp-title" open data-modal>' in page
    assert "not a base32 Secret Key" in page


def test_show_code_without_js_shows_the_current_code_and_saves_nothing(
    account: Account, alice: Member, login: Login
) -> None:
    response = login(alice).post(url(account), {"secret": URI, "action": "preview"})
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"Current code: <code>\d{6}</code>", page)
    assert not AccountSecret.objects.exists()
    assert "no-store" in response["Cache-Control"]


def test_replacing_a_saved_key_requires_confirmation(
    account_with_totp: Account, bob: Member, login: Login
) -> None:
    response = login(bob, confirmed=False).post(url(account_with_totp), {"secret": KEY})
    assert response.status_code == 302
    assert response["Location"].startswith("/confirm/")
    confirmed = login(bob).post(url(account_with_totp), {"secret": KEY})
    assert confirmed.status_code == 302
    assert events(Action.TOTP_SAVED)[-1].detail["replaced"] is True


def test_a_collaborator_cannot_set_the_key(account: Account, carol: Member, login: Login) -> None:
    assert login(carol).post(url(account), {"secret": KEY}).status_code == 404
    assert not AccountSecret.objects.exists()
