"""The project pages over HTTP: what each person gets, files served safely, refusals
that change nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse

from officina.projects import actions
from officina.projects.models import FileVersion, ProjectInvitation, SharedFile
from officina.projects.tests.fixtures import standing
from officina.projects.tests.test_uploads import EXE, PDF
from officina.projects.uploads import check_upload


def main_of(response: HttpResponse) -> str:
    """The page's own content (the header carries the address and a fresh CSRF token)."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_missing_and_forbidden_pages_are_the_same_404(shop, client_for, outsider, sara):
    for client, path in [
        (client_for(outsider), f"/projects/{shop.project.pk}/"),
        (client_for(sara), f"/projects/threads/{shop.internal.pk}/"),
    ]:
        missing_path = path.replace(str(path.split("/")[-2]), "999999")
        forbidden, missing = client.get(path), client.get(missing_path)
        assert forbidden.status_code == missing.status_code == 404
        assert main_of(forbidden) == main_of(missing)
        assert "This page does not exist, or you may not see it." in main_of(forbidden)


def test_a_client_guest_does_not_see_the_internal_thread_listed(shop, client_for, chiara, marco):
    guest_page = client_for(chiara).get(f"/projects/{shop.project.pk}/threads/").content.decode()
    insider_page = client_for(marco).get(f"/projects/{shop.project.pk}/threads/").content.decode()
    assert "Calendario lavori" in guest_page and "Margini e prezzi" not in guest_page
    assert "Margini e prezzi" in insider_page
    assert "Margini e prezzi" not in client_for(chiara).get("/projects/").content.decode()


def test_a_disguised_upload_is_refused_on_the_form_and_stores_nothing(shop, client_for, giulia):
    response = client_for(giulia).post(
        f"/projects/{shop.project.pk}/files/",
        {"upload": SimpleUploadedFile("fattura.pdf", EXE), "name": ""},
        HTTP_ACCEPT_LANGUAGE="it",
    )
    assert response.status_code == 200
    assert (
        "Questo file non è ciò che dice il suo nome (.pdf): è stato rifiutato."
        in response.content.decode()
    )
    assert not SharedFile.objects.exists() and not FileVersion.objects.exists()


def test_a_viewer_cannot_upload_and_it_looks_like_nothing_is_there(shop, client_for, chiara):
    response = client_for(chiara).post(
        f"/projects/{shop.project.pk}/files/", {"upload": SimpleUploadedFile("a.pdf", PDF)}
    )
    assert response.status_code == 404
    assert not SharedFile.objects.exists()


def test_versions_are_downloaded_as_attachments_with_their_checked_type(
    shop, client_for, giulia, sara, chiara
):
    owner = standing(giulia, shop.project)
    shared = actions.check_add_file(owner, check_upload(SimpleUploadedFile("piano.pdf", PDF)))
    client = client_for(sara)
    response = client.post(
        f"/projects/files/{shared.pk}/",
        {"upload": SimpleUploadedFile("piano-v2.pdf", PDF + b"%v2")},
    )
    assert response.status_code == 302
    latest = shared.versions.get(number=2)
    assert latest.number == 2 and latest.original_name == "piano-v2.pdf"
    download = client_for(chiara).get(f"/projects/files/versions/{latest.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="piano-v2.pdf"'
    assert "sandbox" in download["Content-Security-Policy"]
    assert b"".join(download.streaming_content) == PDF + b"%v2"


def test_an_internal_file_is_not_downloaded_by_a_client(shop, client_for, giulia, chiara):
    shared = actions.check_add_file(
        standing(giulia, shop.project),
        check_upload(SimpleUploadedFile("prezzi.pdf", PDF)),
        is_internal=True,
    )
    version = shared.versions.get()
    assert client_for(chiara).get(f"/projects/files/versions/{version.pk}/").status_code == 404
    assert client_for(giulia).get(f"/projects/files/versions/{version.pk}/").status_code == 200


def test_an_unknown_invitation_link_is_not_found(db, client):
    response = client.get("/projects/invitations/not-a-real-token/")
    assert response.status_code == 404


def test_an_invitation_to_an_existing_account_asks_to_log_in_first(
    shop, client, client_for, giulia, luca
):
    from officina.projects.tests.test_actions import LINKS

    ProjectInvitation.objects.create(
        project=shop.project,
        email=luca.email,
        role="viewer",
        token_hash=actions._token_hash("t0k3n"),
    )
    response = client.get("/projects/invitations/t0k3n/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    luca_client = client_for(luca)
    assert luca_client.post("/projects/invitations/t0k3n/").status_code == 302
    assert standing(luca, shop.project).role == "viewer"
    assert LINKS  # the same links shape the actions' tests use


@pytest.mark.parametrize("view", ["board", "list"])
def test_task_views_show_what_the_person_sees(shop, client_for, giulia, chiara, view):
    owner = standing(giulia, shop.project)
    actions.check_create_task(owner, title="Budget interno", is_internal=True)
    actions.check_create_task(owner, title="Montare le luci")
    guest = (
        client_for(chiara).get(f"/projects/{shop.project.pk}/tasks/?view={view}").content.decode()
    )
    assert "Montare le luci" in guest and "Budget interno" not in guest
    assert 'id="task-form"' not in guest
