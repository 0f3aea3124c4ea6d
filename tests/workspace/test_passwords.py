from __future__ import annotations

from django.contrib.auth.hashers import make_password

import sparekey.settings as production


def test_passwords_are_hashed_with_argon2id() -> None:
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    from django.contrib.auth.hashers import Argon2PasswordHasher

    assert make_password("x", hasher=Argon2PasswordHasher()).startswith("argon2$argon2id$")
