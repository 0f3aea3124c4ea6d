"""Reading a QR code screenshot, made here with segno and Pillow, and drawing one."""

from __future__ import annotations

import base64
import io
import urllib.parse
import zlib

import pytest
import segno
import zxingcpp
from PIL import Image, ImageFilter

from sparekey.mfa import qr
from sparekey.mfa.otpauth import KeyRefused, parse_key

KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
URI = f"otpauth://totp/ACME%20Co:brand%40example.com?secret={KEY}&issuer=ACME%20Co&digits=8"


def qr_image(text: str, scale: int = 6) -> Image.Image:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=4)
    out.seek(0)
    return Image.open(out).convert("RGB")


def encoded(image: Image.Image, kind: str = "PNG", **options: object) -> io.BytesIO:
    out = io.BytesIO()
    image.save(out, kind, **options)
    out.seek(0)
    return out


def read(upload: io.BytesIO) -> object:
    return qr.read_key(upload, len(upload.getvalue()))


def test_it_reads_the_key_from_a_screenshot() -> None:
    key = read(encoded(qr_image(URI)))
    assert key == parse_key(URI)


def test_it_reads_a_photo_of_a_screen_taken_askew() -> None:
    code = qr_image(URI, scale=5)
    photo = Image.new("RGB", (900, 700), (170, 165, 150))
    photo.paste(code, (220, 140))
    photo = photo.rotate(17, resample=Image.Resampling.BICUBIC, fillcolor=(170, 165, 150))
    photo = photo.resize((640, 500), Image.Resampling.BILINEAR)
    noise = Image.effect_noise(photo.size, 28).convert("RGB")
    photo = Image.blend(photo, noise, 0.18).filter(ImageFilter.GaussianBlur(0.8))
    photo = photo.transpose(Image.Transpose.ROTATE_90)
    upload = encoded(photo, "JPEG", quality=70)
    assert read(upload) == parse_key(URI)


def test_it_says_so_when_the_image_holds_no_qr_code() -> None:
    blank = Image.new("RGB", (400, 300), (255, 255, 255))
    with pytest.raises(KeyRefused, match="No QR code was found"):
        read(encoded(blank))


def test_it_refuses_a_qr_code_that_is_not_an_authenticator_key() -> None:
    with pytest.raises(KeyRefused, match="not an authenticator key") as refused:
        read(encoded(qr_image("https://example.com/wifi?password=hunter2")))
    assert "hunter2" not in str(refused.value)


def test_it_refuses_a_counter_based_key_in_a_qr_code() -> None:
    with pytest.raises(KeyRefused, match="HOTP"):
        read(encoded(qr_image(f"otpauth://hotp/X?secret={KEY}&counter=1")))


def test_it_refuses_an_image_larger_than_the_upload_limit() -> None:
    upload = io.BytesIO(b"\x89PNG" + b"\0" * 10)
    with pytest.raises(KeyRefused, match="larger than 2 MiB"):
        qr.read_key(upload, qr.MAX_UPLOAD_BYTES + 1)


def bomb(width: int, height: int) -> bytes:
    """A PNG of a few KiB that inflates to width x height pixels: a decompression bomb."""
    row = b"\0" + b"\0" * (width // 8)
    compressed = zlib.compress(row * height, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", compressed)
    return png + chunk(b"IEND", b"")


@pytest.mark.parametrize(("side", "reason"), [(5000, "5000 x 5000 pixels"), (20_000, "far too")])
def test_it_refuses_huge_dimensions_before_decoding_a_pixel(side: int, reason: str) -> None:
    png = bomb(side, side)
    assert len(png) < 100_000
    with pytest.raises(KeyRefused, match=reason):
        qr.read_key(io.BytesIO(png), len(png))


def test_it_refuses_a_tall_thin_image() -> None:
    with pytest.raises(KeyRefused, match="pixels"):
        read(encoded(Image.new("L", (10, qr.MAX_SIDE + 1), 255)))


@pytest.mark.parametrize(
    "content",
    [b"", b"%PDF-1.7 not an image", b"GIF89a" + b"\0" * 40, b"\x89PNG\r\n\x1a\ntruncated"],
)
def test_it_refuses_what_is_not_a_png_or_jpeg(content: bytes) -> None:
    with pytest.raises(KeyRefused, match="not a PNG or JPEG"):
        qr.read_key(io.BytesIO(content), len(content))


def test_a_gif_with_a_qr_code_is_refused_too() -> None:
    with pytest.raises(KeyRefused, match="not a PNG or JPEG"):
        read(encoded(qr_image(URI), "GIF"))


def test_the_qr_code_it_draws_holds_the_key() -> None:
    key = parse_key(URI)
    uri = qr.data_uri(key)
    assert uri.startswith("data:image/svg+xml")
    assert KEY not in uri  # drawn, not written
    svg = urllib.parse.unquote(uri.split(",", 1)[1])
    assert "<svg" in svg
    # Draw it as a PNG the same way and read it back.
    png = io.BytesIO()
    segno.make(qr.to_uri(key), error="m").save(png, kind="png", scale=5)
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.getvalue())))
    assert parse_key(found[0].text) == key
    assert base64.b32encode(key.secret).decode().rstrip("=") == KEY
