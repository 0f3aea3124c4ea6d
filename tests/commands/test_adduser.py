from __future__ import annotations

from tests.commands.conftest import Run

PASSWORD = "correct horse battery staple\n"


def test_it_adds_a_member_with_the_password_from_stdin(sparekey: Run) -> None:
    result = sparekey(
        "adduser",
        "Alice@Example.com",
        "--role",
        "owner",
        "--name",
        "Alice",
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert result.returncode == 0, result.stderr
    assert "Added alice@example.com (Owner)." in result.stdout
    assert "correct horse" not in result.stdout + result.stderr


def test_it_refuses_a_second_workspace_owner(sparekey: Run) -> None:
    sparekey(
        "adduser",
        "a@example.com",
        "--role",
        "owner",
        "--password-stdin",
        stdin=PASSWORD,
        check=True,
    )
    result = sparekey(
        "adduser", "b@example.com", "--role", "owner", "--password-stdin", stdin=PASSWORD
    )
    assert result.returncode == 1
    assert "exactly one" in result.stderr


def test_it_refuses_a_duplicate_email(sparekey: Run) -> None:
    sparekey(
        "adduser", "a@example.com", "--role", "user", "--password-stdin", stdin=PASSWORD, check=True
    )
    result = sparekey(
        "adduser", "A@example.com", "--role", "user", "--password-stdin", stdin=PASSWORD
    )
    assert result.returncode == 1
    assert "exists already" in result.stderr


def test_it_refuses_a_weak_password(sparekey: Run) -> None:
    result = sparekey(
        "adduser", "a@example.com", "--role", "user", "--password-stdin", stdin="short\n"
    )
    assert result.returncode == 1
    assert "too short" in result.stderr


def test_it_refuses_a_bad_email_or_role(sparekey: Run) -> None:
    result = sparekey(
        "adduser", "not-an-email", "--role", "user", "--password-stdin", stdin=PASSWORD
    )
    assert result.returncode == 1
    assert "valid email" in result.stderr
    result = sparekey(
        "adduser", "a@example.com", "--role", "king", "--password-stdin", stdin=PASSWORD
    )
    assert result.returncode != 0
    assert "invalid choice" in result.stderr


def test_without_a_terminal_it_asks_for_password_stdin(sparekey: Run) -> None:
    result = sparekey("adduser", "a@example.com", "--role", "user")
    assert result.returncode == 1
    assert "--password-stdin" in result.stderr


def test_it_takes_no_password_argument(sparekey: Run) -> None:
    result = sparekey("adduser", "a@example.com", "--role", "user", "--password", "x")
    assert result.returncode != 0
