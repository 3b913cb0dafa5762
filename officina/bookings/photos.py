"""Photos of a resource: real JPEG, PNG or WebP images, stored re-encoded.

The type is read from the file's first bytes (``filetype``), whatever its name says;
``core.images`` then decodes it, and what is stored is a fresh JPEG of its pixels,
at most ``PHOTO_LONGEST_SIDE`` wide or high: no metadata, bounded size.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import filetype
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image

from officina.core.errors import OfficinaError
from officina.core.images import decode_image, flatten_to_rgb, jpeg_bytes

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Wide enough for a laptop's page, small enough to load quickly on a phone.
PHOTO_LONGEST_SIDE = 1600
ACCEPTED_SIGNATURES = frozenset({"jpg", "png", "webp"})
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})


def process_photo(upload: UploadedFile) -> ContentFile[bytes]:
    """The re-encoded photo, or an input error (field ``photo``) saying what is wrong."""
    if upload.size is None or upload.size > MAX_PHOTO_BYTES:
        raise OfficinaError.invalid_input(_("The photo is too large: at most 5 MB."), field="photo")
    upload.seek(0)
    data = upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise OfficinaError.invalid_input(_("The photo is too large: at most 5 MB."), field="photo")
    formats_hint = _("Use a JPEG, PNG or WebP image.")
    recognised = filetype.guess(data)
    if recognised is None or recognised.extension not in ACCEPTED_SIGNATURES:
        raise OfficinaError.invalid_input(formats_hint, field="photo")
    try:
        image = decode_image(data, ACCEPTED_FORMATS, formats_hint)
    except OfficinaError as error:
        raise OfficinaError.invalid_input(error.message, field="photo") from None
    image = flatten_to_rgb(image)
    image.thumbnail((PHOTO_LONGEST_SIDE, PHOTO_LONGEST_SIDE), Image.Resampling.LANCZOS)
    return ContentFile(jpeg_bytes(image), name=f"{secrets.token_hex(8)}.jpg")
