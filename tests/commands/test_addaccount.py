from __future__ import annotations

from tests.commands.conftest import Run

PASSWORD = "correct horse battery staple\n"


def add_people(sparekey: Run) -> None:
    for email, role in (
        ("alice@example.com", "owner"),
        ("carol@example.com", "user"),
        ("lou@example.com", "login_only"),
    ):
        sparekey("adduser", email, "--role", role, "--password-stdin", stdin=PASSWORD, check=True)


def test_it_adds_an_account_with_owners_and_collaborators(sparekey: Run) -> None:
    add_people(sparekey)
    result = sparekey(
        "addaccount",
        "Brand X",
        "--app",
        "X",
        "--login-url",
        "https://x.com/login",
        "--owner",
        "alice@example.com",
        "--collaborator",
        "carol@example.com",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Added Brand X (X) as ")


def test_it_needs_an_owner_who_exists(sparekey: Run) -> None:
    add_people(sparekey)
    result = sparekey("addaccount", "Brand X", "--app", "X", "--owner", "nobody@example.com")
    assert result.returncode == 1
    assert "No member has the email nobody@example.com" in result.stderr
    result = sparekey("addaccount", "Brand X", "--app", "X")
    assert result.returncode != 0
    assert "--owner" in result.stderr


def test_a_login_only_member_cannot_be_an_owner(sparekey: Run) -> None:
    add_people(sparekey)
    result = sparekey("addaccount", "Brand X", "--app", "X", "--owner", "lou@example.com")
    assert result.returncode == 1
    assert "Login-Only" in result.stderr


def test_a_bad_login_url_is_refused(sparekey: Run) -> None:
    add_people(sparekey)
    result = sparekey(
        "addaccount",
        "Brand X",
        "--app",
        "X",
        "--login-url",
        "javascript:alert(1)",
        "--owner",
        "alice@example.com",
    )
    assert result.returncode == 1
    assert "login_url" in result.stderr
