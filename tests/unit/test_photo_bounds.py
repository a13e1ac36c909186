"""A small file must not make the API decode gigabytes (second review of issue 19): a
9400x9400 PNG is 370 KB on the wire and 1.4 GB of RGBA once decoded, more than the API
function's 512 MB; a 9400x9400 JPEG is decoded at a reduced scale instead."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from chalicelib.domain import photos
from chalicelib.domain.errors import ValidationFailed


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 20, 30, 255)).save(out, "PNG", optimize=True)
    return out.getvalue()


def test_a_small_png_with_too_many_pixels_is_refused_before_decoding() -> None:
    data = _png(9400, 9400)
    assert len(data) < photos.MAX_BYTES
    with pytest.raises(ValidationFailed) as refused:
        photos.square_photo(data)
    assert refused.value.code == "photo_dimensions_too_large"


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import ImageOps

    decoded: list[tuple[int, int]] = []
    original = ImageOps.exif_transpose

    def spy(image, *args, **kwargs):  # the image as decoded, before it is cropped and resized
        decoded.append(image.size)
        return original(image, *args, **kwargs)

    monkeypatch.setattr(ImageOps, "exif_transpose", spy)
    out = io.BytesIO()
    Image.new("RGB", (4800, 4800), (200, 100, 50)).save(out, "JPEG", quality=50)
    stored, kind = photos.square_photo(out.getvalue())
    assert kind == "jpg" and Image.open(io.BytesIO(stored)).size == (photos.SIDE, photos.SIDE)
    # whole, 4800x4800 RGB is 69 MB; JPEG's DCT scaling decodes a quarter of each side at most
    assert decoded and max(decoded[0]) <= 1200, decoded
