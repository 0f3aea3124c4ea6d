"""`sparekey remote`: the terminal client of Sparekey's JSON API.

It is only a client: the standard library and HTTP, no Django, no settings, no database and no
data directory (sparekey.cli runs it before setting Django up). The token comes from
--token-file, else SPAREKEY_TOKEN, else ~/.config/sparekey/token; a file must be mode 0600.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import stat
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

DEFAULT_URL = "http://127.0.0.1:8000"
API_PATH = "/api/v1"

# Exit statuses, for scripts (docs/api.md lists them).
OK = 0
FAILED = 1  # any other error the server reported, or a response that is not Sparekey's
USAGE = 2  # bad arguments or configuration: no token, a token file others can read, ...
REFUSED = 3  # the token was refused (401) or lacks the scope (403)
NOT_FOUND = 4  # no such account (or none you hold the needed role on), or an ambiguous name
NO_CODES = 5  # no unused backup codes are left (409)
RATE_LIMITED = 6  # too many requests (429); Retry-After says when to try again
UNREACHABLE = 7  # the server could not be reached

EXIT_BY_STATUS = {401: REFUSED, 403: REFUSED, 404: NOT_FOUND, 409: NO_CODES, 429: RATE_LIMITED}


class ClientError(Exception):
    def __init__(self, message: str, exit_status: int = FAILED) -> None:
        self.message = message
        self.exit_status = exit_status
        super().__init__(message)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """urllib would resend the Authorization header to wherever a redirect points."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Client:
    def __init__(self, url: str, token: str, timeout: float) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in {"http", "https"} or not parsed.hostname:
            raise ClientError(f"--url must be an http:// or https:// address, not {url!r}.", USAGE)
        self.base = url.rstrip("/") + API_PATH
        self.token = token
        self.timeout = timeout
        self.opener = urllib.request.build_opener(_NoRedirects)
        self.insecure = parsed.scheme == "http" and not _is_loopback(parsed.hostname)

    def call(self, method: str, path: str, query: dict[str, str] | None = None) -> Any:
        url = self.base + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        request = urllib.request.Request(  # noqa: S310  (http and https only: see __init__)
            url,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/json",
                "User-Agent": "sparekey-remote",
            },
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return _json(response.read(), response.status)
        except urllib.error.HTTPError as error:
            raise _from_http_error(error) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            raise ClientError(f"Cannot reach {self.base}: {reason}.", UNREACHABLE) from None

    def accounts(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        query = {"limit": "200"}
        while True:
            page = self.call("GET", "/accounts", query)
            found += page["accounts"]
            if not page.get("next_cursor"):
                return found
            query = {"limit": "200", "cursor": page["next_cursor"]}

    def account_id(self, account: str) -> str:
        """ACCOUNT as given: an id, or a name that exactly one of your accounts has."""
        try:
            return str(uuid.UUID(account))
        except ValueError:
            pass
        wanted = account.strip().casefold()
        matches = [found for found in self.accounts() if found["name"].casefold() == wanted]
        if not matches:
            raise ClientError(
                f"No account of yours is named {account!r}; `sparekey remote accounts` lists them.",
                NOT_FOUND,
            )
        if len(matches) > 1:
            choices = ", ".join(f"{found['id']} ({found['app']})" for found in matches)
            raise ClientError(
                f"{len(matches)} of your accounts are named {account!r}: {choices}. "
                "Give the id instead.",
                NOT_FOUND,
            )
        return str(matches[0]["id"])


def main(argv: list[str], stdout: IO[str] | None = None, stderr: IO[str] | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    args = _parser().parse_args(argv)
    # Not parser defaults: the subparsers share the options' actions, and a default there would
    # overwrite an option given before the command.
    defaults = {
        "url": os.environ.get("SPAREKEY_URL", DEFAULT_URL),
        "token_file": None,
        "json": False,
        "timeout": 30.0,
    }
    for name, value in defaults.items():
        if not hasattr(args, name):
            setattr(args, name, value)
    try:
        token = read_token(args.token_file)
        client = Client(args.url, token, args.timeout)
        if client.insecure:
            err.write("sparekey remote: warning: sending the token unencrypted (http://).\n")
        COMMANDS[args.command](client, args, out, err)
    except ClientError as error:
        err.write(f"sparekey remote: {error.message}\n")
        return error.exit_status
    except BrokenPipeError:
        return OK  # `... | head` closed the pipe: nothing went wrong
    return OK


def read_token(token_file: Path | None) -> str:
    if token_file is None and (from_env := os.environ.get("SPAREKEY_TOKEN", "").strip()):
        return from_env
    path = token_file or default_token_file()
    try:
        status = path.stat()
    except FileNotFoundError:
        if token_file is not None:
            raise ClientError(f"The token file {path} does not exist.", USAGE) from None
        raise ClientError(
            f"No API token: set SPAREKEY_TOKEN, or save the token in {path} (mode 0600), or "
            "pass --token-file. Create one on the API tokens page or with "
            "`sparekey token create`.",
            USAGE,
        ) from None
    if not stat.S_ISREG(status.st_mode):
        raise ClientError(f"The token file {path} is not a regular file.", USAGE)
    if status.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ClientError(
            f"The token file {path} can be read or written by others (mode "
            f"{stat.S_IMODE(status.st_mode):o}); run `chmod 600 {path}`.",
            USAGE,
        )
    token = path.read_text().strip()
    if not token:
        raise ClientError(f"The token file {path} is empty.", USAGE)
    return token


def default_token_file() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "sparekey" / "token"


def list_accounts(client: Client, args: argparse.Namespace, out: IO[str], err: IO[str]) -> None:
    accounts = client.accounts()
    if args.json:
        _print_json(out, accounts)
        return
    if not accounts:
        err.write("No account is shared with you yet.\n")
        return
    rows = [("NAME", "APP", "ROLE", "BACKUP CODES", "ID")]
    for account in accounts:
        codes = account["backup_codes"]
        state = f"{codes['unused']} of {codes['total']} unused" if codes["saved"] else "not saved"
        if codes["low"]:
            state += " (low)"
        rows.append((account["name"], account["app"], account["role"], state, account["id"]))
    _print_table(out, rows)


def list_codes(client: Client, args: argparse.Namespace, out: IO[str], err: IO[str]) -> None:
    account = client.account_id(args.account)
    if args.reveal:
        result = client.call("POST", f"/accounts/{account}/backup-codes/reveal")
    else:
        result = client.call("GET", f"/accounts/{account}/backup-codes")
    if args.json:
        _print_json(out, result)
        return
    if not result["codes"]:
        err.write("No backup codes are saved for this account.\n")
        return
    rows = [("#", "CODE", "STATE", "USED") if args.reveal else ("#", "STATE", "USED")]
    for code in result["codes"]:
        used = f"{code['used_at']} by {code['used_by'] or '?'}" if code["used_at"] else ""
        cells = (str(code["position"]), code["state"], used)
        rows.append((cells[0], code["code"], *cells[1:]) if args.reveal else cells)
    _print_table(out, rows)
    if not args.reveal:
        err.write(f"{result['unused']} of {result['total']} unused.\n")


def next_code(client: Client, args: argparse.Namespace, out: IO[str], err: IO[str]) -> None:
    account = client.account_id(args.account)
    claimed = client.call("POST", f"/accounts/{account}/backup-codes/claim")
    if args.json:
        _print_json(out, claimed)
        return
    # Only the code on stdout, so that `code=$(sparekey remote next-code X)` just works.
    out.write(f"{claimed['code']}\n")
    err.write(
        f"Code #{claimed['position']} is now marked used by you; "
        f"{claimed['unused']} of {claimed['total']} unused.\n"
    )
    if claimed["low"]:
        err.write("Backup codes are running out: generate new ones and replace them.\n")


COMMANDS: dict[str, Callable[[Client, argparse.Namespace, IO[str], IO[str]], None]] = {
    "accounts": list_accounts,
    "codes": list_codes,
    "next-code": next_code,
}


def _parser() -> argparse.ArgumentParser:
    # The options are accepted before and after the command (`remote --json accounts` and
    # `remote accounts --json`): each subparser has them too, without defaults of its own.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=argparse.SUPPRESS, help="the Sparekey server")
    common.add_argument(
        "--token-file",
        type=Path,
        default=argparse.SUPPRESS,
        help="a file holding the token, mode 0600 (default: $SPAREKEY_TOKEN, else "
        "~/.config/sparekey/token)",
    )
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print the API's JSON"
    )
    common.add_argument("--timeout", type=float, default=argparse.SUPPRESS, help="seconds")
    parser = argparse.ArgumentParser(
        prog="sparekey remote",
        parents=[common],
        description="Use a Sparekey server's API with a personal token.",
        epilog=f"--url defaults to $SPAREKEY_URL or {DEFAULT_URL}. Exit statuses: 0 ok, 1 error, "
        "2 usage or configuration, 3 token refused, 4 no such account, 5 no unused codes left, "
        "6 rate-limited, 7 server unreachable.",
    )
    commands = parser.add_subparsers(dest="command", metavar="command", required=True)
    commands.add_parser("accounts", parents=[common], help="list your accounts")
    codes = commands.add_parser(
        "codes", parents=[common], help="an account's backup codes: state only, or --reveal"
    )
    codes.add_argument("account", help="the account's id, or its name")
    codes.add_argument("--reveal", action="store_true", help="show the codes (scope `reveal`)")
    claim = commands.add_parser(
        "next-code", parents=[common], help="claim the next unused code and print it"
    )
    claim.add_argument("account", help="the account's id, or its name")
    return parser


def _from_http_error(error: urllib.error.HTTPError) -> ClientError:
    status = error.code
    try:
        shape = json.loads(error.read())["error"]
        message, code = str(shape["message"]), str(shape["code"])
    except (ValueError, KeyError, TypeError, OSError):
        if 300 <= status < 400:
            where = error.headers.get("Location", "elsewhere")
            return ClientError(f"The server redirects to {where}; pass that as --url.")
        return ClientError(
            f"The server answered HTTP {status}, not as Sparekey does; is --url right?"
        )
    exit_status = EXIT_BY_STATUS.get(status, FAILED)
    text = f"{message} ({code}, HTTP {status})"
    if retry_after := error.headers.get("Retry-After"):
        text += f"; try again in {retry_after} s"
    return ClientError(text, exit_status)


def _json(body: bytes, status: int) -> Any:
    if status == 204:
        return None
    try:
        return json.loads(body)
    except ValueError:
        raise ClientError("The server's answer is not JSON; is --url right?") from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _print_json(out: IO[str], value: Any) -> None:
    out.write(json.dumps(value, indent=2) + "\n")


def _print_table(out: IO[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        out.write("  ".join(cells).rstrip() + "\n")
