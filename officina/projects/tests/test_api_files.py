"""/api/projects' shared files: list, upload (checked like the pages' uploads, with the
size limit), versions, download and delete, each through the access helpers. Internal
files never reach a client's guest, and "missing" and "forbidden" answer the same 404.

Studio Rossi owns the shop project (Giulia an owner, Marco of the company), Panificio
(Sara) is its supplier, Chiara a client guest viewer; Ugo (``outsider``) takes no part.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from officina.accounts.models import Member
from officina.projects import actions
from officina.projects.kinds import FILE_MAX_BYTES
from officina.projects.models import FileVersion, Project, SharedFile
from officina.projects.tests.fixtures import standing
from officina.projects.tests.test_uploads import EXE, PDF
from officina.projects.uploads import check_upload


def _share(
    member: Member, project: Project, name: str = "piano.pdf", *, internal: bool = False
) -> SharedFile:
    return actions.check_add_file(
        standing(member, project),
        check_upload(SimpleUploadedFile(name, PDF)),
        is_internal=internal,
    )


@pytest.fixture
def files(shop, giulia):
    """An open file and an internal one."""
    return _share(giulia, shop.project), _share(giulia, shop.project, "margini.pdf", internal=True)


def test_a_contributor_uploads_and_everyone_in_the_project_lists_it(shop, client_for, sara):
    made = client_for(sara).post(
        f"/api/projects/{shop.project.pk}/files",
        {"upload": SimpleUploadedFile("forno.pdf", PDF), "name": "Forno"},
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["name"] == "Forno" and body["is_internal"] is False
    (version,) = body["versions"]
    assert version["number"] == 1 and version["original_name"] == "forno.pdf"
    assert version["content_type"] == "application/pdf" and version["size"] == len(PDF)
    listed = client_for(sara).get(f"/api/projects/{shop.project.pk}/files").json()
    assert [f["name"] for f in listed] == ["Forno"]


def test_uploads_are_checked_and_a_refusal_stores_nothing(shop, client_for, giulia, settings):
    client = client_for(giulia)
    url = f"/api/projects/{shop.project.pk}/files"
    disguised = client.post(url, {"upload": SimpleUploadedFile("fattura.pdf", EXE)})
    assert disguised.status_code == 400 and disguised.json()["field"] == "upload"
    assert "not what its name says" in disguised.json()["message"]
    empty = client.post(url, {"upload": SimpleUploadedFile("vuoto.pdf", b"")})
    assert empty.status_code == 400
    missing = client.post(url, {"name": "senza file"})
    assert missing.status_code == 422
    too_big = client.post(
        url, {"upload": SimpleUploadedFile("grande.pdf", PDF + b"0" * FILE_MAX_BYTES)}
    )
    assert too_big.status_code == 400 and "accepted" in too_big.json()["message"]
    assert not SharedFile.objects.exists() and not FileVersion.objects.exists()


def test_a_new_version_is_numbered_and_downloaded(shop, client_for, giulia, chiara, files):
    shared, _internal = files
    added = client_for(giulia).post(
        f"/api/projects/files/{shared.pk}/versions",
        {"upload": SimpleUploadedFile("piano-v2.pdf", PDF + b"%v2")},
    )
    assert added.status_code == 201 and added.json()["number"] == 2
    # The client guest reads and downloads it, but uploads nothing.
    detail = client_for(chiara).get(f"/api/projects/files/{shared.pk}").json()
    assert [v["number"] for v in detail["versions"]] == [2, 1]
    download = client_for(chiara).get(detail["versions"][0]["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF + b"%v2"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert 'filename="piano-v2.pdf"' in download["Content-Disposition"]
    refused = client_for(chiara).post(
        f"/api/projects/files/{shared.pk}/versions",
        {"upload": SimpleUploadedFile("mio.pdf", PDF)},
    )
    assert refused.status_code == 404
    assert (
        client_for(chiara)
        .post(
            f"/api/projects/{shop.project.pk}/files", {"upload": SimpleUploadedFile("x.pdf", PDF)}
        )
        .status_code
        == 404
    )


def test_internal_files_never_reach_a_client_guest(shop, client_for, chiara, sara, marco, files):
    shared, internal = files
    internal_version = internal.versions.get()
    guest = client_for(chiara)
    assert [f["name"] for f in guest.get(f"/api/projects/{shop.project.pk}/files").json()] == [
        shared.name
    ]
    # The supplier is outside the owning company too; Marco is inside it.
    assert internal.name not in {
        f["name"] for f in client_for(sara).get(f"/api/projects/{shop.project.pk}/files").json()
    }
    assert internal.name in {
        f["name"] for f in client_for(marco).get(f"/api/projects/{shop.project.pk}/files").json()
    }
    for url in (
        f"/api/projects/files/{internal.pk}",
        f"/api/projects/files/versions/{internal_version.pk}/download",
    ):
        assert guest.get(url).status_code == 404


def test_missing_and_forbidden_look_the_same(shop, client_for, chiara, outsider, files):
    _shared, internal = files
    version = internal.versions.get()
    pairs = [
        (f"/api/projects/files/{internal.pk}", "/api/projects/files/999999"),
        (
            f"/api/projects/files/versions/{version.pk}/download",
            "/api/projects/files/versions/999999/download",
        ),
    ]
    for reader in (client_for(chiara), client_for(outsider)):
        for forbidden, missing in pairs:
            one, other = reader.get(forbidden), reader.get(missing)
            assert one.status_code == other.status_code == 404
            assert one.json() == other.json()
        gone, absent = (
            reader.delete(f"/api/projects/files/{internal.pk}"),
            reader.delete("/api/projects/files/999999"),
        )
        assert gone.status_code == absent.status_code == 404 and gone.json() == absent.json()
    assert SharedFile.objects.filter(pk=internal.pk).exists()


def test_deleting_a_version_and_a_file(shop, client_for, giulia, sara, files):
    shared, _internal = files
    only = shared.versions.get()
    last = client_for(giulia).delete(f"/api/projects/files/versions/{only.pk}")
    assert last.status_code == 400 and last.json()["field"] == "version"
    second = actions.check_add_version(
        standing(giulia, shop.project), shared, check_upload(SimpleUploadedFile("b.pdf", PDF))
    )
    # Sara neither shared the file nor uploaded the version: not hers to delete.
    assert client_for(sara).delete(f"/api/projects/files/versions/{second.pk}").status_code == 404
    assert client_for(sara).delete(f"/api/projects/files/{shared.pk}").status_code == 404
    assert client_for(giulia).delete(f"/api/projects/files/versions/{second.pk}").status_code == 204
    assert list(shared.versions.values_list("number", flat=True)) == [1]
    assert client_for(giulia).delete(f"/api/projects/files/{shared.pk}").status_code == 204
    assert not SharedFile.objects.filter(pk=shared.pk).exists()
    assert not FileVersion.objects.filter(file_id=shared.pk).exists()
