"""In Chromium: Giulia brings her supplier into a project and invites a client from
outside the coworking; the client accepts by the mailed link, signs in again and sees
that project only, never the internal thread nor any community page; bad uploads and
past due dates are refused with a clear message; the board works on a phone, in Italian."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from officina.projects.models import Comment, SharedFile, Task
from officina.projects.tests.test_uploads import EXE, PDF

PHONE = {"width": 390, "height": 844}


def assert_no_sideways_scrolling(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"


@pytest.fixture
def project(giulia, studio_rossi):
    from officina.projects import actions
    from officina.projects.tests.fixtures import standing

    made = actions.check_create_project(
        giulia, studio_rossi, name="Nuovo negozio", description="Il negozio di via Tortona."
    )
    owner = standing(giulia, made)
    actions.check_start_thread(
        owner, title="Margini e prezzi", body="Solo per noi.", is_internal=True
    )
    actions.check_start_thread(owner, title="Calendario lavori", body="Le date del cantiere.")
    return made


@pytest.mark.browser
def test_a_supplier_and_a_client_guest_see_the_project_and_only_it(
    new_context, giulia, sara, panificio, project, screenshot, tmp_path
):
    owner = new_context(giulia).new_page()
    owner.goto(f"/projects/{project.pk}/people/")
    owner.select_option("#id_company-company", panificio.slug)
    owner.select_option("#id_company-relation", "supplier")
    owner.select_option("#id_company-role", "contributor")
    owner.click("#invite-company-form button[type=submit]")
    owner.locator(".message", has_text="Panificio Bianchi takes part now.").wait_for()
    owner.fill("#id_person-email", "chiara@client.example")
    owner.select_option("#id_person-role", "viewer")
    owner.click("#invite-person-form button[type=submit]")
    owner.locator(".message", has_text="Invitation sent to chiara@client.example.").wait_for()
    assert "Panificio Bianchi" in owner.locator("#project-companies").inner_text()
    screenshot(owner, "1-people")

    # The client follows the mailed link and becomes a guest of the project.
    (invitation,) = mail.outbox
    found = re.search(r"https?://\S+/projects/invitations/\S+/", str(invitation.body))
    assert found is not None
    link = found.group(0)
    guest = new_context().new_page()
    guest.goto(link)
    guest.fill("#id_first_name", "Chiara")
    guest.fill("#id_last_name", "Neri")
    guest.fill("#id_password", "vetrine-blu-2026")
    guest.click("#accept-form button[type=submit]")
    guest.locator(".message", has_text="Welcome, Chiara: this is the project.").wait_for()
    assert guest.locator("h1").inner_text() == "Nuovo negozio"
    people = guest.locator("#project-people").inner_text()
    assert "Sara Bianchi" in people and "Giulia Rossi" in people
    threads = guest.locator("#project-threads").inner_text()
    assert "Calendario lavori" in threads and "Margini e prezzi" not in threads
    screenshot(guest, "2-guest-project")

    # Signed out and in again with the new password, the guest lands on their projects.
    guest.click("text=Log out")
    guest.goto("/login/")
    guest.fill("#id_username", "chiara@client.example")
    guest.fill("#id_password", "vetrine-blu-2026")
    guest.click("main form button[type=submit]")
    guest.wait_for_url("**/projects/")
    assert guest.locator("#my-projects .project-row").count() == 1
    assert "Nuovo negozio" in guest.locator("#my-projects").inner_text()
    nav = guest.locator(".mainnav").inner_text()
    assert nav.strip() == "Projects"
    for closed in ("/feed/", "/members/", "/companies/", "/bookings/", "/phone/", "/api/me"):
        response = guest.goto(closed)
        assert response.status == 404, closed
    internal = project.threads.get(is_internal=True)
    assert guest.goto(f"/projects/threads/{internal.pk}/").status == 404
    assert "Page not found" in guest.locator("h1").inner_text()
    screenshot(guest, "3-guest-refused")

    # The client comments on the open thread; a guest viewer cannot start threads.
    guest.goto(f"/projects/{project.pk}/threads/")
    assert guest.locator("#thread-form").count() == 0
    guest.click("text=Calendario lavori")
    guest.fill("#id_body", "Per noi va bene, @Giulia Rossi.")
    guest.click("#comment-form button[type=submit]")
    guest.locator("#comments", has_text="Per noi va bene").wait_for()
    assert Comment.objects.filter(author__email="chiara@client.example").count() == 1

    # The supplier's person sees the project but not the internal thread.
    supplier = new_context(sara).new_page()
    supplier.goto(f"/projects/{project.pk}/threads/")
    listed = supplier.locator("#thread-list").inner_text()
    assert "Calendario lavori" in listed and "Margini e prezzi" not in listed
    assert supplier.goto(f"/projects/threads/{internal.pk}/").status == 404

    # Bad input: a program named .pdf, an oversized file, a due date in the past.
    owner.goto(f"/projects/{project.pk}/files/")
    disguised = tmp_path / "fattura.pdf"
    disguised.write_bytes(EXE)
    owner.set_input_files("#id_upload", str(disguised))
    owner.click("#file-form button[type=submit]")
    error = owner.locator("#file-form .errorlist")
    error.wait_for()
    assert "This file is not what its name says (.pdf): it was refused." in error.inner_text()
    screenshot(owner, "4-disguised-file")
    huge = tmp_path / "disegni.pdf"
    huge.write_bytes(PDF + b"0" * (21 * 1024 * 1024))
    owner.set_input_files("#id_upload", str(huge))
    owner.click("#file-form button[type=submit]")
    owner.locator("#file-form .errorlist", has_text="files up to 20.0").wait_for()
    assert not SharedFile.objects.exists()
    good = tmp_path / "planimetria.pdf"
    good.write_bytes(PDF)
    owner.set_input_files("#id_upload", str(good))
    owner.click("#file-form button[type=submit]")
    owner.locator(".message", has_text="File added.").wait_for()
    assert SharedFile.objects.get().versions.get().original_name == "planimetria.pdf"

    owner.goto(f"/projects/{project.pk}/tasks/")
    owner.fill("#id_title", "Ordinare il forno")
    owner.select_option("#id_assignee", str(sara.pk))
    owner.fill("#id_due_date", "2020-01-10")
    owner.click("#task-form button[type=submit]")
    owner.locator("#task-form .errorlist", has_text="The due date 2020-01-10 has passed").wait_for()
    assert not Task.objects.exists()
    screenshot(owner, "5-past-due-date")
    owner.fill("#id_due_date", "2099-01-10")
    owner.click("#task-form button[type=submit]")
    owner.locator(".message", has_text="Task added.").wait_for()
    assert Task.objects.get().assignee == sara


@pytest.fixture
def supplier_tasks(giulia, sara, panificio, project):
    """Made before the browser starts: notifications are pushed from a thread with no
    event loop, which Playwright's thread is not."""
    from officina.projects import actions
    from officina.projects.tests.fixtures import standing

    owner = standing(giulia, project)
    actions.check_add_company(owner, panificio, role="contributor", relation="supplier")
    actions.check_create_task(owner, title="Ordinare il forno", assignee_id=sara.pk)
    actions.check_create_task(owner, title="Scegliere le piastrelle per il bancone principale")
    return project


@pytest.mark.browser
def test_the_board_on_a_phone_in_italian(supplier_tasks, new_context, sara, screenshot):
    project = supplier_tasks
    phone = new_context(
        sara, locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto(f"/projects/{project.pk}/tasks/")
    assert "da fare" in phone.locator("#column-todo h2").inner_text()
    assert_no_sideways_scrolling(phone)
    screenshot(phone, "1-board")
    card = phone.locator(".task-card", has_text="Ordinare il forno")
    card.locator("button", has_text="in corso").click()
    phone.locator("#column-doing .task-card", has_text="Ordinare il forno").wait_for()
    assert Task.objects.get(title="Ordinare il forno").status == "doing"
    assert_no_sideways_scrolling(phone)
    screenshot(phone, "2-moved")
    phone.goto(f"/projects/{project.pk}/tasks/?view=list&mine=1")
    assert phone.locator("#task-list .task-card").count() == 1
    assert_no_sideways_scrolling(phone)
    phone.goto(f"/projects/{project.pk}/")
    assert "Attività" in phone.locator(".project-tabs").inner_text()
    assert_no_sideways_scrolling(phone)
    screenshot(phone, "3-overview")


@pytest.mark.browser
def test_dragging_a_card_moves_the_task_and_a_viewer_cannot(
    supplier_tasks, new_context, sara, chiara_guest, screenshot
):
    project = supplier_tasks
    page = new_context(sara).new_page()
    refused_by_policy: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused_by_policy.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto(f"/projects/{project.pk}/tasks/")
    card = page.locator("#column-todo .task-card", has_text="Ordinare il forno")
    assert card.get_attribute("draggable") == "true"
    card.drag_to(page.locator("#column-doing"))
    page.locator("#column-doing .task-card", has_text="Ordinare il forno").wait_for()
    assert Task.objects.get(title="Ordinare il forno").status == "doing"
    screenshot(page, "1-dragged")
    page.locator("#column-doing .task-card", has_text="Ordinare il forno").drag_to(
        page.locator("#column-done")
    )
    page.locator("#column-done .task-card", has_text="Ordinare il forno").wait_for()
    assert Task.objects.get(title="Ordinare il forno").status == "done"
    # Dropped on its own column, a card stays where it is and nothing is sent.
    other = page.locator("#column-todo .task-card", has_text="Scegliere le piastrelle")
    other.drag_to(page.locator("#column-todo"))
    assert Task.objects.get(title__startswith="Scegliere").status == "todo"
    assert refused_by_policy == []
    activity = [
        (line.subject, line.status)
        for line in project.activity.filter(kind="task_status").order_by("id")
    ]
    assert activity == [("Ordinare il forno", "doing"), ("Ordinare il forno", "done")]

    # A guest viewer reads the board; nothing on it can be dragged.
    viewer = new_context(chiara_guest).new_page()
    viewer.goto(f"/projects/{project.pk}/tasks/")
    assert viewer.locator(".task-card").count() == 2
    assert viewer.locator(".task-card[draggable=true]").count() == 0
    assert viewer.locator("script[src$='board.js']").count() == 0


@pytest.fixture
def chiara_guest(project):
    from officina.accounts.actions import check_create_project_guest
    from officina.conftest import TEST_PASSWORD
    from officina.projects.kinds import ProjectRole
    from officina.projects.models import ProjectPerson

    guest = check_create_project_guest(
        email="chiara@client.example", password=TEST_PASSWORD, first_name="Chiara", last_name="Neri"
    )
    ProjectPerson.objects.create(project=project, member=guest, role=ProjectRole.VIEWER)
    return guest


@pytest.fixture
def shared_plan(giulia, project, chiara_guest):
    """A file with two versions and a guest of the project, made before the browser."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from officina.projects import actions
    from officina.projects.tests.fixtures import standing
    from officina.projects.uploads import check_upload

    owner = standing(giulia, project)
    shared = actions.check_add_file(owner, check_upload(SimpleUploadedFile("piano.pdf", PDF)))
    actions.check_add_version(owner, shared, check_upload(SimpleUploadedFile("piano.pdf", PDF)))
    return shared


@pytest.mark.browser
def test_a_guest_hears_of_a_mention_by_mail_and_an_owner_tidies_up_and_archives(
    new_context, giulia, chiara_guest, project, shared_plan, screenshot
):
    """On phones: Giulia in Italian, Chiara (a client guest) in English."""
    chiara_guest.language = "en"
    chiara_guest.save(update_fields=["language"])
    owner = new_context(giulia, locale="it-IT", viewport=PHONE, is_mobile=True).new_page()
    open_thread = project.threads.get(is_internal=False)
    owner.goto(f"/projects/threads/{open_thread.pk}/")
    owner.fill("#id_body", "@Chiara Neri, ci sono le date nuove.")
    owner.click("#comment-form button[type=submit]")
    owner.locator("#comments", has_text="ci sono le date nuove").wait_for()

    # The guest is mailed at once, in English, with the link into the project.
    (sent,) = mail.outbox
    assert sent.to == ["chiara@client.example"]
    assert sent.subject == "Giulia Rossi mentioned you in Calendario lavori"
    found = re.search(r"https?://\S+/projects/threads/\d+/#comment-\d+", str(sent.body))
    assert found is not None
    guest = new_context(chiara_guest, viewport=PHONE, is_mobile=True).new_page()
    # The mailed address is the site's (SITE_URL); this server answers the same path.
    guest.goto("/projects/" + found.group(0).split("/projects/", 1)[1])
    guest.locator("#comments", has_text="ci sono le date nuove").wait_for()

    # The guest answers, then corrects and deletes their own words.
    guest.fill("#id_body", "Grazie, va bene")
    guest.click("#comment-form button[type=submit]")
    mine = guest.locator(".comment", has_text="Grazie, va bene")
    mine.wait_for()
    assert (
        guest.locator(".comment", has_text="ci sono le date nuove").locator("text=Edit").count()
        == 0
    )  # not theirs
    mine.locator("a", has_text="Edit").click()
    guest.fill("#id_body", "Grazie, va benissimo")
    guest.click("#comment-edit-form button[type=submit]")
    edited = guest.locator(".comment", has_text="Grazie, va benissimo")
    edited.wait_for()
    assert "edited" in edited.inner_text()
    assert_no_sideways_scrolling(guest)
    screenshot(guest, "1-guest-edited")
    edited.locator("button", has_text="Delete").click()
    guest.locator(".message", has_text="Comment deleted.").wait_for()
    assert not Comment.objects.filter(author=chiara_guest).exists()

    # The owner deletes an old version, then archives the project.
    owner.goto(f"/projects/files/{shared_plan.pk}/")
    owner.locator("button", has_text="Elimina la v1").click()
    owner.locator(".message", has_text="Versione eliminata.").wait_for()
    assert list(shared_plan.versions.values_list("number", flat=True)) == [2]
    assert owner.locator("button", has_text="Elimina la v2").count() == 0  # the last one
    owner.goto(f"/projects/{project.pk}/")
    owner.click("#archive-form button")
    owner.locator("#archived-notice", has_text="Questo progetto è archiviato").wait_for()
    assert_no_sideways_scrolling(owner)
    screenshot(owner, "2-archived-it")
    assert "ha archiviato il progetto" in owner.locator("#project-activity").inner_text()

    # The guest still reads everything, and can write nothing.
    guest.goto(f"/projects/threads/{open_thread.pk}/")
    assert (
        "This project is archived: it can be read, not changed."
        in guest.locator("#archived-notice").inner_text()
    )
    assert guest.locator("#comment-form").count() == 0
    assert guest.locator("#archived-notice button").count() == 0  # only owners bring it back
    assert_no_sideways_scrolling(guest)
    screenshot(guest, "3-archived-en")

    owner.click("#archived-notice button")
    owner.locator(".message", has_text="Il progetto è di nuovo in attività").wait_for()
    guest.reload()
    guest.locator("#comment-form").wait_for()


@pytest.mark.browser
def test_inviting_a_clients_person_on_a_phone_in_italian(
    new_context, giulia, studio_rossi, project, screenshot
):
    """Giulia, on a 390 px phone in Italian, invites a person of a client company as a
    guest; the mail is in her language, the client accepts from its link on their phone,
    and sees their project only: no internal thread, no community page."""
    from django.utils import translation
    from django.utils.translation import gettext as _

    giulia.language = "it"
    giulia.save(update_fields=["language"])
    phone = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
    owner = new_context(giulia, locale="it-IT", **phone).new_page()
    owner.goto(f"/projects/{project.pk}/people/")
    assert_no_sideways_scrolling(owner)
    owner.fill("#id_person-email", "chiara@client.example")
    owner.select_option("#id_person-role", "viewer")
    owner.click("#invite-person-form button[type=submit]")
    with translation.override("it"):
        sent = _("Invitation sent to %(email)s.") % {"email": "chiara@client.example"}
        welcome = _("Welcome, %(name)s: this is the project.") % {"name": "Chiara"}
    assert sent != "Invitation sent to chiara@client.example."  # the Italian is there
    owner.locator(".message", has_text=sent).wait_for()
    assert_no_sideways_scrolling(owner)
    screenshot(owner, "1-invited-it")

    (invitation,) = mail.outbox
    assert invitation.to == ["chiara@client.example"]
    assert "Nuovo negozio" in invitation.subject and "invita" in invitation.subject
    found = re.search(r"https?://\S+/projects/invitations/\S+/", str(invitation.body))
    assert found is not None
    guest = new_context(locale="it-IT", **phone).new_page()
    guest.goto(found.group(0))
    assert_no_sideways_scrolling(guest)
    guest.fill("#id_first_name", "Chiara")
    guest.fill("#id_last_name", "Neri")
    guest.fill("#id_password", "vetrine-blu-2026")
    guest.click("#accept-form button[type=submit]")
    guest.locator(".message", has_text=welcome).wait_for()
    assert guest.locator("h1").inner_text() == "Nuovo negozio"
    assert_no_sideways_scrolling(guest)
    screenshot(guest, "2-guest-project-it")
    guest.goto(f"/projects/{project.pk}/threads/")
    threads = guest.locator("#thread-list").inner_text()
    assert "Calendario lavori" in threads and "Margini e prezzi" not in threads
    assert_no_sideways_scrolling(guest)
    internal = project.threads.get(is_internal=True)
    assert guest.goto(f"/projects/threads/{internal.pk}/").status == 404
    for closed in ("/feed/", "/members/", "/companies/", "/bookings/", "/spaces/"):
        assert guest.goto(closed).status == 404, closed
    guest.goto("/projects/")
    assert guest.locator("#my-projects .project-row").count() == 1
