"""The rules of the project actions: bad input is refused with a translated message
naming the field and changes nothing; mentions and assignments are told."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

import pytest
from django.core import mail
from django.utils import translation

from officina.accounts.models import Member
from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.models import Notification
from officina.projects import actions
from officina.projects.kinds import ProjectRole
from officina.projects.models import (
    Activity,
    ProjectInvitation,
    ProjectPerson,
    Task,
    Thread,
)
from officina.projects.tests.fixtures import standing

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
    assert notice.shown_text == "Giulia Rossi assigned you the task Forno (Nuovo negozio)"
    assert notice.url == f"/projects/{task.project_id}/tasks/"


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
