from __future__ import annotations

import pytest
from django.utils import translation

from officina.notifications.models import Notification
from officina.social.actions import (
    check_follow_member,
    check_start_conversation,
    do_mark_conversation_read,
    do_send_message,
)
from officina.social.selectors import inbox, unread_conversation_count

pytestmark = pytest.mark.django_db


def test_unread_conversations(giulia, marco, sara):
    with_marco = check_start_conversation(giulia, [marco])
    with_sara = check_start_conversation(giulia, [sara])
    assert unread_conversation_count(giulia) == 0
    do_send_message(marco, with_marco, "ciao")
    do_send_message(sara, with_sara, "ciao")
    do_send_message(giulia, with_sara, "rispondo subito")
    # Giulia's own reply marks the conversation with Sara read.
    assert unread_conversation_count(giulia) == 1
    assert [getattr(c, "unread", None) for c in inbox(giulia)] == [False, True]
    do_mark_conversation_read(giulia, with_marco)
    assert unread_conversation_count(giulia) == 0


def test_notifications_speak_the_recipients_language(giulia, marco):
    marco.language = "it"
    marco.save(update_fields=["language"])
    with translation.override("en"):
        check_follow_member(giulia, marco)
        do_send_message(giulia, check_start_conversation(giulia, [marco]), "ciao")
    texts = set(Notification.objects.filter(recipient=marco).values_list("text", flat=True))
    assert texts == {"Giulia Rossi ha iniziato a seguirti.", "Nuovo messaggio da Giulia Rossi."}
