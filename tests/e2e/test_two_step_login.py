"""Two-step login in a real Chromium: a new member turns it on from the QR code's key, then logs
in with a code, then with a recovery code, which works once.

The member is made for this test (`sparekey adduser`), so the personas other browser tests use
keep their password-only login.
"""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PASSWORD, Server, new_member

pytestmark = pytest.mark.e2e


def password_step(page: Page, server: Server, email: str) -> None:
    page.goto(server.url("/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def second_step(page: Page, code: str) -> None:
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(code)
    page.get_by_role("button", name="Log in").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to Sparekey")).to_be_visible()


def test_a_new_member_turns_on_two_step_login_and_logs_in_with_codes(
    browser: Browser, server: Server
) -> None:
    email = new_member(server, "two-step", "Tess")
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        password_step(page, server, email)
        expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()

        # Turn it on: scan (here: read) the key, confirm with the app's code.
        page.get_by_role("link", name="Two-step login").click()
        page.get_by_role("button", name="Turn on two-step login").click()
        # Showing the key needs the password again: a borrowed session alone cannot enrol.
        expect(
            page.get_by_role("heading", name="Confirm your identity to continue")
        ).to_be_visible()
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        qr = page.get_by_role("img", name=f"QR code of your two-step login key for {email}")
        expect(qr).to_be_visible()
        secret = page.locator("#login-secret").inner_text().replace(" ", "")
        totp = pyotp.TOTP(secret)
        enrolled_at = time.time()
        page.get_by_label("Code from your app").fill(totp.at(enrolled_at))
        page.get_by_role("button", name="Turn on").click()
        expect(page.get_by_role("heading", name="Two-step login is on")).to_be_visible()
        expect(page.get_by_text("Save these recovery codes now")).to_be_visible()
        codes = page.locator("#recovery-codes li").all_inner_texts()
        assert len(codes) == 10
        page.get_by_role("link", name="I have saved them").click()
        expect(page.get_by_text("10 of 10 unused")).to_be_visible()
        log_out(page)

        # The password alone does not log in; the next code does (the one used is spent).
        password_step(page, server, email)
        # Half-way, the API tokens page is not reached: the login asks for the code instead.
        page.goto(server.url("/tokens/"))
        expect(page).to_have_url(server.url("/login/?next=/tokens/"))
        expect(page.get_by_role("heading", name="API tokens")).to_have_count(0)
        next_step = (int(enrolled_at) // 30 + 1) * 30
        second_step(page, totp.at(next_step))
        expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()
        log_out(page)

        # A recovery code logs in once.
        password_step(page, server, email)
        second_step(page, codes[0].strip())
        expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()
        log_out(page)
        password_step(page, server, email)
        second_step(page, codes[0].strip())
        expect(page.get_by_text("That code is not right, or was used already.")).to_be_visible()
        second_step(page, codes[1].strip())
        expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()
    finally:
        context.close()
