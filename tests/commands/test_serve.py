from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.commands.conftest import Run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_prepares_the_data_dir_prints_a_setup_link_and_serves(tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    env = {
        **os.environ,
        "SPAREKEY_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "sparekey.settings",
    }
    for name in ("DATABASE_URL", "SPAREKEY_TEST_DB", "SPAREKEY_MASTER_KEY"):
        env.pop(name, None)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "sparekey", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = ""
        deadline = time.monotonic() + 60
        assert server.stdout is not None
        while "Serving Sparekey" not in output and time.monotonic() < deadline:
            output += server.stdout.readline()
        link = re.search(rf"http://127\.0\.0\.1:{port}/setup/[\w-]+/", output)
        assert link, output
        for _ in range(100):
            try:
                page = urllib.request.urlopen(link.group(0), timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert "Create your workspace" in page
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/sparekey/sparekey.css")
        assert css.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert stat.S_IMODE((data / "master.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "secret.key").stat().st_mode) == 0o600
    assert (data / "sparekey.sqlite3").exists()


def test_a_missing_key_over_existing_data_stops_the_server(sparekey: Run, tmp_path: Path) -> None:
    password = "correct horse battery staple\n"
    sparekey(
        "adduser",
        "a@example.com",
        "--role",
        "owner",
        "--password-stdin",
        stdin=password,
        check=True,
    )
    sparekey("addaccount", "Brand X", "--app", "X", "--owner", "a@example.com", check=True)
    key_file = tmp_path / "data" / "master.key"
    key_file.unlink()
    result = sparekey("serve", "--port", str(free_port()))
    assert result.returncode == 1
    assert "is missing" in result.stderr
    assert "never creates a new key over existing data" in result.stderr
    assert not key_file.exists()


def test_a_wrong_master_key_names_the_key_it_needs(sparekey: Run, tmp_path: Path) -> None:
    password = "correct horse battery staple\n"
    sparekey(
        "adduser",
        "a@example.com",
        "--role",
        "owner",
        "--password-stdin",
        stdin=password,
        check=True,
    )
    sparekey("addaccount", "Brand X", "--app", "X", "--owner", "a@example.com", check=True)
    import base64
    import json

    key_id = json.loads((tmp_path / "data" / "master.key").read_text())["current"]
    sparekey.env["SPAREKEY_MASTER_KEY"] = base64.b64encode(os.urandom(32)).decode()  # type: ignore[attr-defined]
    result = sparekey("serve", "--port", str(free_port()))
    assert result.returncode == 1
    assert key_id in result.stderr
