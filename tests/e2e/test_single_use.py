"""Single-use codes in the browser: Alice uses the next code, Bob sees who used it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD, LoggedIn, run_seed_flow

pytestmark = pytest.mark.e2e

SOCIAL_CODES = ["24363546", "48563968", "86621135", "49980397"]


def use_next_code(page: Page) -> str:
    """Press Use next code on the account page (confirming if asked); return the code shown."""
    page.get_by_role("button", name="Use next code").click()
    if page.get_by_role("heading", name="Confirm your identity to continue").count():
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        page.get_by_role("button", name="Use next code").click()
    dialog = page.get_by_role("dialog", name="Your backup code")
    expect(dialog).to_be_visible()
    return dialog.locator("#claimed-code").inner_text()


ACCOUNT_PAGE = re.compile(r"/accounts/[0-9a-f-]+/$")


def close_claimed(page: Page) -> None:
    """Close the code's dialog; the page then leaves the URL that showed the code (sparekey.js
    replaces it with the account page), which is what the next step must wait for."""
    page.get_by_role("dialog", name="Your backup code").get_by_role("link", name="Close").click()
    page.wait_for_url(ACCOUNT_PAGE)
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_alice_uses_codes_and_bob_sees_them_used(logged_in: LoggedIn) -> None:
    alice = logged_in("alice")
    run_seed_flow(alice, "Social", "\n".join(SOCIAL_CODES), len(SOCIAL_CODES))

    assert use_next_code(alice) == SOCIAL_CODES[0]
    dialog = alice.get_by_role("dialog", name="Your backup code")
    expect(dialog).to_contain_text("3 of 4 unused")
    expect(dialog.get_by_role("button", name="Copy")).to_be_focused()
    close_claimed(alice)

    assert use_next_code(alice) == SOCIAL_CODES[1]
    dialog = alice.get_by_role("dialog", name="Your backup code")
    expect(dialog).to_contain_text("Only 2 backup codes left.")
    close_claimed(alice)
    expect(alice.get_by_text("2 of 4 unused")).to_be_visible()
    expect(alice.get_by_role("note")).to_contain_text("Replace codes")

    bob = logged_in("bob")
    expect(bob.get_by_role("note")).to_contain_text("Backup codes are running out for: Social")
    bob.get_by_role("list").get_by_role("link", name="Social").click()
    bob.get_by_role("link", name="View Codes").click()
    bob.get_by_label("Password").fill(PASSWORD)
    bob.get_by_role("button", name="Confirm").click()
    view = bob.get_by_role("dialog", name="View MFA Backup Codes")
    rows = view.get_by_role("listitem")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("by Alice")
    expect(rows.nth(1)).to_contain_text("by Alice")
    expect(rows.nth(2)).to_contain_text("Unused")

    # Bob marks the first code unused again (claimed by mistake): the count goes back up.
    rows.nth(0).get_by_role("button", name="Mark unused").click()
    expect(bob.get_by_role("status")).to_contain_text("Code #1 is marked unused.")
    expect(bob.get_by_role("dialog", name="View MFA Backup Codes")).to_contain_text("3 of 4 unused")
