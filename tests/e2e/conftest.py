"""A real Sparekey server and a real Chromium, shared by the browser tests of one session.

The server is started the way an operator starts it (`python -m sparekey serve`) on a fresh data
directory, seeded with the same commands (`migrate`, `adduser`, `addaccount`). Nothing here
touches the Django test database: the browser only speaks HTTP to the server.

People: Alice (workspace Owner) and Bob own "Brand X", Carol is its Collaborator, Dave is a Super
Admin with no role on it. Alice alone owns "Registrar", "Cloud root" and "Mail relay", so that the
tests that save or refuse codes do not depend on one another.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

PASSWORD = "correct horse battery staple"
CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "pasted-codes"

PEOPLE = {
    "alice": ("alice@example.com", "owner", "Alice"),
    "bob": ("bob@example.com", "user", "Bob"),
    "carol": ("carol@example.com", "user", "Carol"),
    "dave": ("dave@example.com", "super_admin", "Dave"),
}

# Each account's addaccount options, split on spaces (no value holds one).
ACCOUNTS = {
    "Brand X": "--app X --login-url https://x.com/login --username brand"
    " --owner alice@example.com --owner bob@example.com --collaborator carol@example.com",
    "Registrar": "--app Registrar --owner alice@example.com",
    "Cloud root": "--app Cloud --owner alice@example.com",
    "Mail relay": "--app Mail --owner alice@example.com",
    "Social": "--app Instagram --owner alice@example.com --owner bob@example.com",
    "Storefront": "--app Shopify --owner alice@example.com --owner bob@example.com"
    " --collaborator carol@example.com",
    # tests/e2e/test_sharing.py shares it with a team and takes it back.
    "Vault": "--app Vault --owner alice@example.com",
}

# The codes of the Google-style paste (two numbered columns), in the order Sparekey keeps them.
GOOGLE_CODES = [
    "1001 4102",
    "5847 7668",
    "5051 5166",
    "0859 7980",
    "5540 3393",
    "8932 2551",
    "2404 5079",
    "6111 4053",
    "7042 4764",
    "5950 1049",
]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SERVER_START_SECONDS = 30
# Logins take about a second by design (Argon2id); leave room on a busy CI machine.
expect.set_options(timeout=10_000)
SPAREKEY = [sys.executable, "-m", "sparekey"]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def google_paste() -> str:
    return (CORPUS / "google-file.txt").read_text(encoding="utf-8")


@dataclass
class Server:
    base_url: str
    data_dir: Path
    log: Path
    accounts: dict[str, str] = field(default_factory=dict)  # name -> uuid

    def url(self, path: str) -> str:
        return self.base_url + path

    def account_url(self, name: str) -> str:
        return self.url(f"/accounts/{self.accounts[name]}/")

    def codes_url(self, name: str) -> str:
        return self.account_url(name) + "backup-codes/"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The system Chromium; the tests never download a browser."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    )
    if found is None:
        message = "no Chromium installed (apt-get install chromium): browser tests skipped"
        if os.environ.get("SPAREKEY_REQUIRE_BROWSER") == "1":
            pytest.fail(message.replace("skipped", "SPAREKEY_REQUIRE_BROWSER=1 needs one"))
        pytest.skip(message)
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "SPAREKEY_DATA_DIR": str(data_dir)}
    # pytest-django put tests.settings here for the test process; the server runs the real ones.
    env["DJANGO_SETTINGS_MODULE"] = "sparekey.settings"
    for name in ("DATABASE_URL", "SPAREKEY_TEST_DB", "SPAREKEY_MASTER_KEY"):
        env.pop(name, None)
    return env


def sparekey(env: dict[str, str], *args: str, stdin: str = "") -> str:
    """Run one `python -m sparekey` command; fail the session with its output if it fails."""
    result = subprocess.run(
        [*SPAREKEY, *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`sparekey {' '.join(args)}` exited with {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def new_member(server: Server, prefix: str, name: str, role: str = "user") -> str:
    """A member of the test's own, made with `sparekey adduser`, so that no other browser test
    sees what this one does to them; their e-mail (the password is PASSWORD)."""
    email = f"{prefix}-{secrets.token_hex(4)}@example.com"
    sparekey(
        server_env(server.data_dir),
        "adduser",
        email,
        "--role",
        role,
        "--name",
        name,
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    return email


def wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    pytest.fail(
        f"the server did not answer {url} within {SERVER_START_SECONDS} s:\n{log.read_text()}"
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="session")
def server(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A seeded `sparekey serve` on a free port, for the whole session."""
    root = tmp_path_factory.mktemp("sparekey-e2e")
    data_dir = root / "data"
    env = server_env(data_dir)
    sparekey(env, "migrate")
    for email, role, name in PEOPLE.values():
        options = ["--role", role, "--name", name, "--password-stdin"]
        sparekey(env, "adduser", email, *options, stdin=PASSWORD + "\n")
    accounts = {}
    for name, options in ACCOUNTS.items():
        output = sparekey(env, "addaccount", name, *options.split())
        found = UUID.search(output)
        assert found, f"addaccount printed no UUID: {output!r}"
        accounts[name] = found.group(0)

    port = free_port()
    log = root / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*SPAREKEY, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_up(process, base_url + "/login/", log)
        yield Server(base_url=base_url, data_dir=data_dir, log=log, accounts=accounts)
    finally:
        stop(process)


@pytest.fixture(scope="session")
def playwright_session(chromium_path: str) -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_session: Playwright, chromium_path: str) -> Iterator[Browser]:
    browser = playwright_session.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def log_in(page: Page, server: Server, person: str) -> None:
    email = PEOPLE[person][0]
    page.goto(server.url("/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()


LoggedIn = Callable[..., Page]


@pytest.fixture
def logged_in(browser: Browser, server: Server) -> Iterator[LoggedIn]:
    """`logged_in("alice")`: a page in a new browser context (new cookies) after logging in."""
    contexts: list[BrowserContext] = []

    def open_page(person: str, **context_options: Any) -> Page:
        context = browser.new_context(**context_options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        log_in(page, server, person)
        return page

    yield open_page
    for context in contexts:
        context.close()


def open_account(page: Page, name: str) -> None:
    """From the dashboard, open the account's card."""
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def run_seed_flow(page: Page, name: str, paste: str, count: int) -> None:
    """The seed's steps, from the dashboard to the saved codes, checking each screen."""
    open_account(page, name)
    expect(page.get_by_role("tab", name="Settings")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel", name="Settings")).to_be_visible()
    page.get_by_text("Emergency controls", exact=True).click()
    page.get_by_role("link", name="Add codes").click()
    dialog = page.get_by_role("dialog", name="Add MFA Backup Codes")
    expect(dialog).to_be_visible()
    dialog.get_by_label("MFA Backup Codes").fill(paste)
    expect(dialog.get_by_text(f"Found {count} codes.")).to_be_visible()
    dialog.get_by_role("button", name="Save Codes").click()
    expect(page.get_by_role("status")).to_contain_text(f"Saved {count} backup codes for {name}.")
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("link", name="View Codes")).to_be_visible()
    expect(page.get_by_role("link", name="Add codes")).to_have_count(0)
    expect(page.get_by_text(f"{count} of {count} unused")).to_be_visible()


@pytest.fixture(scope="session")
def brand_x_with_codes(browser: Browser, server: Server) -> list[str]:
    """Brand X holding the Google paste's ten codes, saved through the UI by Alice.

    The seed-flow test saves them when it runs first (the file's order); otherwise this does.
    """
    context = browser.new_context()
    try:
        page = context.new_page()
        log_in(page, server, "alice")
        page.goto(server.account_url("Brand X"))
        expect(page.get_by_role("heading", name="Brand X", level=1)).to_be_visible()
        if page.get_by_role("link", name="View Codes").count() == 0:
            page.goto(server.url("/"))
            run_seed_flow(page, "Brand X", google_paste(), len(GOOGLE_CODES))
    finally:
        context.close()
    return GOOGLE_CODES
