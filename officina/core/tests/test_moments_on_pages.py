"""Moments on the newer pages go through the one formatter (``|moment``): Italian reads
24-hour, English its own way, both on the reader's clock (their chosen time zone)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from officina.accounts.actions import check_join_space
from officina.accounts.models import Member, SpaceJoinRequest
from officina.projects import actions as projects
from officina.projects.models import Comment, Thread
from officina.projects.tests.fixtures import chiara, shop, standing
from officina.voicemail.models import VoicemailMessage
from officina.voicemail.tests.test_views import a_message

pytestmark = pytest.mark.django_db
__all__ = ["chiara", "shop"]  # fixtures of the project pages

# 21:05 in London is 06:05 the next morning in Tokyo.
MOMENT = datetime(2026, 3, 12, 21, 5, tzinfo=UTC)
SHOWN = {"it": "13/03/2026 06:05", "en": "03/13/2026 6:05 a.m."}
WRONG = ["12/03/2026", "21:05", "9:05 p.m."]  # the server's zone, or UTC


def _reader(member: Member, language: str) -> Member:
    member.language, member.time_zone = language, "Asia/Tokyo"
    member.save(update_fields=["language", "time_zone"])
    return member


def _shows_the_moment(page: str, language: str) -> None:
    assert SHOWN[language] in page
    assert not [wrong for wrong in WRONG if wrong in page]


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_join_request_queue(client_for, luca, outsider, navigli, language):
    check_join_space(outsider, navigli)
    SpaceJoinRequest.objects.update(created_at=MOMENT)
    page = client_for(_reader(luca, language)).get("/spaces/navigli/requests/")
    _shows_the_moment(page.content.decode(), language)


@pytest.mark.parametrize("language", ["it", "en"])
def test_a_project_thread_and_its_comments(client_for, shop, giulia, sara, language):
    comment = projects.check_comment(standing(giulia, shop.project), shop.open, body="Ecco.")
    Comment.objects.filter(pk=comment.pk).update(created_at=MOMENT)
    Thread.objects.filter(pk=shop.open.pk).update(created_at=MOMENT)
    page = client_for(_reader(sara, language)).get(f"/projects/threads/{shop.open.pk}/")
    assert page.content.decode().count(SHOWN[language]) == 2
    _shows_the_moment(page.content.decode(), language)


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_voicemail_page(client_for, giulia, django_capture_on_commit_callbacks, language):
    message = a_message(giulia, lambda: django_capture_on_commit_callbacks(execute=True))
    VoicemailMessage.objects.filter(pk=message.pk).update(received_at=MOMENT)
    page = client_for(_reader(giulia, language)).get("/phone/voicemail/")
    _shows_the_moment(page.content.decode(), language)
