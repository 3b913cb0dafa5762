"""The rules of the project actions: bad input is refused with a translated message
naming the field and changes nothing; mentions and assignments are told."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation

from officina.accounts.models import Member
from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.models import Notification
from officina.projects import actions
from officina.projects.kinds import ProjectRole
from officina.projects.models import (
    Activity,
    Comment,
    FileVersion,
    Project,
    ProjectInvitation,
    ProjectPerson,
    SharedFile,
    Task,
    Thread,
)
from officina.projects.tests.fixtures import standing
from officina.projects.tests.test_uploads import PDF, upload
from officina.projects.uploads import check_upload

LINKS = actions.InvitationLinks(
    accept=lambda token: f"http://testserver/projects/invitations/{token}/",
    project="http://testserver/projects/1/",
)


def refused(call: Callable[[], object], field: str | None = None) -> str:
    with pytest.raises(OfficinaError) as raised:
        call()
    assert raised.value.code == ErrorCode.INVALID_INPUT
    if field:
        assert raised.value.details.get("field") == field
    return str(raised.value.message)


def test_a_due_date_in_the_past_is_refused_and_nothing_is_made(shop, giulia):
    owner = standing(giulia, shop.project)
    today = date(2026, 12, 6)
    message = refused(
        lambda: actions.check_create_task(
            owner, title="Insegna", due_date=today - timedelta(days=1), today=today
        ),
        "due_date",
    )
    assert message == "The due date 2026-12-05 has passed: choose today or a later day."
    assert not Task.objects.exists()
    with translation.override("it"):
        message = refused(
            lambda: actions.check_create_task(
                owner, title="Insegna", due_date=date(2026, 12, 1), today=today
            )
        )
    assert message == "La scadenza 2026-12-01 è passata: scegli oggi o un giorno successivo."


def test_a_past_due_date_a_task_has_already_may_stay(shop, giulia):
    owner = standing(giulia, shop.project)
    task = actions.check_create_task(
        owner, title="Vetrina", due_date=date(2026, 12, 6), today=date(2026, 12, 6)
    )
    later = date(2026, 12, 20)
    actions.check_update_task(
        owner,
        task,
        title="Vetrina",
        description="",
        assignee_id=None,
        due_date=date(2026, 12, 6),
        status="doing",
        today=later,
    )
    refused(
        lambda: actions.check_update_task(
            owner,
            task,
            title="Vetrina",
            description="",
            assignee_id=None,
            due_date=date(2026, 12, 7),
            status="doing",
            today=later,
        ),
        "due_date",
    )
    task.refresh_from_db()
    assert task.due_date == date(2026, 12, 6)


def test_only_the_owning_company_marks_things_internal(shop, sara):
    supplier = standing(sara, shop.project)
    refused(
        lambda: actions.check_start_thread(supplier, title="Segreto", body="x", is_internal=True),
        "is_internal",
    )
    assert not Thread.objects.filter(title="Segreto").exists()


def test_an_assignee_must_contribute_and_see_the_task(shop, giulia, sara, chiara, outsider):
    owner = standing(giulia, shop.project)
    for member in (chiara, outsider):
        refused(
            partial(actions.check_create_task, owner, title="x", assignee_id=member.pk),
            "assignee",
        )
    refused(
        lambda: actions.check_create_task(owner, title="x", assignee_id=sara.pk, is_internal=True),
        "assignee",
    )
    assert not Task.objects.exists()


def test_an_assignment_is_told_to_the_assignee(shop, giulia, sara):
    task = actions.check_create_task(
        standing(giulia, shop.project), title="Forno", assignee_id=sara.pk
    )
    notice = Notification.objects.get(recipient=sara, kind="projects.assigned")
    # Stored as the English message and its values, worded when read.
    assert notice.text == "%(name)s assigned you the task %(task)s (%(project)s)"
    assert notice.params == {"name": "Giulia Rossi", "task": "Forno", "project": "Nuovo negozio"}
    assert notice.url == f"/projects/tasks/{task.pk}/"
    assert notice.shown_text == "Giulia Rossi assigned you the task Forno (Nuovo negozio)"
    with translation.override("it"):
        assert notice.shown_text == "Giulia Rossi ti ha assegnato l'attività Forno (Nuovo negozio)"
    # Sara is a member: her notifications reach her by the digest, not one e-mail each.
    assert not mail.outbox


def test_a_guest_is_mailed_each_mention_in_their_language_with_the_link(
    shop, giulia, chiara, django_capture_on_commit_callbacks
):
    chiara.language = "it"
    chiara.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        comment = actions.check_comment(
            standing(giulia, shop.project), shop.open, body="@Chiara Neri, ecco le date."
        )
    (sent,) = mail.outbox
    assert sent.to == ["chiara@client.example"]
    assert sent.subject == "Giulia Rossi ti ha menzionato in Calendario lavori"
    assert f"{settings.SITE_URL}/projects/threads/{shop.open.pk}/#comment-{comment.pk}" in sent.body
    assert sent.body.startswith("Ciao Chiara Neri,")


def test_a_guest_assigned_a_task_is_mailed_in_english_when_that_is_their_language(
    shop, giulia, chiara, django_capture_on_commit_callbacks
):
    person = ProjectPerson.objects.get(project=shop.project, member=chiara)
    person.role = ProjectRole.CONTRIBUTOR
    person.save()
    chiara.language = "en"
    chiara.save(update_fields=["language"])
    with translation.override("it"), django_capture_on_commit_callbacks(execute=True):
        task = actions.check_create_task(
            standing(giulia, shop.project), title="Scegliere le piastrelle", assignee_id=chiara.pk
        )
    (sent,) = mail.outbox
    assert sent.subject == (
        "Giulia Rossi assigned you the task Scegliere le piastrelle (Nuovo negozio)"
    )
    assert f"{settings.SITE_URL}/projects/tasks/{task.pk}/" in sent.body


def test_a_rolled_back_mention_mails_nobody(
    shop, giulia, chiara, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(OfficinaError):
        actions.check_start_thread(
            standing(giulia, shop.project), title="", body="@Chiara Neri guarda"
        )
    assert not mail.outbox and not Notification.objects.filter(recipient=chiara).exists()


def test_a_mention_is_told_to_those_who_see_the_thread_only(shop, giulia, marco, sara, chiara):
    owner = standing(giulia, shop.project)
    actions.check_comment(owner, shop.open, body="@Sara Bianchi e @Chiara Neri, ecco le date.")
    assert set(
        Notification.objects.filter(kind="projects.mention").values_list("recipient", flat=True)
    ) == {sara.pk, chiara.pk}
    Notification.objects.all().delete()
    actions.check_comment(owner, shop.internal, body="@Marco, @Sara Bianchi non deve saperlo")
    assert list(
        Notification.objects.filter(kind="projects.mention").values_list("recipient", flat=True)
    ) == [marco.pk]


def test_an_empty_comment_is_refused(shop, chiara):
    viewer = standing(chiara, shop.project)
    assert (
        refused(lambda: actions.check_comment(viewer, shop.open, body="   "), "body")
        == "Write something first."
    )
    assert not shop.open.comments.exists()
    actions.check_comment(viewer, shop.open, body="Va bene per noi.")
    assert shop.open.comments.count() == 1


def test_inviting_a_stranger_mails_a_link_that_makes_a_guest(shop, giulia, client):
    owner = standing(giulia, shop.project)
    invitation = actions.check_invite_person(
        owner, email="Piero@Fornaio.example", role="contributor", links=LINKS
    )
    assert isinstance(invitation, ProjectInvitation)
    (sent,) = mail.outbox
    assert sent.to == ["piero@fornaio.example"]
    link = next(line for line in sent.body.splitlines() if "/projects/invitations/" in line)
    token = link.rsplit("/", 2)[1]
    guest = actions.check_accept_invitation(
        token, password="pane-caldo-42", first_name="Piero", last_name="Forni"
    )
    assert guest.is_guest and guest.email == "piero@fornaio.example"
    assert standing(guest, shop.project).role == ProjectRole.CONTRIBUTOR
    with pytest.raises(OfficinaError) as used:
        actions.check_accept_invitation(
            token, password="pane-caldo-42", first_name="P", last_name="F"
        )
    assert used.value.code == ErrorCode.NOT_FOUND


def test_a_weak_password_makes_no_guest_and_keeps_the_invitation(shop, giulia):
    owner = standing(giulia, shop.project)
    actions.check_invite_person(owner, email="anna@example.test", role="viewer", links=LINKS)
    token = mail.outbox[0].body.split("/projects/invitations/")[1].split("/")[0]
    refused(
        lambda: actions.check_accept_invitation(
            token, password="123", first_name="Anna", last_name="B"
        ),
        "password",
    )
    assert not Member.objects.filter(email="anna@example.test").exists()
    assert ProjectInvitation.objects.get(email="anna@example.test").accepted_at is None


def test_inviting_a_member_adds_them_at_once(shop, giulia, luca):
    person = actions.check_invite_person(
        standing(giulia, shop.project), email=luca.email, role="viewer", links=LINKS
    )
    assert isinstance(person, ProjectPerson)
    assert Notification.objects.filter(recipient=luca, kind="projects.added").exists()
    refused(
        lambda: actions.check_invite_person(
            standing(giulia, shop.project), email=luca.email, role="viewer", links=LINKS
        ),
        "email",
    )


def test_bad_invitations_are_refused(shop, giulia):
    owner = standing(giulia, shop.project)
    refused(
        lambda: actions.check_invite_person(
            owner, email="not an address", role="viewer", links=LINKS
        ),
        "email",
    )
    refused(
        lambda: actions.check_invite_person(
            owner, email="a@example.test", role="boss", links=LINKS
        ),
        "role",
    )
    assert not ProjectInvitation.objects.exists() and not mail.outbox


def test_a_company_is_added_once_and_as_something(shop, giulia, panificio, make_company):
    owner = standing(giulia, shop.project)
    refused(
        lambda: actions.check_add_company(owner, panificio, role="viewer", relation="partner"),
        "company",
    )
    other = make_company("Ottica Verdi")
    refused(
        lambda: actions.check_add_company(owner, other, role="viewer", relation="friend"),
        "relation",
    )


def test_activity_of_internal_things_is_marked_internal(shop):
    lines = {
        line.subject: line.is_internal for line in Activity.objects.filter(project=shop.project)
    }
    assert lines["Margini e prezzi"] is True
    assert lines["Calendario lavori"] is False


# Editing, deleting, archiving ------------------------------------------------------------


def kinds(project: Project) -> list[str]:
    return list(Activity.objects.filter(project=project).values_list("kind", flat=True))


def test_editing_a_thread_is_in_the_stream_and_tells_only_the_newly_mentioned(
    shop, giulia, sara, chiara
):
    owner = standing(giulia, shop.project)
    thread = actions.check_start_thread(owner, title="Date", body="@Sara Bianchi vedi")
    Notification.objects.all().delete()
    actions.check_edit_thread(
        owner, thread, title="Date di consegna", body="@Sara Bianchi e @Chiara Neri vedete"
    )
    thread.refresh_from_db()
    assert thread.title == "Date di consegna" and thread.edited_at is not None
    assert list(Notification.objects.values_list("recipient", flat=True)) == [chiara.pk]
    line = Activity.objects.filter(project=shop.project)[0]
    assert (line.kind, line.subject) == ("thread_edited", "Date di consegna")


def test_a_bad_edit_changes_nothing(shop, giulia):
    owner = standing(giulia, shop.project)
    before = kinds(shop.project)
    refused(lambda: actions.check_edit_thread(owner, shop.open, title=" ", body="x"), "title")
    comment = actions.check_comment(owner, shop.open, body="Primo")
    refused(lambda: actions.check_edit_comment(owner, comment, body=" "), "body")
    shop.open.refresh_from_db()
    comment.refresh_from_db()
    assert shop.open.title == "Calendario lavori" and shop.open.edited_at is None
    assert comment.body == "Primo" and comment.edited_at is None
    assert kinds(shop.project) == ["comment", *before]


def test_deleting_a_thread_takes_its_comments_and_unlinks_its_lines(shop, giulia, chiara):
    viewer = standing(chiara, shop.project)
    actions.check_comment(viewer, shop.open, body="Va bene")
    actions.check_delete_thread(standing(giulia, shop.project), shop.open)
    assert not Thread.objects.filter(pk=shop.open.pk).exists()
    assert not Comment.objects.filter(thread_id=shop.open.pk).exists()
    lines = Activity.objects.filter(project=shop.project, subject="Calendario lavori")
    assert [line.kind for line in lines] == ["thread_deleted", "comment", "thread"]
    # No line points at the page that is gone.
    assert all(f"/threads/{shop.open.pk}/" not in line.url for line in lines)


def test_deleting_an_internal_thread_stays_an_internal_line(shop, giulia):
    actions.check_delete_thread(standing(giulia, shop.project), shop.internal)
    line = Activity.objects.filter(project=shop.project)[0]
    assert line.kind == "thread_deleted" and line.is_internal


def test_editing_and_deleting_a_comment(shop, giulia, chiara):
    viewer = standing(chiara, shop.project)
    comment = actions.check_comment(viewer, shop.open, body="Va bene")
    actions.check_edit_comment(viewer, comment, body="Va benissimo")
    comment.refresh_from_db()
    assert comment.body == "Va benissimo" and comment.edited_at is not None
    actions.check_delete_comment(standing(giulia, shop.project), comment)
    assert not Comment.objects.filter(pk=comment.pk).exists()
    assert kinds(shop.project)[:3] == ["comment_deleted", "comment_edited", "comment"]


def test_deleting_a_file_takes_every_version_and_its_bytes_once_committed(
    shop, giulia, sara, django_capture_on_commit_callbacks
):
    contributor = standing(sara, shop.project)
    shared = actions.check_add_file(contributor, check_upload(upload("piano.pdf", PDF)))
    actions.check_add_version(contributor, shared, check_upload(upload("piano2.pdf", PDF)))
    paths = [Path(version.content.path) for version in shared.versions.all()]
    assert all(path.exists() for path in paths)
    with django_capture_on_commit_callbacks(execute=True):
        actions.check_delete_file(contributor, shared)
    assert not SharedFile.objects.filter(pk=shared.pk).exists()
    assert not FileVersion.objects.filter(file_id=shared.pk).exists()
    assert not any(path.exists() for path in paths)
    assert kinds(shop.project)[0] == "file_deleted"


def test_a_file_keeps_its_last_version(shop, giulia, django_capture_on_commit_callbacks):
    owner = standing(giulia, shop.project)
    shared = actions.check_add_file(owner, check_upload(upload("piano.pdf", PDF)))
    second = actions.check_add_version(owner, shared, check_upload(upload("v2.pdf", PDF)))
    first = shared.versions.get(number=1)
    with django_capture_on_commit_callbacks(execute=True):
        actions.check_delete_version(owner, first)
    assert list(shared.versions.values_list("number", flat=True)) == [2]
    assert not Path(first.content.path).exists() and Path(second.content.path).exists()
    message = refused(lambda: actions.check_delete_version(owner, second), "version")
    assert message == "This is the only version of piano.pdf: delete the file instead."
    assert shared.versions.count() == 1 and Path(second.content.path).exists()
    assert kinds(shop.project)[0] == "version_deleted"


def test_archiving_and_bringing_back_are_in_the_stream_once_each(shop, giulia):
    owner = standing(giulia, shop.project)
    actions.check_set_archived(owner, True)
    archived = standing(giulia, shop.project)
    actions.check_set_archived(archived, True)  # already archived: nothing new
    assert kinds(shop.project)[:2] == ["archived", "thread"]
    actions.check_set_archived(archived, False)
    shop.project.refresh_from_db()
    assert shop.project.archived_at is None
    assert kinds(shop.project)[:2] == ["unarchived", "archived"]


def test_a_projects_needed_skills_are_readable_by_id_for_matchmaking(shop, giulia):
    from officina.projects.selectors import needed_skill_ids_of_project
    from officina.skills.kinds import SkillCategory
    from officina.skills.models import Skill

    skills = [
        Skill.objects.create(
            slug=slug, name_en=slug, name_it=slug, category=SkillCategory.DEVELOPMENT
        )
        for slug in ("django", "carpentry", "lighting")
    ]
    assert needed_skill_ids_of_project(shop.project.pk) == []
    actions.check_update_project(
        standing(giulia, shop.project),
        name="Nuovo negozio",
        description="",
        needed_skills=["lighting", "django"],
    )
    assert needed_skill_ids_of_project(shop.project.pk) == sorted([skills[0].pk, skills[2].pk])
    assert needed_skill_ids_of_project(999_999) == []


def test_a_guest_added_to_another_project_gets_the_invitation_mail_only(
    shop, giulia, sara, panificio, chiara, django_capture_on_commit_callbacks
):
    other = actions.check_create_project(sara, panificio, name="Forno nuovo")
    with django_capture_on_commit_callbacks(execute=True):
        actions.check_invite_person(
            standing(sara, other), email=chiara.email, role="viewer", links=LINKS
        )
    (sent,) = mail.outbox
    assert sent.subject == "Sara Bianchi invites you to the project Forno nuovo"
    assert Notification.objects.filter(recipient=chiara, kind="projects.added").exists()
