"""Avatar uploads: accept only real, reasonably sized images; store re-encoded copies.

The uploaded bytes are never served: ``core.images`` decodes them, and what is stored
is a fresh JPEG of the decoded pixels (square, 512 px) plus a 96 px thumbnail.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from officina.core.errors import OfficinaError
from officina.core.images import decode_image, flatten_to_rgb, jpeg_bytes

MAX_UPLOAD_BYTES = 4 * 1024 * 1024
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
    decoded = decode_image(data, ALLOWED_FORMATS, str(_("Use a JPEG, PNG, WebP or GIF image.")))
    square = ImageOps.fit(
        flatten_to_rgb(decoded), (AVATAR_SIDE, AVATAR_SIDE), Image.Resampling.LANCZOS
    )
    thumbnail = square.resize((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    token = secrets.token_hex(6)
    return ProcessedAvatar(
        avatar=ContentFile(jpeg_bytes(square), name=f"{member_id}-{token}.jpg"),
        thumbnail=ContentFile(jpeg_bytes(thumbnail), name=f"{member_id}-{token}-thumb.jpg"),
    )
