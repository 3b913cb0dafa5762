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


@pytest.mark.django_db
def test_directory_by_name_keeps_the_surname_order(make_member):
    from officina.social.selectors import directory_page

    make_member(first_name="Zeno", last_name="Bassi")
    make_member(first_name="Anna", last_name="Bassi")
    make_member(first_name="Carla", last_name="Abbiati")
    make_member(first_name="Bruno", last_name="Zucca")
    make_member(first_name="Elio", last_name="Neri")  # matches no filter below

    names = [
        (member.last_name, member.first_name)
        for member in directory_page(query="a").object_list
        if member.last_name in {"Bassi", "Abbiati", "Zucca", "Neri"}
    ]
    assert names == [("Abbiati", "Carla"), ("Bassi", "Anna"), ("Bassi", "Zeno"), ("Zucca", "Bruno")]
    assert [m.first_name for m in directory_page(query="bassi").object_list] == ["Anna", "Zeno"]


@pytest.mark.django_db
def test_directory_by_name_is_not_ordered_along_the_name_index(make_member):
    """With a name filter SQLite must scan and sort the matches, not walk the name index
    row by row (the whole index when few members match)."""
    from django.db import connection

    from officina.social.selectors import directory_page

    make_member(first_name="Anna", last_name="Bassi")
    page = directory_page(query="bassi")
    sql, params = page.paginator.object_list.query.sql_with_params()  # type: ignore[attr-defined]
    if connection.vendor != "sqlite":
        pytest.skip("the plan checked is SQLite's")
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "member_name_idx" not in plan
    assert "TEMP B-TREE FOR ORDER BY" in plan
