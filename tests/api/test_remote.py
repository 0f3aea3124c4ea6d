"""`sparekey remote`, the terminal client, against a real server."""

from __future__ import annotations

import http.server
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sparekey.api import remote
from tests.api.live import LiveSparekey, call, free_port

Remote = Callable[..., subprocess.CompletedProcess[str]]
CODES = ["11111-aaaaa", "22222-bbbbb", "33333-ccccc"]


@dataclass
class Server:
    base: str
    token: str
    accounts: dict[str, str]  # name (or "Mail 1", "Mail 2") -> id


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, migrated_data_dir: Path) -> Iterator[Server]:
    live = LiveSparekey(tmp_path_factory.mktemp("remote"), migrated_data_dir)
    try:
        live.add_member("alice@example.com", "owner")
        for name, app in [("Brand X", "X"), ("Registrar", "Gandi"), ("Mail", "Fastmail")]:
            live.run("addaccount", name, "--app", app, "--owner", "alice@example.com")
        live.run("addaccount", "Mail", "--app", "Proton", "--owner", "alice@example.com")
        token = live.token("alice@example.com", "read", "use", "reveal", "manage")
        base = live.serve(SPAREKEY_API_REQUESTS_PER_MINUTE="1000")
        status, page = call(base, "GET", "/accounts", token)
        assert status == 200, page
        accounts: dict[str, str] = {}
        for found in page["accounts"]:
            key = found["name"] if found["name"] != "Mail" else f"Mail {found['app']}"
            accounts[key] = found["id"]
        status, _ = call(
            base, "PUT", f"/accounts/{accounts['Brand X']}/backup-codes", token, {"codes": CODES}
        )
        assert status == 201
        yield Server(base, token, accounts)
    finally:
        live.close()


@pytest.fixture
def sparekey_remote(server: Server, tmp_path: Path) -> Remote:
    """Run `python -m sparekey remote ...` as a user would: no settings, no data directory."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SPAREKEY_", "DJANGO_", "DATABASE_"))
    }
    env |= {"HOME": str(tmp_path), "SPAREKEY_URL": server.base, "SPAREKEY_TOKEN": server.token}
    env.pop("XDG_CONFIG_HOME", None)
    package_root = str(Path(__file__).resolve().parents[2])

    def run(*args: str, **changes: str | None) -> subprocess.CompletedProcess[str]:
        run_env = dict(env)
        for key, value in changes.items():
            if value is None:
                run_env.pop(key, None)
            else:
                run_env[key] = value
        run_env["PYTHONPATH"] = package_root
        return subprocess.run(
            [sys.executable, "-m", "sparekey", "remote", *args],
            env=run_env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run


def test_accounts_lists_names_apps_roles_and_code_counts(
    sparekey_remote: Remote, server: Server, tmp_path: Path
) -> None:
    result = sparekey_remote("accounts")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "APP", "ROLE", "BACKUP", "CODES", "ID"]
    brand = next(line for line in lines if line.startswith("Brand X"))
    assert "owner" in brand
    assert server.accounts["Brand X"] in brand
    assert "not saved" in next(line for line in lines if line.startswith("Registrar"))
    assert not (tmp_path / "data").exists()  # a client: it made no data directory


def test_accounts_json_is_the_apis_account_objects(sparekey_remote: Remote) -> None:
    result = sparekey_remote("accounts", "--json")
    accounts = json.loads(result.stdout)
    assert {account["name"] for account in accounts} == {"Brand X", "Registrar", "Mail"}
    assert set(accounts[0]) == {"id", "name", "app", "role", "mfa", "backup_codes"}


def test_next_code_by_name_prints_only_the_code(sparekey_remote: Remote) -> None:
    result = sparekey_remote("next-code", "brand x")
    assert result.returncode == 0, result.stderr
    assert result.stdout in {f"{code}\n" for code in CODES}
    assert "is now marked used by you" in result.stderr


def test_next_code_by_id_with_json(sparekey_remote: Remote, server: Server) -> None:
    result = sparekey_remote("--json", "next-code", server.accounts["Brand X"])
    assert result.returncode == 0, result.stderr
    claimed = json.loads(result.stdout)
    assert claimed["code"] in CODES
    assert set(claimed) == {"code", "position", "unused", "total", "low"}


def test_codes_shows_states_without_the_codes_and_reveal_shows_them(
    sparekey_remote: Remote,
) -> None:
    states = sparekey_remote("codes", "Brand X")
    assert states.returncode == 0, states.stderr
    assert states.stdout.splitlines()[0].split() == ["#", "STATE", "USED"]
    assert not any(code in states.stdout for code in CODES)
    revealed = sparekey_remote("codes", "Brand X", "--reveal")
    assert revealed.returncode == 0, revealed.stderr
    assert all(code in revealed.stdout for code in CODES)


def test_no_codes_left_is_exit_5(sparekey_remote: Remote) -> None:
    result = sparekey_remote("next-code", "Registrar")
    assert result.returncode == remote.NO_CODES
    assert "(no_unused_codes, HTTP 409)" in result.stderr
    assert result.stdout == ""


def test_a_bad_token_is_exit_3(sparekey_remote: Remote, server: Server) -> None:
    wrong = server.token[:-4] + "AAAA" if not server.token.endswith("AAAA") else server.token[:-4]
    result = sparekey_remote("accounts", SPAREKEY_TOKEN=wrong)
    assert result.returncode == remote.REFUSED
    assert "(invalid_token, HTTP 401)" in result.stderr


def test_an_unknown_account_is_exit_4(sparekey_remote: Remote) -> None:
    by_name = sparekey_remote("next-code", "Nope")
    assert by_name.returncode == remote.NOT_FOUND
    assert "No account of yours is named 'Nope'" in by_name.stderr
    by_id = sparekey_remote("next-code", "00000000-0000-4000-8000-000000000000")
    assert by_id.returncode == remote.NOT_FOUND
    assert "(not_found, HTTP 404)" in by_id.stderr


def test_an_ambiguous_name_is_exit_4_and_lists_the_ids(
    sparekey_remote: Remote, server: Server
) -> None:
    result = sparekey_remote("codes", "Mail")
    assert result.returncode == remote.NOT_FOUND
    assert "2 of your accounts are named 'Mail'" in result.stderr
    assert server.accounts["Mail Fastmail"] in result.stderr
    assert server.accounts["Mail Proton"] in result.stderr


def test_a_server_that_is_down_is_exit_7(sparekey_remote: Remote) -> None:
    result = sparekey_remote("accounts", "--url", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == remote.UNREACHABLE
    assert "Cannot reach" in result.stderr


def test_the_token_file_must_be_mode_0600(
    sparekey_remote: Remote, server: Server, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(server.token + "\n")
    token_file.chmod(0o644)
    refused = sparekey_remote("accounts", "--token-file", str(token_file))
    assert refused.returncode == remote.USAGE
    assert "chmod 600" in refused.stderr
    token_file.chmod(0o600)
    accepted = sparekey_remote("accounts", "--token-file", str(token_file))
    assert accepted.returncode == 0, accepted.stderr


def test_the_default_token_file_is_read_when_no_variable_is_set(
    sparekey_remote: Remote, server: Server, tmp_path: Path
) -> None:
    missing = sparekey_remote("accounts", SPAREKEY_TOKEN=None)
    assert missing.returncode == remote.USAGE
    assert "No API token" in missing.stderr
    config = tmp_path / ".config" / "sparekey"
    config.mkdir(parents=True)
    (config / "token").write_text(server.token)
    (config / "token").chmod(0o600)
    assert sparekey_remote("accounts", SPAREKEY_TOKEN=None).returncode == 0


def test_only_http_and_https_urls_are_used(sparekey_remote: Remote) -> None:
    result = sparekey_remote("accounts", "--url", "file:///etc/passwd")
    assert result.returncode == remote.USAGE


def test_it_never_imports_django(server: Server) -> None:
    program = (
        "import sys; from sparekey.api import remote; status = remote.main(sys.argv[1:]); "
        "assert 'django' not in sys.modules, 'imported Django'; sys.exit(status)"
    )
    result = subprocess.run(
        [sys.executable, "-c", program, "--url", server.base, "accounts"],
        env={**os.environ, "SPAREKEY_TOKEN": server.token},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_a_redirect_is_not_followed_with_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str | None]] = []

    class Redirecting(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("Authorization")))
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.2:9/steal")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    listener = http.server.HTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    monkeypatch.setenv("SPAREKEY_TOKEN", "spk_aaaaaaaa_" + "b" * 43)
    out, err = io.StringIO(), io.StringIO()
    try:
        url = f"http://127.0.0.1:{listener.server_address[1]}"
        status = remote.main(["--url", url, "accounts"], out, err)
    finally:
        listener.shutdown()
    assert status == remote.FAILED
    assert "redirects to http://127.0.0.2:9/steal" in err.getvalue()
    assert len(seen) == 1
