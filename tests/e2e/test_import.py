"""Importing in a real Chromium: a Bitwarden export, its preview, Confirm import, then one of the
imported codes used from the account page.

The member is made for this test (`sparekey adduser`), so the accounts it imports never show on
the dashboards of the personas other browser tests use.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import PASSWORD, LoggedIn, Server, new_member
from tests.e2e.test_single_use import use_next_code
from tests.transfer.fixtures import bitwarden_json, bitwarden_login

pytestmark = pytest.mark.e2e

CODES = ["q7wd-k2m9", "z3xt-p8ab", "h5nc-r4ve", "j6uy-s2lf"]


def test_a_member_imports_a_bitwarden_export_and_uses_a_code(
    browser: Browser, server: Server, tmp_path: Path
) -> None:
    email = new_member(server, "importer", "Ines")
    export = tmp_path / "bitwarden_export.json"
    item = bitwarden_login(
        "Imported Newsletter",
        username="news@example.com",
        password="newsletter-pass-1",
        uris=["https://newsletter.example/login"],
        notes="Recovery codes:\n" + "\n".join(CODES),
    )
    export.write_bytes(bitwarden_json([item]))

    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(server.url("/login/"))
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()

        page.get_by_role("link", name="Import", exact=True).click()
        expect(page.get_by_role("heading", name="Import accounts")).to_be_visible()
        page.get_by_label("File").set_input_files(export)
        page.get_by_role("button", name="Preview import").click()

        expect(page.get_by_role("heading", name="Preview import")).to_be_visible()
        row = page.get_by_role("row", name="Imported Newsletter")
        expect(row).to_contain_text("4 backup codes found")
        expect(row).to_contain_text("password")
        expect(row).to_contain_text("New account")
        expect(page.get_by_text("newsletter-pass-1")).to_have_count(0)
        page.get_by_role("button", name="Confirm import").click()

        expect(page.get_by_role("heading", name="Import done")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("1 account created")
        page.get_by_role("link", name="Go to accounts").click()
        page.get_by_role("link", name="Imported Newsletter", exact=True).click()
        expect(page.get_by_role("heading", name="Imported Newsletter", level=1)).to_be_visible()
        expect(page.get_by_text("4 of 4 unused")).to_be_visible()

        assert use_next_code(page) == CODES[0]
        expect(page.get_by_role("dialog", name="Your backup code")).to_contain_text("3 of 4 unused")
    finally:
        context.close()


def test_a_file_over_the_limit_is_refused_before_it_is_uploaded(logged_in: LoggedIn) -> None:
    page = logged_in("alice")
    page.get_by_role("link", name="Import", exact=True).click()
    big = {"name": "big.json", "mimeType": "application/json", "buffer": b" " * (11 * 1024 * 1024)}
    page.get_by_label("File").set_input_files(big)
    page.get_by_role("button", name="Preview import").click()
    expect(page.get_by_role("heading", name="Import accounts")).to_be_visible()
    message = page.get_by_label("File").evaluate("input => input.validationMessage")
    assert "larger than 10 MiB" in message
