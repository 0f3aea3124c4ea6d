"""A SoftHSM2 token in a temporary directory, for the PKCS#11 tests.

Skipped, with the reason, where SoftHSM2 or python-pkcs11 is missing; a failure instead when
CI=true, since CI installs both and a skip there would hide the tests.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

MODULES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)
TOKEN_LABEL = "sparekey-test"
PIN = "271828"
SO_PIN = "314159"


def softhsm_module() -> str:
    """The SoftHSM2 library, or a skip (a failure on CI) that says what is missing."""
    missing = []
    module = next((path for path in MODULES if Path(path).exists()), None)
    if module is None or shutil.which("softhsm2-util") is None:
        missing.append("SoftHSM2 (apt-get install softhsm2)")
    if importlib.util.find_spec("pkcs11") is None:
        missing.append("python-pkcs11 (pip install 'sparekey[hsm]')")
    if missing:
        reason = f"PKCS#11 tests need {' and '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must install them.")
        pytest.skip(reason)
    assert module is not None
    return module


def make_token(directory: Path, label: str = TOKEN_LABEL) -> dict[str, str]:
    """A fresh token with its own store; the environment that points Sparekey at it."""
    module = softhsm_module()
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    config = directory / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    env = {"SOFTHSM2_CONF": str(config)}
    init = ["softhsm2-util", "--init-token", "--free", "--label", label]
    subprocess.run(
        [*init, "--pin", PIN, "--so-pin", SO_PIN],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    pin_file = directory / "pin"
    pin_file.write_text(PIN + "\n")
    pin_file.chmod(0o600)
    return {
        **env,
        "SPAREKEY_PKCS11_MODULE": module,
        "SPAREKEY_PKCS11_TOKEN_LABEL": label,
        "SPAREKEY_PKCS11_PIN_FILE": str(pin_file),
    }
