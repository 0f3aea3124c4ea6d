from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


def command_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "SPAREKEY_DATA_DIR": str(data_dir)}
    env["DJANGO_SETTINGS_MODULE"] = "sparekey.settings"
    for name in ("DATABASE_URL", "SPAREKEY_TEST_DB", "SPAREKEY_MASTER_KEY"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="session")
def migrated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory migrated once (no key yet); each test starts from a copy of it."""
    data_dir = tmp_path_factory.mktemp("template") / "data"
    subprocess.run(
        [sys.executable, "-m", "sparekey", "migrate"],
        env=command_env(data_dir),
        check=True,
        capture_output=True,
    )
    return data_dir


@pytest.fixture
def sparekey(tmp_path: Path, migrated_data_dir: Path) -> Run:
    """Run the real `sparekey` command in a fresh data directory, as a user would."""
    shutil.copytree(migrated_data_dir, tmp_path / "data")
    env = command_env(tmp_path / "data")

    def run(*args: str, stdin: str = "", check: bool = False) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "sparekey", *args],
            input=stdin,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    run.env = env  # type: ignore[attr-defined]
    return run
