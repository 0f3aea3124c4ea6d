"""Members, teams and sharing in a real Chromium: an invitation, a team share, and its removal."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LoggedIn, Server, google_paste, run_seed_flow

pytestmark = pytest.mark.e2e

GINA_PASSWORD = "gina's own long passphrase"


def invite_gina(page: Page, server: Server) -> str:
    """Alice invites Gina from the Members page; the link the page shows to copy."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Members").click()
    page.get_by_role("link", name="Invite member").click()
    page.get_by_label("Email").fill("gina@example.com")
    page.get_by_label("Name").fill("Gina")
    page.get_by_label("Workspace role").select_option(label="User")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("heading", name="Invitation sent")).to_be_visible()
    link = page.locator("#invitation-link").inner_text().strip()
    assert link.startswith(server.url("/invitations/"))
    return link


def accept(browser: Browser, link: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(link)
    expect(page.get_by_role("heading", name="Join Sparekey")).to_be_visible()
    page.get_by_label("Your name").fill("Gina")
    page.get_by_label("Password", exact=True).fill(GINA_PASSWORD)
    page.get_by_label("Password again").fill(GINA_PASSWORD)
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()
    return page


def make_team(page: Page, server: Server) -> None:
    page.goto(server.url("/teams/"))
    page.get_by_label("Team name").fill("Ops")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_role("heading", name="Ops", level=1)).to_be_visible()
    page.get_by_label("Member").select_option(label="Gina (gina@example.com)")
    page.get_by_role("button", name="Add to team").click()
    expect(page.get_by_role("cell", name="gina@example.com")).to_be_visible()


def share_with_ops_as_owner(page: Page) -> None:
    page.get_by_role("link", name="Share", exact=True).first.click()
    dialog = page.get_by_role("dialog", name="Share Access")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Search members and teams").fill("ops")
    expect(dialog.get_by_text("Alice", exact=True)).to_be_hidden()
    dialog.get_by_role("radio", name=re.compile(r"^Ops\b")).check()
    dialog.get_by_role("radio", name="Owner").check()
    dialog.get_by_label("Message").fill("The vault is yours too.")
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text("Shared Vault with Ops as Owner.")
    expect(page.get_by_role("cell", name="gina@example.com")).to_be_visible()


def view_codes(page: Page, server: Server, password: str) -> None:
    page.goto(server.codes_url("Vault"))
    expect(page.get_by_role("heading", name="Confirm your identity to continue")).to_be_visible()
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Confirm").click()
    dialog = page.get_by_role("dialog", name="View MFA Backup Codes")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("10 of 10 unused")


def test_an_invited_member_gets_codes_through_a_team_and_loses_them(
    logged_in: LoggedIn, browser: Browser, server: Server
) -> None:
    alice = logged_in("alice")
    link = invite_gina(alice, server)
    gina = accept(browser, link)
    expect(gina.get_by_text("No account is shared with you yet")).to_be_visible()
    # The link worked once.
    assert gina.context.request.get(link).status == 404

    make_team(alice, server)
    alice.goto(server.url("/"))
    run_seed_flow(alice, "Vault", google_paste(), 10)
    share_with_ops_as_owner(alice)

    gina.goto(server.url("/"))
    expect(gina.get_by_role("link", name="Vault", exact=True)).to_be_visible()
    view_codes(gina, server, GINA_PASSWORD)

    alice.goto(server.account_url("Vault") + "?tab=users")
    alice.get_by_role("link", name="Remove from account: Ops").click()
    expect(
        alice.get_by_role("heading", name=re.compile("Remove the access of the team Ops"))
    ).to_be_visible()
    alice.get_by_role("button", name="Remove access").click()
    expect(alice.get_by_role("status")).to_contain_text("Removed the access of Ops.")

    response = gina.goto(server.codes_url("Vault"))
    assert response is not None and response.status == 404
    assert gina.goto(server.account_url("Vault")).status == 404  # type: ignore[union-attr]
