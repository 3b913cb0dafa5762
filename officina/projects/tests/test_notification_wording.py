"""What a project tells people (added, assigned, mentioned) is worded when read: made
while the recipient used English, it reads in Italian once they switch, and back."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import translation

from officina.accounts.models import Member
from officina.notifications.models import Notification
from officina.projects import actions
from officina.projects.kinds import ProjectRole
from officina.projects.tests.fixtures import standing

LANGUAGES = [("en", "it"), ("it", "en")]
LINKS = actions.InvitationLinks(
    accept=lambda token: f"http://testserver/projects/invitations/{token}/",
    project="http://testserver/projects/1/",
)


def _read(
    recipient: Member, kind: str, made_in: str, read_in: str, act: Callable[[], object]
) -> str:
    recipient.language = made_in
    recipient.save(update_fields=["language"])
    with translation.override(made_in):
        act()
    notification = Notification.objects.filter(recipient=recipient, kind=kind).latest("id")
    assert notification.params is not None
    with translation.override(read_in):
        return notification.shown_text


@pytest.mark.parametrize(("made_in", "read_in"), LANGUAGES)
def test_an_assignment(shop, giulia, sara, made_in, read_in):
    owner = standing(giulia, shop.project)
    shown = _read(
        sara,
        "projects.assigned",
        made_in,
        read_in,
        lambda: actions.check_create_task(owner, title="Forno", assignee_id=sara.pk),
    )
    expected = {
        "en": "Giulia Rossi assigned you the task Forno (Nuovo negozio)",
        "it": "Giulia Rossi ti ha assegnato l'attività Forno (Nuovo negozio)",
    }
    assert shown == expected[read_in]


@pytest.mark.parametrize(("made_in", "read_in"), LANGUAGES)
def test_a_mention(shop, giulia, sara, made_in, read_in):
    owner = standing(giulia, shop.project)
    shown = _read(
        sara,
        "projects.mention",
        made_in,
        read_in,
        lambda: actions.check_comment(owner, shop.open, body="@Sara Bianchi, le date?"),
    )
    expected = {
        "en": "Giulia Rossi mentioned you in Calendario lavori",
        "it": "Giulia Rossi ti ha menzionato in Calendario lavori",
    }
    assert shown == expected[read_in]


@pytest.mark.parametrize(("made_in", "read_in"), LANGUAGES)
def test_a_person_added(shop, giulia, luca, made_in, read_in):
    owner = standing(giulia, shop.project)
    shown = _read(
        luca,
        "projects.added",
        made_in,
        read_in,
        lambda: actions.check_invite_person(owner, email=luca.email, role="viewer", links=LINKS),
    )
    expected = {
        "en": "Giulia Rossi added you to the project Nuovo negozio",
        "it": "Giulia Rossi ti ha aggiunto al progetto Nuovo negozio",
    }
    assert shown == expected[read_in]


@pytest.mark.parametrize(("made_in", "read_in"), LANGUAGES)
def test_a_company_added(shop, giulia, luca, make_company, made_in, read_in):
    """The added company's people are told."""
    owner = standing(giulia, shop.project)
    printers = make_company("Tipografia Verdi", owners=(luca,))
    shown = _read(
        luca,
        "projects.added",
        made_in,
        read_in,
        lambda: actions.check_add_company(
            owner, printers, role=ProjectRole.CONTRIBUTOR, relation="supplier"
        ),
    )
    expected = {
        "en": "Giulia Rossi added Tipografia Verdi to the project Nuovo negozio",
        "it": "Giulia Rossi ha aggiunto Tipografia Verdi al progetto Nuovo negozio",
    }
    assert shown == expected[read_in]
