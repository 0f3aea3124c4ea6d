"""Turning on two-step login: the QR code, the confirming code, ten recovery codes shown once.

Also the helpers the other test_two_step files share: ``enrol`` (through the service) and
``log_in_with_code`` (through the pages).
"""

from __future__ import annotations

import base64
import html as html_module
import logging
import re
import time
from collections.abc import Callable

import pytest
from django.test import Client

from sparekey.audit.models import Action, AuditEvent
from sparekey.crypto import TamperedBlob
from sparekey.mfa.totp import TotpKey, code_at
from sparekey.workspace import two_step
from sparekey.workspace.models import LoginRecoveryCode, LoginTotp, Member
from tests.canary import assert_nowhere, stored_copies
from tests.conftest import PASSWORD

LoginFixture = Callable[..., Client]


def enrol(member: Member) -> tuple[TotpKey, list[str]]:
    """Turn two-step login on for ``member``. The enrolment spends the PREVIOUS step's code, so
    that a test can log in with the current one and then the next one."""
    row = two_step.start_enrolment(member)
    key = two_step.totp_key(row)
    codes = two_step.confirm_enrolment(member, row, code_at(key, time.time() - key.period))
    return key, codes


def password_step(client: Client, member: Member, **extra: str) -> None:
    response = client.post("/login/", {"username": member.email, "password": PASSWORD, **extra})
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


def log_in_with_code(member: Member, code: str) -> Client:
    client = Client()
    password_step(client, member)
    response = client.post("/login/", {"code": code})
    assert response.status_code == 302, response.content.decode()
    assert client.session["_auth_user_id"] == str(member.pk)
    return client


def wrong_code(key: TotpKey) -> str:
    """A six-digit code that is none of the codes accepted now."""
    now = time.time()
    accepted = {code_at(key, now + offset * key.period) for offset in (-2, -1, 0, 1, 2)}
    return next(f"{n:06d}" for n in range(1000000) if f"{n:06d}" not in accepted)


def secret_on_page(content: bytes) -> bytes:
    found = re.search(rb'<code id="login-secret">([A-Z2-7 ]+)</code>', content)
    assert found, "the page shows the key as text"
    text = found.group(1).replace(b" ", b"").decode()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def recovery_codes_on_page(content: bytes) -> list[str]:
    return re.findall(
        r"<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>", content.decode()
    )


def start_on_page(client: Client) -> bytes:
    """Turn on -> the set-up page; the secret it shows."""
    response = client.post("/two-step/start/")
    assert response.status_code == 302
    assert response["Location"] == "/two-step/setup/"
    page = client.get("/two-step/setup/")
    assert page.status_code == 200
    return secret_on_page(page.content)


def test_the_page_is_linked_from_every_page_and_says_api_tokens_keep_working(
    bob: Member, login: LoginFixture
) -> None:
    client = login(bob)
    assert 'href="/two-step/">Two-step login</a>' in client.get("/").content.decode()
    page = client.get("/two-step/").content.decode()
    assert "Turn on two-step login" in page
    assert "API tokens keep working" in page


def test_turning_on_shows_a_qr_code_and_the_key_as_text(bob: Member, login: LoginFixture) -> None:
    client = login(bob)
    client.post("/two-step/start/")
    page = client.get("/two-step/setup/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]
    html = page.content.decode()
    assert re.search(r'<img src="data:image/svg\+xml[^"]+" alt="QR code of your two-step', html)
    secret = secret_on_page(page.content)
    assert len(secret) == two_step.SECRET_BYTES
    # The QR code carries that very key.
    row = LoginTotp.objects.get(member=bob)
    assert two_step.totp_key(row).secret == secret
    src = re.search(r'<img src="([^"]+)" alt="QR code', html)
    assert src and html_module.unescape(src.group(1)) == two_step.qr_data_uri(
        TotpKey(secret, issuer="Sparekey", account_name=bob.email)
    )
    assert not two_step.is_on(bob), "a key not yet confirmed guards nothing"


def test_the_key_is_shown_only_after_a_confirmation_of_identity(
    bob: Member, login: LoginFixture
) -> None:
    client = login(bob, confirmed=False)
    assert client.post("/two-step/start/")["Location"] == "/two-step/setup/"
    asked = client.get("/two-step/setup/")
    assert asked.status_code == 302
    assert asked["Location"].startswith("/confirm/")
    assert client.post("/two-step/setup/", {"code": "123456"})["Location"].startswith("/confirm/")
    assert not two_step.is_on(bob)
    client.post("/confirm/", {"password": PASSWORD})
    assert client.get("/two-step/setup/").status_code == 200


def test_a_wrong_code_then_the_right_one_turns_it_on(bob: Member, login: LoginFixture) -> None:
    client = login(bob)
    secret = start_on_page(client)
    key = TotpKey(secret)

    refused = client.post("/two-step/setup/", {"code": wrong_code(key)})
    assert refused.status_code == 400
    assert "That code is not right" in refused.content.decode()
    assert not two_step.is_on(bob)
    assert not AuditEvent.objects.filter(action=Action.TOTP_ENABLED).exists()

    done = client.post("/two-step/setup/", {"code": code_at(key, time.time())})
    assert done.status_code == 200
    assert "no-store" in done["Cache-Control"]
    html = done.content.decode()
    assert "Save these recovery codes now" in html
    codes = recovery_codes_on_page(done.content)
    assert len(codes) == 10 == len(set(codes))
    assert two_step.is_on(bob)
    assert AuditEvent.objects.filter(action=Action.TOTP_ENABLED, actor=bob).count() == 1

    # Shown once: the page about it no longer has them, and only hashes are kept.
    assert not recovery_codes_on_page(client.get("/two-step/").content)
    stored = set(LoginRecoveryCode.objects.filter(member=bob).values_list("code_hash", flat=True))
    assert len(stored) == 10
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored


def test_a_code_of_another_key_does_not_turn_it_on(bob: Member, login: LoginFixture) -> None:
    client = login(bob)
    start_on_page(client)
    other = TotpKey(b"x" * 20)
    assert client.post("/two-step/setup/", {"code": code_at(other, time.time())}).status_code in (
        400,
        200,
    )
    # One chance in a million that the other key's code matches: the state must then agree.
    assert two_step.is_on(bob) == AuditEvent.objects.filter(action=Action.TOTP_ENABLED).exists()


def test_starting_again_replaces_the_unconfirmed_key(bob: Member, login: LoginFixture) -> None:
    client = login(bob)
    first = start_on_page(client)
    second = start_on_page(client)
    assert first != second
    assert LoginTotp.objects.filter(member=bob).count() == 1


def test_it_cannot_be_turned_on_twice(bob: Member, login: LoginFixture) -> None:
    enrol(bob)
    client = log_in_with_code(bob, code_at(two_step.totp_key(bob.login_totp), time.time()))
    response = client.post("/two-step/start/", follow=True)
    assert "on already" in response.content.decode()
    assert two_step.is_on(bob)


@pytest.mark.django_db(transaction=True)
def test_neither_the_key_nor_a_recovery_code_is_stored_or_logged_in_clear(
    bob: Member,
    login: LoginFixture,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    client = login(bob)
    secret = start_on_page(client)
    key = TotpKey(secret)
    done = client.post("/two-step/setup/", {"code": code_at(key, time.time())})
    codes = recovery_codes_on_page(done.content)
    assert len(codes) == 10
    # A recovery code and a later code really work, so what was searched for is the real thing.
    assert log_in_with_code(bob, codes[0])

    copies = stored_copies("workspace_logintotp", caplog, capfd)
    b32 = base64.b32encode(secret).decode().rstrip("=")
    needles = [
        secret,
        secret.hex().encode(),
        base64.b64encode(secret),
        b32.encode(),
        b32.lower().encode(),
        *(code.encode() for code in codes),
        *(code.replace("-", "").encode() for code in codes),
    ]
    assert_nowhere(needles, copies)


def test_audit_events_hold_no_secret(bob: Member, login: LoginFixture) -> None:
    client = login(bob)
    secret = start_on_page(client)
    key = TotpKey(secret)
    client.post("/two-step/setup/", {"code": wrong_code(key)})
    done = client.post("/two-step/setup/", {"code": code_at(key, time.time())})
    codes = recovery_codes_on_page(done.content)
    log_in_with_code(bob, codes[0])
    other = Client()
    password_step(other, bob)
    other.post("/login/", {"code": "123456"})
    other.post("/login/", {"code": codes[0]})  # spent already

    details = " ".join(str(e.detail) for e in AuditEvent.objects.all())
    b32 = base64.b32encode(secret).decode().rstrip("=")
    assert b32 not in details.upper().replace(" ", "")
    for code in codes:
        assert code not in details and code.replace("-", "") not in details
    assert "123456" not in details
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {Action.TOTP_ENABLED, Action.TOTP_RECOVERY_CODE_USED, Action.LOGIN_FAILED} <= actions


def test_a_sealed_key_copied_to_another_member_does_not_open(bob: Member, carol: Member) -> None:
    enrol(bob)
    enrol(carol)
    carols = LoginTotp.objects.get(member=carol)
    LoginTotp.objects.filter(member=bob).update(
        wrapped_key=carols.wrapped_key, sealed_secret=carols.sealed_secret
    )
    with pytest.raises(TamperedBlob):
        two_step.totp_key(LoginTotp.objects.get(member=bob))


def test_a_key_that_no_longer_opens_still_lets_a_recovery_code_in(bob: Member) -> None:
    key, codes = enrol(bob)
    row = LoginTotp.objects.get(member=bob)
    # The blob names a master key the keyring does not hold (one retired without a rewrap).
    wrapped = bytearray(bytes(row.wrapped_key))
    wrapped[1:5] = bytes.fromhex("00000000")
    LoginTotp.objects.filter(pk=row.pk).update(wrapped_key=bytes(wrapped))
    client = Client()
    password_step(client, bob)
    refused = client.post("/login/", {"code": code_at(key, time.time())})
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.post("/login/", {"code": codes[0]}).status_code == 302
