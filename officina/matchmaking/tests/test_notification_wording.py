"""An invitation to answer is worded when read: made while the invited member used
English, it reads in Italian once they switch, and the other way round."""

from __future__ import annotations

import pytest
from django.utils import translation

from officina.knowledge.actions import check_ask_question
from officina.matchmaking.actions import check_invite_to_answer
from officina.notifications.models import Notification

pytestmark = pytest.mark.django_db

WORDS = {
    "en": "Giulia Rossi invites you to answer “Reverse charge on a German client?”.",
    "it": "Giulia Rossi ti invita a rispondere a “Reverse charge on a German client?”.",
}


@pytest.mark.parametrize(("made_in", "read_in"), [("en", "it"), ("it", "en")])
def test_an_invitation_to_answer(giulia, marco, made_in, read_in):
    question = check_ask_question(giulia, title="Reverse charge on a German client?", body="?")
    marco.language = made_in
    marco.save(update_fields=["language"])
    with translation.override(made_in):
        check_invite_to_answer(giulia, question, marco)
    notification = Notification.objects.get(recipient=marco, kind="matchmaking.invitation")
    assert notification.params is not None
    with translation.override(read_in):
        assert notification.shown_text == WORDS[read_in]
