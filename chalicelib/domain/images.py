"""Badge and logo image validation (Pillow; pure computation, no I/O).

Checks, cheapest first: size in bytes, PNG signature, header dimensions (a
decompression bomb announces huge dimensions and is refused before any pixel is
decoded), then a full decode to prove the file is not truncated or corrupt.
"""

from __future__ import annotations

import io
import warnings

from .errors import PayloadTooLarge, ValidationFailed

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def validate_png(data: bytes, *, max_bytes: int, max_side: int) -> tuple[int, int]:
    """Return (width, height) of a valid PNG, or raise a 4xx error."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"the image is larger than {max_bytes} bytes", code="image_too_large")
    if not data.startswith(PNG_SIGNATURE):
        raise ValidationFailed("the image must be a PNG file", code="invalid_image")
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format != "PNG":
                    raise ValidationFailed("the image must be a PNG file", code="invalid_image")
                width, height = img.size
                if width > max_side or height > max_side:
                    # its own code: `image_too_large` is the 413 for too many bytes (one status per code)
                    raise ValidationFailed(
                        f"the image is {width}x{height}; at most {max_side}x{max_side} is allowed",
                        code="image_dimensions_too_large",
                    )
                img.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.load()
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed("the image decompresses to too many pixels", code="image_bomb") from None
    except Exception:  # Pillow raises many types for corrupt data
        raise ValidationFailed("the image is not a readable PNG", code="invalid_image") from None
    return width, height
