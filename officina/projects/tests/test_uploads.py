"""What a shared file may be: real files of each family pass, a disguised or oversized
one is refused with a message saying why."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from officina.core.errors import ErrorCode, OfficinaError
from officina.projects.kinds import FILE_MAX_BYTES
from officina.projects.uploads import check_upload

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 400


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(out, "PNG")
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def refused(name: str, data: bytes) -> str:
    with pytest.raises(OfficinaError) as raised:
        check_upload(upload(name, data))
    assert raised.value.code == ErrorCode.INVALID_INPUT
    assert raised.value.details["field"] == "upload"
    return str(raised.value.message)


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("plan.pdf", PDF, "application/pdf"),
        ("Logo.PNG", png(), "image/png"),
        (
            "offerta.docx",
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("note.txt", "Consegna lunedì, grazie.\n".encode(), "text/plain; charset=utf-8"),
        ("prezzi.csv", b"item,price\nforno,1200\n", "text/csv; charset=utf-8"),
    ],
)
def test_real_files_pass_with_their_checked_type(name, data, content_type):
    checked = check_upload(upload(name, data))
    assert checked.content_type == content_type
    assert checked.size == len(data)
    assert checked.extension == name.rsplit(".", 1)[1].lower()
    assert len(checked.sha256) == 64


def test_a_program_named_as_a_pdf_is_refused():
    assert (
        refused("invoice.pdf", EXE) == "This file is not what its name says (.pdf): it was refused."
    )


def test_a_pdf_named_as_an_image_is_refused():
    assert "(.png)" in refused("photo.png", PDF)


def test_a_binary_named_as_text_is_refused():
    assert "(.txt)" in refused("readme.txt", EXE)
    assert "(.csv)" in refused("data.csv", b"a,b\n\0\0")
    assert "(.md)" in refused("notes.md", "caffè".encode("latin-1"))


def test_a_plain_zip_is_no_word_document():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.js", "alert(1)")
    assert "(.docx)" in refused("report.docx", out.getvalue())


def test_types_outside_the_list_are_refused_by_name():
    message = refused("setup.exe", EXE)
    assert message.startswith("Files of this type are not accepted. Accepted: csv, docx,")
    assert "Accepted" in refused("page.html", b"<html></html>")
    assert "Accepted" in refused("no-extension", PDF)


def test_an_empty_file_is_refused():
    assert refused("empty.pdf", b"") == "The file is empty."


def test_an_oversized_file_is_refused_with_the_limit():
    message = refused("huge.pdf", PDF + b"0" * (FILE_MAX_BYTES + 1024 * 1024))
    # filesizeformat keeps the number and its unit together with a no-break space.
    assert message == "The file is 21.0\xa0MB; files up to 20.0\xa0MB are accepted."


def test_a_path_in_the_name_is_dropped():
    assert check_upload(upload("../../etc/plan.pdf", PDF)).original_name == "plan.pdf"
    assert check_upload(upload("C:\\Users\\x\\plan.pdf", PDF)).original_name == "plan.pdf"
