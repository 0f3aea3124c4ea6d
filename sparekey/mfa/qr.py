"""QR codes: reading a screenshot a service showed, and drawing one to move a key elsewhere.

An uploaded image is untrusted input. Its byte size and its pixel dimensions are checked before a
single pixel is decoded (a small PNG can inflate to gigabytes: a decompression bomb), and only
PNG and JPEG decoders are offered to it.
"""

from __future__ import annotations

from typing import IO

import segno
import zxingcpp
from PIL import Image, UnidentifiedImageError

from .otpauth import KeyRefused, parse_uri, to_uri
from .totp import TotpKey

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4096
MAX_PIXELS = 12_000_000
FORMATS = ("PNG", "JPEG")
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def read_key(upload: IO[bytes], size: int) -> TotpKey:
    """The TotpKey in the QR code of a PNG or JPEG image, else KeyRefused."""
    if size > MAX_UPLOAD_BYTES:
        raise KeyRefused(
            f"That image is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB. "
            "Crop the screenshot to the QR code."
        )
    try:
        with Image.open(upload, formats=FORMATS) as image:
            width, height = image.size
            if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                raise KeyRefused(
                    f"That image is {width} x {height} pixels; at most {MAX_SIDE} x {MAX_SIDE} "
                    "works. Crop the screenshot to the QR code."
                )
            grey = image.convert("L")
    except Image.DecompressionBombError:
        raise KeyRefused(
            f"That image has far too many pixels; at most {MAX_SIDE} x {MAX_SIDE} works. "
            "Crop the screenshot to the QR code."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise KeyRefused("That file is not a PNG or JPEG image.") from None
    found = zxingcpp.read_barcodes(grey, formats=QR_ONLY)
    if not found:
        raise KeyRefused(
            "No QR code was found in that image. Take a sharper screenshot with the whole "
            "QR code in it, or paste the Secret Key instead."
        )
    text = found[0].text.strip()
    if not text.lower().startswith("otpauth://"):
        raise KeyRefused(
            "That QR code is not an authenticator key (it does not start with otpauth://). "
            "Use the QR code the service shows when you set up an authenticator app."
        )
    return parse_uri(text)


def data_uri(key: TotpKey) -> str:
    """An SVG of the key's QR code as a data: URI (the page's CSP allows data: images)."""
    return str(segno.make(to_uri(key), error="m").svg_data_uri(scale=5, border=2))
