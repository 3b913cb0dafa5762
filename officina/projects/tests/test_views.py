"""The project pages over HTTP: what each person gets, files served safely, refusals
that change nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.utils import translation

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


# Editing, deleting, archiving over HTTP --------------------------------------------------


def test_the_author_edits_a_thread_and_a_bad_edit_is_refused_in_italian(
    shop, client_for, giulia, sara
):
    client = client_for(giulia)
    page = main_of(client.get(f"/projects/threads/{shop.open.pk}/"))
    assert f"/projects/threads/{shop.open.pk}/edit/" in page
    assert f"/projects/threads/{shop.open.pk}/edit/" not in main_of(
        client_for(sara).get(f"/projects/threads/{shop.open.pk}/")
    )
    refused = client.post(
        f"/projects/threads/{shop.open.pk}/edit/",
        {"title": "   ", "body": "Nuove date"},
        HTTP_ACCEPT_LANGUAGE="it",
    )
    assert refused.status_code == 200 and "Questo campo è obbligatorio." in main_of(refused)
    shop.open.refresh_from_db()
    assert shop.open.body == "Le date." and shop.open.edited_at is None
    saved = client.post(
        f"/projects/threads/{shop.open.pk}/edit/", {"title": "Calendario", "body": "Nuove date"}
    )
    assert saved.status_code == 302
    assert "Nuove date" in main_of(client.get(f"/projects/threads/{shop.open.pk}/"))


def test_deleting_someone_elses_thread_or_comment_is_a_404_and_keeps_it(
    shop, client_for, giulia, sara, chiara
):
    comment = actions.check_comment(standing(chiara, shop.project), shop.open, body="Ok")
    sara_client = client_for(sara)
    for path in (
        f"/projects/threads/{shop.open.pk}/delete/",
        f"/projects/threads/{shop.open.pk}/edit/",
        f"/projects/comments/{comment.pk}/delete/",
        f"/projects/comments/{comment.pk}/edit/",
        "/projects/comments/999999/delete/",
    ):
        assert sara_client.post(path, {"body": "x", "title": "x"}).status_code == 404
    assert sara_client.get(f"/projects/comments/{comment.pk}/edit/").status_code == 404
    shop.open.refresh_from_db()
    comment.refresh_from_db()
    assert shop.open.title == "Calendario lavori" and comment.body == "Ok"
    # Its author deletes it; an owner deletes the thread.
    assert client_for(chiara).post(f"/projects/comments/{comment.pk}/delete/").status_code == 302
    assert client_for(giulia).post(f"/projects/threads/{shop.open.pk}/delete/").status_code == 302
    assert client_for(giulia).get(f"/projects/threads/{shop.open.pk}/").status_code == 404


def test_deleting_a_file_over_http(shop, client_for, giulia, chiara):
    shared = actions.check_add_file(
        standing(giulia, shop.project), check_upload(SimpleUploadedFile("piano.pdf", PDF))
    )
    assert client_for(chiara).post(f"/projects/files/{shared.pk}/delete/").status_code == 404
    version = shared.versions.get()
    only = client_for(giulia).post(
        f"/projects/files/versions/{version.pk}/delete/", follow=True, HTTP_ACCEPT_LANGUAGE="it"
    )
    assert "È l&#x27;unica versione di piano.pdf: elimina il file." in only.content.decode()
    assert FileVersion.objects.filter(pk=version.pk).exists()
    assert client_for(giulia).post(f"/projects/files/{shared.pk}/delete/").status_code == 302
    assert not SharedFile.objects.filter(pk=shared.pk).exists()


def test_an_archived_project_shows_no_forms_and_refuses_writes(
    shop, client_for, giulia, sara, chiara
):
    owner = client_for(giulia)
    assert owner.post(f"/projects/{shop.project.pk}/archive/", {"archived": "1"}).status_code == 302
    page = main_of(owner.get(f"/projects/{shop.project.pk}/", HTTP_ACCEPT_LANGUAGE="it"))
    assert "Questo progetto è archiviato: si può leggere, non modificare." in page
    assert "Riporta in attività il progetto" in page
    thread_page = main_of(client_for(chiara).get(f"/projects/threads/{shop.open.pk}/"))
    assert 'id="comment-form"' not in thread_page and "Bring the project back" not in thread_page
    assert 'id="thread-form"' not in main_of(
        client_for(sara).get(f"/projects/{shop.project.pk}/threads/")
    )
    refused = client_for(chiara).post(f"/projects/threads/{shop.open.pk}/", {"body": "Ancora?"})
    assert refused.status_code == 404 and not shop.open.comments.exists()
    assert (
        client_for(sara).post(f"/projects/{shop.project.pk}/tasks/", {"title": "Nuovo"}).status_code
        == 404
    )
    # Only an owner brings it back.
    assert (
        client_for(sara)
        .post(f"/projects/{shop.project.pk}/archive/", {"archived": "0"})
        .status_code
        == 404
    )
    owner.post(f"/projects/{shop.project.pk}/archive/", {"archived": "0"})
    assert 'id="comment-form"' in main_of(
        client_for(chiara).get(f"/projects/threads/{shop.open.pk}/")
    )


def test_each_member_of_the_project_is_one_click_away_by_phone_or_browser(
    shop, client_for, giulia, sara, chiara
):
    from officina.pbx.actions import do_provision_extension

    number = do_provision_extension(sara).number
    page = main_of(client_for(giulia).get(f"/projects/{shop.project.pk}/"))
    assert f'href="sip:{number}@' in page
    assert f'href="/phone/browser/?dial={number}" data-softphone-dial="{number}"' in page
    # A guest is not on the PBX: no call links for them, and none to them.
    assert "sip:" not in main_of(client_for(chiara).get(f"/projects/{shop.project.pk}/"))


def test_a_moved_task_reads_in_the_readers_language_whoever_moved_it(shop, client_for, giulia):
    owner = standing(giulia, shop.project)
    task = actions.check_create_task(owner, title="Ordinare il forno")
    with translation.override("it"):  # moved by someone reading Italian
        actions.check_set_task_status(owner, task, "doing")
    client = client_for(giulia)
    for language, line in [
        ("en", "Ordinare il forno</a> → in progress"),
        ("it", "Ordinare il forno</a> → in corso"),
    ]:
        giulia.language = language
        giulia.save(update_fields=["language"])
        assert line in main_of(client.get(f"/projects/{shop.project.pk}/")), language
