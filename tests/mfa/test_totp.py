"""RFC 6238's own test vectors, and pyotp's codes for random keys."""

from __future__ import annotations

import base64

import pyotp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparekey.mfa.totp import TotpKey, code_at, hotp, seconds_left

# RFC 6238 Appendix B: the seed is the ASCII digits repeated to the hash's length; 8 digits.
SEEDS = {
    "SHA1": b"12345678901234567890",
    "SHA256": b"12345678901234567890123456789012",
    "SHA512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
VECTORS = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("unix_time", "sha1", "sha256", "sha512"), VECTORS)
def test_it_makes_the_rfc_6238_codes(unix_time: int, sha1: str, sha256: str, sha512: str) -> None:
    for algorithm, expected in (("SHA1", sha1), ("SHA256", sha256), ("SHA512", sha512)):
        key = TotpKey(secret=SEEDS[algorithm], algorithm=algorithm, digits=8)
        assert code_at(key, unix_time) == expected, algorithm


def test_it_makes_the_rfc_4226_hotp_codes() -> None:
    expected = ["755224", "287082", "359152", "969429", "338314"]
    assert [hotp(SEEDS["SHA1"], n) for n in range(5)] == expected


@settings(max_examples=200, deadline=None)
@given(
    secret=st.binary(min_size=16, max_size=64),  # pyotp wants 128 bits
    unix_time=st.integers(min_value=0, max_value=2**35),
    algorithm=st.sampled_from(["SHA1", "SHA256", "SHA512"]),
    digits=st.integers(min_value=6, max_value=8),
    period=st.sampled_from([15, 30, 60]),
)
def test_it_agrees_with_pyotp(
    secret: bytes, unix_time: int, algorithm: str, digits: int, period: int
) -> None:
    key = TotpKey(secret=secret, algorithm=algorithm, digits=digits, period=period)
    theirs = pyotp.TOTP(
        base64.b32encode(secret).decode(),
        digits=digits,
        digest=algorithm.lower(),
        interval=period,
    )
    assert code_at(key, unix_time) == theirs.at(unix_time)


def test_seconds_left_counts_down_to_the_next_code() -> None:
    key = TotpKey(secret=SEEDS["SHA1"])
    assert seconds_left(key, 60) == 30
    assert seconds_left(key, 89.9) == 1
    assert seconds_left(key, 75) == 15


def test_the_secret_never_shows_in_its_repr() -> None:
    key = TotpKey(secret=b"SECRETSECRETSECRET")
    assert "SECRET" not in repr(key)
    assert "SECRET" not in str(key)


@pytest.mark.parametrize(
    "bad", [{"algorithm": "MD5"}, {"digits": 5}, {"digits": 9}, {"period": 0}, {"period": 3600}]
)
def test_it_refuses_codes_it_cannot_make(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TotpKey(secret=SEEDS["SHA1"], **bad)  # type: ignore[arg-type]
