"""The shapes services hand out an authenticator key in, and the ones Sparekey refuses."""

from __future__ import annotations

import base64

import pytest

from sparekey.mfa.otpauth import KeyRefused, parse_key, to_base32, to_uri

# "Hello!\xde\xad\xbe\xef" as base32, the classic example key (80 bits).
KEY = "JBSWY3DPEHPK3PXP"
SECRET = base64.b32decode(KEY)
LONG = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # 160 bits


@pytest.mark.parametrize(
    "text",
    [
        KEY,
        KEY.lower(),
        "jbsw y3dp ehpk 3pxp",
        "JBSW-Y3DP-EHPK-3PXP",
        "  JBSWY3DP\tEHPK3PXP\n",
        "JBSWY3DPEHPK3PXP======",
    ],
)
def test_it_reads_a_bare_base32_key_however_it_is_printed(text: str) -> None:
    key = parse_key(text)
    assert key.secret == SECRET
    assert (key.algorithm, key.digits, key.period) == ("SHA1", 6, 30)


URIS = [
    # (uri, issuer, account name, algorithm, digits, period)
    (
        f"otpauth://totp/Example:alice@google.com?secret={KEY}&issuer=Example",
        "Example",
        "alice@google.com",
        "SHA1",
        6,
        30,
    ),
    (f"otpauth://totp/alice@example.com?secret={KEY}", "", "alice@example.com", "SHA1", 6, 30),
    (f"otpauth://totp/GitHub:brand?secret={KEY}", "GitHub", "brand", "SHA1", 6, 30),
    (
        f"otpauth://totp/ACME%20Co:john.doe%40email.com?secret={KEY}&issuer=ACME%20Co"
        "&algorithm=SHA256&digits=8&period=60",
        "ACME Co",
        "john.doe@email.com",
        "SHA256",
        8,
        60,
    ),
    (
        f"otpauth://totp/Label%3Aname?issuer=Param%20Wins&secret={KEY.lower()}",
        "Param Wins",
        "name",
        "SHA1",
        6,
        30,
    ),
    (f"otpauth://totp/AWS?secret={LONG}&algorithm=sha512&digits=7", "", "AWS", "SHA512", 7, 30),
    (
        f"OTPAUTH://TOTP/X:brand?SECRET={KEY}%3D%3D%3D%3D%3D%3D&Issuer=X",
        "X",
        "brand",
        "SHA1",
        6,
        30,
    ),
    (f"otpauth://totp/?secret={KEY}", "", "", "SHA1", 6, 30),
    (
        "otpauth://totp/Name%20With%20Spaces?secret=jbsw%20y3dp%20ehpk%203pxp&image=https%3A%2F%2Fx",
        "",
        "Name With Spaces",
        "SHA1",
        6,
        30,
    ),
]


@pytest.mark.parametrize(("uri", "issuer", "name", "algorithm", "digits", "period"), URIS)
def test_it_reads_otpauth_uris_as_services_write_them(
    uri: str, issuer: str, name: str, algorithm: str, digits: int, period: int
) -> None:
    key = parse_key(uri)
    assert key.secret in {SECRET, base64.b32decode(LONG)}
    assert (key.issuer, key.account_name) == (issuer, name)
    assert (key.algorithm, key.digits, key.period) == (algorithm, digits, period)


BAD = [
    ("", "Paste the Secret Key"),
    ("   ", "Paste the Secret Key"),
    ("JBSWY3DPEHPK3PX1", "not a base32"),
    ("JBSWY3DPEHPK3PX8", "not a base32"),
    ("hello world!", "not a base32"),
    ("JBSWY3DPEHPK", "too short"),
    ("JBSWY3DPEHPK3PXPA", "not a whole base32"),
    ("A" * 300, "longer than"),
    ("x" * 3000, "longer than 2048"),
    (f"otpauth://hotp/X:brand?secret={KEY}&counter=0", "counter-based (HOTP)"),
    (f"otpauth://steam/X?secret={KEY}", "not a time-based"),
    ("otpauth://totp/X:brand?issuer=X", "holds no secret"),
    (f"otpauth://totp/X?secret={KEY}&algorithm=MD5", "algorithm"),
    (f"otpauth://totp/X?secret={KEY}&digits=10", "6, 7 or 8 digits"),
    (f"otpauth://totp/X?secret={KEY}&digits=six", "6, 7 or 8 digits"),
    (f"otpauth://totp/X?secret={KEY}&period=0", "10 to 300 seconds"),
    (f"otpauth://totp/X?secret={KEY}&period=-30", "10 to 300 seconds"),
    ("otpauth://totp/X?secret=JBSWY3DP", "too short"),
    ("otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8", "export"),
    ("https://example.com/setup", "web address"),
]


@pytest.mark.parametrize(("text", "reason"), BAD)
def test_it_refuses_what_is_no_usable_key_and_says_why(text: str, reason: str) -> None:
    with pytest.raises(KeyRefused) as refused:
        parse_key(text)
    assert reason in str(refused.value)


def test_a_refusal_never_repeats_the_key() -> None:
    with pytest.raises(KeyRefused) as refused:
        parse_key(f"otpauth://totp/X?secret={KEY}&algorithm=MD5")
    assert KEY not in str(refused.value)


def test_the_uri_it_writes_reads_back_the_same() -> None:
    key = parse_key(URIS[3][0])
    again = parse_key(to_uri(key))
    assert again == key


def test_base32_is_shown_in_groups_of_four() -> None:
    assert to_base32(parse_key(KEY)) == "JBSW Y3DP EHPK 3PXP"
    assert parse_key(to_base32(parse_key(LONG))).secret == base64.b32decode(LONG)
