"""Avatar uploads: accept only real, reasonably sized images; store re-encoded copies.

The uploaded bytes are never served: Pillow decodes them, and what is stored is a
fresh JPEG of the decoded pixels (square, 512 px) plus a 96 px thumbnail. That
drops metadata (EXIF location), scripts hidden in polyglot files, and anything
that is not an image.
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from officina.core.errors import OfficinaError

MAX_UPLOAD_BYTES = 4 * 1024 * 1024
MAX_SIDE = 6000
# Guards against decompression bombs: a small file that decodes to gigabytes.
MAX_PIXELS = 24_000_000
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
AVATAR_SIDE = 512
THUMBNAIL_SIDE = 96


@dataclass(frozen=True)
class ProcessedAvatar:
    avatar: ContentFile[bytes]
    thumbnail: ContentFile[bytes]


def process_avatar(upload: UploadedFile, member_id: int) -> ProcessedAvatar:
    """Validate ``upload`` and return the re-encoded avatar and thumbnail files."""
    if upload.size is None or upload.size > MAX_UPLOAD_BYTES:
        raise OfficinaError.invalid_input(_("The image is too large: at most 4 MB."))
    data = upload.read()
    if len(data) > MAX_UPLOAD_BYTES:
        raise OfficinaError.invalid_input(_("The image is too large: at most 4 MB."))
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
    if image_format not in ALLOWED_FORMATS:
        raise OfficinaError.invalid_input(_("Use a JPEG, PNG, WebP or GIF image."))
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
    square = ImageOps.fit(_flatten(decoded), (AVATAR_SIDE, AVATAR_SIDE), Image.Resampling.LANCZOS)
    thumbnail = square.resize((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    token = secrets.token_hex(6)
    return ProcessedAvatar(
        avatar=ContentFile(_jpeg(square), name=f"{member_id}-{token}.jpg"),
        thumbnail=ContentFile(_jpeg(thumbnail), name=f"{member_id}-{token}-thumb.jpg"),
    )


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no transparency."""
    if image.mode in {"RGBA", "LA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()
