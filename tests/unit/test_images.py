import io
import struct
import zlib

import pytest
from PIL import Image

from chalicelib.demo import badge_png
from chalicelib.domain.errors import PayloadTooLarge, ValidationFailed
from chalicelib.domain.images import validate_png

MIB = 1024 * 1024


def _png(w, h):
    out = io.BytesIO()
    Image.new("RGB", (w, h), (10, 20, 30)).save(out, format="PNG")
    return out.getvalue()


def _bomb(w=30000, h=30000) -> bytes:
    """A tiny file that claims a huge canvas: header says w x h, data is a few zero rows."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    raw = zlib.compress(b"\x00" * (w + 1) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_accepts_a_real_png():
    assert validate_png(badge_png(), max_bytes=MIB, max_side=2048) == (400, 400)


def test_refuses_other_formats_and_garbage():
    jpeg = io.BytesIO()
    Image.new("RGB", (10, 10)).save(jpeg, format="JPEG")
    for data in [jpeg.getvalue(), b"GIF89a....", b"", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"<svg></svg>"]:
        with pytest.raises(ValidationFailed):
            validate_png(data, max_bytes=MIB, max_side=2048)


def test_refuses_truncated_png():
    data = _png(64, 64)
    with pytest.raises(ValidationFailed):
        validate_png(data[: len(data) - 30], max_bytes=MIB, max_side=2048)


def test_refuses_oversized_files_and_dimensions():
    with pytest.raises(PayloadTooLarge):
        validate_png(b"\x89PNG\r\n\x1a\n" + b"\x00" * (MIB + 1), max_bytes=MIB, max_side=2048)
    with pytest.raises(ValidationFailed) as err:
        validate_png(_png(2049, 10), max_bytes=MIB, max_side=2048)
    assert err.value.code == "image_dimensions_too_large"


def test_refuses_decompression_bomb_without_decoding_it():
    data = _bomb()
    assert len(data) < 100_000
    with pytest.raises(ValidationFailed):
        validate_png(data, max_bytes=MIB, max_side=2048)
