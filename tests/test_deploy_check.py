from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_check_deploy_is_clean_with_https_on(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SPAREKEY_DATA_DIR": str(tmp_path),
        "SPAREKEY_HTTPS": "true",
        "SPAREKEY_ALLOWED_HOSTS": "vault.example.com",
        "SPAREKEY_BASE_URL": "https://vault.example.com",
        "SPAREKEY_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "sparekey.settings",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "sparekey", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_wildcard_host_refuses_to_start(tmp_path: Path) -> None:
    env = {**os.environ, "SPAREKEY_DATA_DIR": str(tmp_path), "SPAREKEY_ALLOWED_HOSTS": "*"}
    env["DJANGO_SETTINGS_MODULE"] = "sparekey.settings"
    result = subprocess.run(
        [sys.executable, "-m", "sparekey", "check"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "not '*'" in result.stderr


def test_the_generated_secret_key_is_private_and_stable(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SPAREKEY_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "sparekey.settings",
    }
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    run = [sys.executable, "-c", f"import django; django.setup(); {code}"]
    first = subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout
    second = subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout
    assert first == second and len(first.strip()) >= 50
    assert oct((tmp_path / "secret.key").stat().st_mode & 0o777) == "0o600"
