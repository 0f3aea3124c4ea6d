"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP). Pure: no Django, no I/O."""

from __future__ import annotations

import hmac
import struct
from dataclasses import dataclass

# The otpauth names of the HMAC hashes RFC 6238 allows, and hashlib's names for them.
ALGORITHMS = {"SHA1": "sha1", "SHA256": "sha256", "SHA512": "sha512"}
DIGITS = range(6, 9)
PERIODS = range(10, 301)  # seconds; services use 30, a few 60


@dataclass(frozen=True, repr=False)
class TotpKey:
    """An authenticator key and how its codes are made. repr() never shows the secret."""

    secret: bytes
    algorithm: str = "SHA1"
    digits: int = 6
    period: int = 30
    issuer: str = ""
    account_name: str = ""

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {self.algorithm!r}")
        if self.digits not in DIGITS:
            raise ValueError("digits must be 6, 7 or 8")
        if self.period not in PERIODS:
            raise ValueError("period must be 10 to 300 seconds")

    def __repr__(self) -> str:
        return f"<TotpKey {self.algorithm} {self.digits} digits every {self.period} s>"


def hotp(secret: bytes, counter: int, *, digits: int = 6, algorithm: str = "SHA1") -> str:
    digest = hmac.new(secret, struct.pack(">Q", counter), ALGORITHMS[algorithm]).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def code_at(key: TotpKey, unix_time: float) -> str:
    return hotp(
        key.secret, int(unix_time) // key.period, digits=key.digits, algorithm=key.algorithm
    )


def seconds_left(key: TotpKey, unix_time: float) -> int:
    """Whole seconds until the code shown at ``unix_time`` changes (1 to period)."""
    return key.period - int(unix_time) % key.period
