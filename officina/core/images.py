"""Uploaded images decoded by Pillow, never stored as sent.

Whatever a member uploads as a picture (an avatar, a photo of a room) is decoded here
and re-encoded by the caller, so that what is stored and served is fresh pixels: no
metadata (EXIF location), no script hidden in a polyglot file, nothing that is not an
image.
"""

from __future__ import annotations

import io
import warnings

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from officina.core.errors import OfficinaError

MAX_SIDE = 6000
# Guards against decompression bombs: a small file that decodes to gigabytes.
MAX_PIXELS = 24_000_000


def decode_image(data: bytes, allowed_formats: frozenset[str], formats_hint: str) -> Image.Image:
    """The decoded, upright image in ``data``, or an input error saying what is wrong
    (``formats_hint`` names the accepted formats to the reader, e.g. "Use a JPEG …")."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                width, height = probe.size
                # verify() checks the file structure without decoding every pixel.
                probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise OfficinaError.invalid_input(_("This file is not an image we can read.")) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise OfficinaError.invalid_input(_("The image has too many pixels.")) from None
    if image_format not in allowed_formats:
        raise OfficinaError.invalid_input(formats_hint)
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise OfficinaError.invalid_input(
            _("The image is too big: at most %(side)d × %(side)d pixels.") % {"side": MAX_SIDE}
        )
    if width < 32 or height < 32:
        raise OfficinaError.invalid_input(_("The image is too small: at least 32 × 32 pixels."))
    try:
        # verify() leaves the image unusable: open it again to decode it for real.
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            decoded = ImageOps.exif_transpose(image)
            decoded.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise OfficinaError.invalid_input(_("This file is not an image we can read.")) from None
    return decoded


def flatten_to_rgb(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no transparency."""
    if image.mode in {"RGBA", "LA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()
