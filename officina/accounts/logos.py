"""Company logos: checked with Pillow and re-encoded, so that only a clean PNG is stored."""

from __future__ import annotations

import io
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_PIXELS = 16_000_000  # refuse decompression bombs before decoding
LOGO_SIZE = (400, 400)
ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


def process_logo(upload: UploadedFile) -> ContentFile[bytes]:
    if upload.size is None or upload.size > MAX_LOGO_BYTES:
        raise ValidationError(_("The logo must be an image of 2 MB at most."), code="too_big")
    try:
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
        if image_format not in ACCEPTED_FORMATS:
            raise ValidationError(_("Use a PNG, JPEG, WebP or GIF image."), code="format")
        if width * height > MAX_LOGO_PIXELS:
            raise ValidationError(_("The image is too large."), code="pixels")
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            logo = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ValidationError(_("This file is not an image."), code="not_image") from error
    logo.thumbnail(LOGO_SIZE)
    output = io.BytesIO()
    logo.save(output, format="PNG", optimize=True)
    return ContentFile(output.getvalue(), name=f"{secrets.token_hex(8)}.png")
