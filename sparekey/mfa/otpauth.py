"""Reading an authenticator key in the shapes services hand it out, and writing it back.

A service shows either the bare key in base32 (often in groups of four, sometimes lowercase) or
an ``otpauth://totp/Issuer:account?secret=...&issuer=...`` URI, usually as a QR code. Refusals
say why in words a user can act on, and never repeat the key.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from .totp import ALGORITHMS, DIGITS, PERIODS, TotpKey

MIN_SECRET_BITS = 80  # RFC 4226 section 4: "MUST be at least 128 bits", 160 recommended;
# 80 is the shortest that real services hand out (16 base32 characters).
MAX_SECRET_BYTES = 128
MAX_TEXT_CHARS = 2048
BASE32 = re.compile(r"[A-Z2-7]+")
SEPARATORS = re.compile(r"[\s\-]+")


class KeyRefused(ValueError):
    """The text or image holds no usable authenticator key; ``str()`` says why."""


def parse_key(text: str) -> TotpKey:
    """A TotpKey from a base32 key or an otpauth:// URI, else KeyRefused."""
    text = text.strip()
    if not text:
        raise KeyRefused("Paste the Secret Key, or choose a screenshot of its QR code.")
    if len(text) > MAX_TEXT_CHARS:
        raise KeyRefused(f"That is longer than {MAX_TEXT_CHARS} characters: not a Secret Key.")
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    if scheme == "otpauth":
        return parse_uri(text)
    if scheme == "otpauth-migration":
        raise KeyRefused(
            "That is an authenticator app's export of several keys (otpauth-migration://), not "
            "one key. Export or show the QR code of this one account instead."
        )
    if scheme in {"http", "https"}:
        raise KeyRefused("That is a web address, not a Secret Key.")
    return TotpKey(secret=decode_base32(text))


def decode_base32(text: str) -> bytes:
    """Base32 as services print it: any case, spaces or dashes between groups, padding or not."""
    letters = SEPARATORS.sub("", text).upper().rstrip("=")
    if not letters or not BASE32.fullmatch(letters):
        raise KeyRefused(
            "That is not a base32 Secret Key: a key uses only the letters A to Z and the "
            "digits 2 to 7 (spaces are fine)."
        )
    padded = letters + "=" * (-len(letters) % 8)
    try:
        secret = base64.b32decode(padded)
    except binascii.Error:
        raise KeyRefused(
            "That is not a whole base32 Secret Key: a character is missing or extra. "
            "Copy the key again."
        ) from None
    if len(secret) * 8 < MIN_SECRET_BITS:
        raise KeyRefused(
            f"That Secret Key is too short ({len(secret) * 8} bits; at least "
            f"{MIN_SECRET_BITS}, that is 16 characters). Copy the whole key."
        )
    if len(secret) > MAX_SECRET_BYTES:
        raise KeyRefused(f"That Secret Key is longer than {MAX_SECRET_BYTES * 8} bits.")
    return secret


def parse_uri(uri: str) -> TotpKey:
    parts = urlsplit(uri)
    kind = parts.netloc.lower()
    if kind == "hotp":
        raise KeyRefused(
            "That is a counter-based (HOTP) key. Sparekey shows time-based codes (TOTP): "
            "choose an authenticator app (TOTP) in the service's MFA set-up instead."
        )
    if kind != "totp":
        raise KeyRefused("That otpauth:// address is not a time-based (TOTP) key.")
    query = {name.lower(): values[-1] for name, values in parse_qs(parts.query).items()}
    if not query.get("secret"):
        raise KeyRefused("That otpauth:// address holds no secret.")
    secret = decode_base32(query["secret"])
    algorithm = query.get("algorithm", "SHA1").upper().replace("-", "")
    if algorithm not in ALGORITHMS:
        raise KeyRefused(
            "That key uses an algorithm Sparekey does not know; SHA1, SHA256 and SHA512 work."
        )
    digits = _number(query.get("digits", "6"), DIGITS, "Codes of 6, 7 or 8 digits work.")
    period = _number(
        query.get("period", "30"), PERIODS, "Codes that change every 10 to 300 seconds work."
    )
    label = unquote(parts.path.lstrip("/"))
    label_issuer, _, account_name = label.rpartition(":")
    return TotpKey(
        secret=secret,
        algorithm=algorithm,
        digits=digits,
        period=period,
        issuer=(query.get("issuer") or label_issuer).strip(),
        account_name=account_name.strip(),
    )


def _number(value: str, allowed: range, hint: str) -> int:
    if not value.strip().isdigit() or int(value) not in allowed:
        raise KeyRefused(f"That key asks for codes Sparekey cannot make. {hint}")
    return int(value)


def to_base32(key: TotpKey) -> str:
    """The secret in unpadded base32, in groups of four for reading aloud or typing."""
    letters = base64.b32encode(key.secret).decode().rstrip("=")
    return " ".join(letters[i : i + 4] for i in range(0, len(letters), 4))


def to_uri(key: TotpKey) -> str:
    """The key as an otpauth:// URI, the form authenticator apps read from a QR code."""
    label = ":".join(quote(part, safe="") for part in (key.issuer, key.account_name) if part)
    params = {"secret": base64.b32encode(key.secret).decode().rstrip("=")}
    if key.issuer:
        params["issuer"] = key.issuer
    params |= {"algorithm": key.algorithm, "digits": str(key.digits), "period": str(key.period)}
    return f"otpauth://totp/{label or 'Sparekey'}?{urlencode(params, quote_via=quote)}"
