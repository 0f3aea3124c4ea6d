"""The README's configuration table names every environment variable the settings read.

A setting nobody can find is a setting nobody sets; this keeps the table from drifting as
settings are added. A family written as ``SPAREKEY_EMAIL_*`` or ``_SUFFIX`` counts for its members.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ = re.compile(r"env(?:_int|_bool|_secret)?\(\s*\"(SPAREKEY_[A-Z0-9_]+)\"")


def settings_variables() -> set[str]:
    return set(READ.findall((ROOT / "sparekey" / "settings.py").read_text()))


def documented(name: str, readme: str) -> bool:
    if f"`{name}`" in readme or f"`{name} " in readme or f"`{name}=" in readme:
        return True
    # A family: `SPAREKEY_EMAIL_*`, or a row that names the rest as `_SUFFIX` after its prefix.
    parts = name.split("_")
    for cut in range(1, len(parts)):
        prefix, rest = "_".join(parts[:cut]), "_".join(parts[cut:])
        if f"`{prefix}_*`" in readme:
            return True
        for row in readme.splitlines():
            if f"`{prefix}_" in row and f"`_{rest}`" in row:
                return True
    return False


def test_the_settings_read_environment_variables() -> None:
    # If the pattern stopped matching, the test below would pass vacuously.
    assert {"SPAREKEY_DATA_DIR", "SPAREKEY_REAUTH_SECONDS"} <= settings_variables()


def test_every_environment_variable_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in settings_variables() if not documented(name, readme))
    assert not missing, f"add these to the README's configuration table: {missing}"
