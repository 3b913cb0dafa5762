"""Joining a space or a company tells people in words chosen when they read them: a
notification made while its recipient used English reads in Italian once they switch,
and the other way round."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import translation

from officina.accounts import actions
from officina.accounts.models import CompanyJoinRequest, Member, SpaceJoinRequest
from officina.notifications.models import Notification

pytestmark = pytest.mark.django_db

LANGUAGES = [("en", "it"), ("it", "en")]


def _read(recipient: Member, made_in: str, read_in: str, act: Callable[[], object]) -> str:
    """What ``recipient`` reads in ``read_in`` of what ``act`` told them while their
    language (and the acting request's) was ``made_in``."""
    recipient.language = made_in
    recipient.save(update_fields=["language"])
    with translation.override(made_in):
        act()
    notification = Notification.objects.filter(recipient=recipient).latest("id")
    assert notification.params is not None  # stored as a message with values, not words
    with translation.override(read_in):
        return notification.shown_text


WORDS = {
    "invitation": {
        "en": "Giulia Rossi invites you to join Studio Rossi.",
        "it": "Giulia Rossi ti invita a entrare in Studio Rossi.",
    },
    "invitation_accepted": {
        "en": "Ugo Esposito accepted your invitation to Studio Rossi.",
        "it": "Ugo Esposito ha accettato il tuo invito in Studio Rossi.",
    },
    "invitation_declined": {
        "en": "Ugo Esposito declined your invitation to Studio Rossi.",
        "it": "Ugo Esposito ha rifiutato il tuo invito in Studio Rossi.",
    },
    "company_request": {
        "en": "Ugo Esposito asks to join Studio Rossi.",
        "it": "Ugo Esposito chiede di entrare in Studio Rossi.",
    },
    "company_approved": {
        "en": "Welcome to Studio Rossi: Giulia Rossi accepted your request.",
        "it": "Benvenuto in Studio Rossi: Giulia Rossi ha accettato la tua richiesta.",
    },
    "company_refused": {
        "en": "Giulia Rossi did not accept your request to join Studio Rossi.",
        "it": "Giulia Rossi non ha accettato la tua richiesta di entrare in Studio Rossi.",
    },
    "space_request": {
        "en": "Ugo Esposito asks to join Officina Navigli.",
        "it": "Ugo Esposito chiede di entrare in Officina Navigli.",
    },
    "space_approved": {
        "en": "Welcome to Officina Navigli: Luca Ferrari accepted your request.",
        "it": "Benvenuto in Officina Navigli: Luca Ferrari ha accettato la tua richiesta.",
    },
    "space_refused": {
        "en": "Luca Ferrari did not accept your request to join Officina Navigli.",
        "it": "Luca Ferrari non ha accettato la tua richiesta di entrare in Officina Navigli.",
    },
}


@pytest.mark.parametrize(("made_in", "read_in"), LANGUAGES)
def test_a_company_invitation(giulia, outsider, studio_rossi, made_in, read_in):
    shown = _read(
        outsider,
        made_in,
        read_in,
        lambda: actions.check_add_company_member(giulia, studio_rossi, email=outsider.email),
    )
    assert shown == WORDS["invitation"][read_in]


@pytest.mark.parametrize("accept", [True, False])
@pytest.mark.parametrize(("made_in", "read_in"), LANGUAGES)
def test_the_answer_to_a_company_invitation(
    giulia, outsider, studio_rossi, made_in, read_in, accept
):
    actions.check_add_company_member(giulia, studio_rossi, email=outsider.email)
    shown = _read(
        giulia,
        made_in,
        read_in,
        lambda: actions.check_answer_company_invitation(outsider, studio_rossi, accept=accept),
    )
    assert shown == WORDS["invitation_accepted" if accept else "invitation_declined"][read_in]


@pytest.mark.parametrize(("made_in", "read_in"), LANGUAGES)
def test_a_request_to_join_a_company(giulia, outsider, studio_rossi, made_in, read_in):
    shown = _read(
        giulia,
        made_in,
        read_in,
        lambda: actions.check_ask_to_join_company(outsider, studio_rossi),
    )
    assert shown == WORDS["company_request"][read_in]


@pytest.mark.parametrize("approve", [True, False])
@pytest.mark.parametrize(("made_in", "read_in"), LANGUAGES)
def test_the_decision_on_a_company_request(
    giulia, outsider, studio_rossi, made_in, read_in, approve
):
    actions.check_ask_to_join_company(outsider, studio_rossi)
    request = CompanyJoinRequest.objects.get()
    shown = _read(
        outsider,
        made_in,
        read_in,
        lambda: actions.check_decide_company_join_request(giulia, request, approve=approve),
    )
    assert shown == WORDS["company_approved" if approve else "company_refused"][read_in]


@pytest.mark.parametrize(("made_in", "read_in"), LANGUAGES)
def test_a_request_to_join_a_space(luca, outsider, navigli, made_in, read_in):
    shown = _read(luca, made_in, read_in, lambda: actions.check_join_space(outsider, navigli))
    assert shown == WORDS["space_request"][read_in]


@pytest.mark.parametrize("approve", [True, False])
@pytest.mark.parametrize(("made_in", "read_in"), LANGUAGES)
def test_the_decision_on_a_space_request(luca, outsider, navigli, made_in, read_in, approve):
    actions.check_join_space(outsider, navigli)
    request = SpaceJoinRequest.objects.get()
    shown = _read(
        outsider,
        made_in,
        read_in,
        lambda: actions.check_decide_join_request(luca, request, approve=approve),
    )
    assert shown == WORDS["space_approved" if approve else "space_refused"][read_in]
