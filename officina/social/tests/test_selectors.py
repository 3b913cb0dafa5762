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


def test_notifications_speak_the_readers_language_when_read(giulia, marco):
    with translation.override("en"):
        check_follow_member(giulia, marco)
        do_send_message(giulia, check_start_conversation(giulia, [marco]), "ciao")
    notifications = Notification.objects.filter(recipient=marco)
    with translation.override("it"):
        shown = {notification.shown_text for notification in notifications}
    assert shown == {"Giulia Rossi ha iniziato a seguirti.", "Nuovo messaggio da Giulia Rossi."}
    with translation.override("en"):
        shown = {notification.shown_text for notification in notifications}
    assert shown == {"Giulia Rossi started following you.", "New message from Giulia Rossi."}


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
def test_directory_by_name_scans_once_and_sorts_the_matches(make_member):
    """With a name filter, one scan finds every match (no separate count), and SQLite
    sorts the matches rather than walking the name index row by row (the whole index
    when few members match)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from officina.social.selectors import directory_page

    for number in range(30):
        make_member(first_name=f"Anna{number}", last_name="Bassi")
    with CaptureQueriesContext(connection) as captured:
        page = directory_page(query="bassi", page_number=2)
        assert page.paginator.count == 30
        assert [member.first_name for member in page.object_list] == sorted(
            f"Anna{number}" for number in range(30)
        )[24:]
    scans = [query["sql"] for query in captured.captured_queries if "LIKE" in query["sql"]]
    assert len(scans) == 1
    if connection.vendor != "sqlite":
        pytest.skip("the plan checked is SQLite's")
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {scans[0]}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "member_name_idx" not in plan
    assert "TEMP B-TREE FOR ORDER BY" in plan


@pytest.mark.django_db
def test_directory_by_name_with_a_skill_or_company_filter(giulia, marco, sara, make_member):
    from officina.skills.actions import do_add_member_skill
    from officina.skills.models import Skill
    from officina.social.selectors import directory_page

    skill = Skill.objects.create(slug="ceramics-t", name_en="Ceramics", name_it="Ceramica")
    do_add_member_skill(giulia, skill, "skill")
    do_add_member_skill(marco, skill, "offer")
    with_skill = directory_page(query="o", skill="ceramics-t")
    assert [member.pk for member in with_skill.object_list] == [marco.pk, giulia.pk]
    assert with_skill.paginator.count == 2
    named = directory_page(query="colombo", skill="ceramics-t").object_list
    assert [member.pk for member in named] == [marco.pk]
    in_company = directory_page(query="ross", company="studio-rossi").object_list
    assert [member.pk for member in in_company] == [giulia.pk]


@pytest.mark.django_db
def test_directory_by_name_matches_every_word_in_the_name_or_headline(giulia, marco, sara):
    from officina.social.actions import do_update_profile
    from officina.social.selectors import directory_page

    do_update_profile(sara, headline="Panettiera a Milano", bio="", links=[])
    do_update_profile(marco, headline="Sviluppatore", bio="Panettiera", links=[])

    def found(query: str) -> list[int]:
        return [member.pk for member in directory_page(query=query).object_list]

    assert found("PANETT") == [sara.pk]  # the headline, not the bio
    assert found("sara milano") == [sara.pk]  # each word, in any of the three
    assert found("giulia milano") == []
    assert found("ross giu") == [giulia.pk]
