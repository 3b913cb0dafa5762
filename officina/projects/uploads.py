"""What a shared file may be: a size limit, a list of accepted types, and the bytes
checked against the name, so that a program renamed ``report.pdf`` is refused; and how
a stored version is handed back (:func:`download_response`).

The type is recognised from the file's first bytes by ``filetype``; plain-text types have
no such signature, so they must be UTF-8 text without NUL bytes. Office documents are zip
archives with a known part inside; ``filetype`` looks for it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

import filetype
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from officina.core.errors import OfficinaError

from .kinds import FILE_MAX_BYTES

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from .models import FileVersion

# extension → (content type served, extensions filetype may recognise the bytes as)
BINARY_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "pdf": ("application/pdf", frozenset({"pdf"})),
    "png": ("image/png", frozenset({"png"})),
    "jpg": ("image/jpeg", frozenset({"jpg"})),
    "jpeg": ("image/jpeg", frozenset({"jpg"})),
    "gif": ("image/gif", frozenset({"gif"})),
    "webp": ("image/webp", frozenset({"webp"})),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        frozenset({"docx"}),
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        frozenset({"xlsx"}),
    ),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        frozenset({"pptx"}),
    ),
    "odt": ("application/vnd.oasis.opendocument.text", frozenset({"odt"})),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", frozenset({"ods"})),
    "odp": ("application/vnd.oasis.opendocument.presentation", frozenset({"odp"})),
    "zip": ("application/zip", frozenset({"zip"})),
}
TEXT_TYPES: dict[str, str] = {
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}
ACCEPTED_EXTENSIONS = sorted({*BINARY_TYPES, *TEXT_TYPES})
# filetype finds every signature it knows within this many leading bytes (office
# documents name their main part near the start of the archive).
SNIFF_BYTES = 64 * 1024
ORIGINAL_NAME_MAX_LENGTH = 200


@dataclass(frozen=True)
class CheckedUpload:
    upload: UploadedFile
    original_name: str
    extension: str
    content_type: str
    size: int
    sha256: str


def _refuse(message: str) -> OfficinaError:
    return OfficinaError.invalid_input(message, field="upload")


def _read_all(upload: UploadedFile) -> bytes:
    upload.seek(0)
    data: bytes = upload.read()
    upload.seek(0)
    return data


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """The upload with its checked type, or an input error saying what is wrong with it."""
    name = PurePath((upload.name or "").replace("\\", "/")).name.strip()
    extension = PurePath(name).suffix.lower().lstrip(".")
    size = upload.size or 0
    if size == 0:
        raise _refuse(_("The file is empty."))
    if size > FILE_MAX_BYTES:
        raise _refuse(
            _("The file is %(size)s; files up to %(limit)s are accepted.")
            % {"size": filesizeformat(size), "limit": filesizeformat(FILE_MAX_BYTES)}
        )
    if extension not in BINARY_TYPES and extension not in TEXT_TYPES:
        raise _refuse(
            _("Files of this type are not accepted. Accepted: %(types)s.")
            % {"types": ", ".join(ACCEPTED_EXTENSIONS)}
        )
    data = _read_all(upload)
    recognised = filetype.guess(data[:SNIFF_BYTES])
    if extension in TEXT_TYPES:
        content_type = TEXT_TYPES[extension]
        try:
            matches = recognised is None and b"\0" not in data and bool(data.decode("utf-8"))
        except UnicodeDecodeError:
            matches = False
    else:
        content_type, signatures = BINARY_TYPES[extension]
        matches = recognised is not None and recognised.extension in signatures
    if not matches:
        raise _refuse(
            _("This file is not what its name says (.%(extension)s): it was refused.")
            % {"extension": extension}
        )
    return CheckedUpload(
        upload=upload,
        original_name=name[:ORIGINAL_NAME_MAX_LENGTH],
        extension=extension,
        content_type=content_type,
        size=size,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def download_response(version: FileVersion) -> FileResponse:
    """One stored version as a download, for the pages and the API alike."""
    response = FileResponse(
        version.content.open("rb"),
        as_attachment=True,
        filename=version.original_name,
        content_type=version.content_type,
    )
    # A shared file is never run by the browser as part of this site.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
