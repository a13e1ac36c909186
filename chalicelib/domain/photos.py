"""Profile photos (issue 19 item 4): whatever an earner uploads becomes a small square
image Laurel made itself (Pillow; pure computation, no I/O).

The upload is decoded, turned upright (its EXIF orientation), cropped to the centre
square and resized, then written anew: the stored file carries no metadata from the
upload (EXIF with its GPS position and camera serial, XMP, ICC comments), only pixels.
A photo without transparency becomes a JPEG, one with transparency a PNG.
"""

from __future__ import annotations

import io
import warnings

from .errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

MAX_BYTES = 5 * 1024 * 1024  # a phone's photo; the form's body may be a little larger
MAX_SIDE = 10_000  # decoded pixels per side accepted before resizing (a bomb announces more)
# pixels decoded at most: a 9400x9400 PNG of 370 KB decodes to 1.4 GB of RGBA, more than the API
# function's memory (second review); 24 million is a 6000x4000 camera photo (96 MB as RGBA)
MAX_PIXELS = 24_000_000
SIDE = 400  # the stored square
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


def square_photo(data: bytes) -> tuple[bytes, str]:
    """(the stored image, its extension "jpg" or "png"), or a 4xx: 413 when too large,
    415 when not an image Laurel reads, 422 when it is one but too many pixels."""
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(f"the photo is larger than {MAX_BYTES // (1024 * 1024)} MB", code="photo_too_large")
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format not in FORMATS:
                    raise UnsupportedMediaType("the photo must be a JPEG, PNG, WebP or GIF image",
                                               code="unsupported_image")
                if max(img.size) > MAX_SIDE or img.width * img.height > MAX_PIXELS:
                    raise ValidationFailed(f"the photo is {img.width}x{img.height}; at most {MAX_SIDE} pixels a side "
                                           f"and {MAX_PIXELS // 1_000_000} million in all",
                                           code="photo_dimensions_too_large")
                if img.format == "JPEG":  # decode at a reduced scale (DCT scaling): a 400 px square needs no more
                    img.draft("RGB", (SIDE * 2, SIDE * 2))
                img.seek(0)  # an animation: its first frame
                upright = ImageOps.exif_transpose(img)
                alpha = upright.mode in ("RGBA", "LA") or (upright.mode == "P" and "transparency" in upright.info)
                pixels = upright.convert("RGBA" if alpha else "RGB")
    except (UnsupportedMediaType, ValidationFailed):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed("the photo decompresses to too many pixels", code="photo_dimensions_too_large") \
            from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise UnsupportedMediaType("the photo must be a JPEG, PNG, WebP or GIF image", code="unsupported_image") \
            from None
    square = ImageOps.fit(pixels, (SIDE, SIDE), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if alpha:  # a fresh image: nothing of the upload's info (text chunks, ICC, EXIF) is passed on
        square.save(out, "PNG", optimize=True)
        return out.getvalue(), "png"
    square.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue(), "jpg"
