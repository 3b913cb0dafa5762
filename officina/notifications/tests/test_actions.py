from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, gettext_noop

from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.access import access_notification_by_id
from officina.notifications.actions import (
    DIGEST_MAX_ITEMS,
    Notice,
    do_mark_all_read,
    do_mark_read,
    do_mark_read_for_url,
    do_notify,
    do_notify_many,
    do_send_digest,
    do_send_digests,
    do_set_digest_frequency,
)
from officina.notifications.kinds import DigestFrequency
from officina.notifications.live import member_group
from officina.notifications.models import DigestPreference, Notification
from officina.notifications.selectors import has_unread, members_due_for_digest, unread_count
from officina.notifications.tasks import enqueue_due_digests, send_digests
from officina.social.actions import check_follow_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _nothing_unread_yet(community):
    """Setting up the community may notify people (e.g. company invitations): start clean."""
    Notification.objects.update(read_at=timezone.now())


def test_notify_records_and_counts(giulia, marco):
    do_notify(giulia, "test.kind", actor=marco, text="Marco did something", url="/feed/")
    do_notify(giulia, "test.kind", text="Another thing", url="/feed/")
    assert unread_count(giulia) == 2
    assert unread_count(marco) == 0
    notification = Notification.objects.filter(recipient=giulia).latest("created_at", "id")
    assert notification.text == "Another thing"


def test_notify_many_records_each_and_pushes_once_per_recipient(
    giulia, marco, django_capture_on_commit_callbacks
):
    last_week = timezone.now() - timedelta(days=7)
    with django_capture_on_commit_callbacks() as callbacks:
        notifications = do_notify_many(
            [
                Notice(giulia, "test.kind", "First", actor=marco, at=last_week),
                Notice(giulia, "test.kind", "Second", actor=marco, url="/feed/"),
                Notice(marco, "test.kind", "x" * 900),
            ]
        )
    assert [n.text for n in notifications] == ["First", "Second", "x" * 500]
    assert Notification.objects.get(pk=notifications[0].pk).created_at == last_week
    assert Notification.objects.get(pk=notifications[1].pk).created_at > last_week
    assert unread_count(giulia) == 2 and unread_count(marco) == 1
    assert len(callbacks) == 2


def test_one_transaction_pushes_each_recipient_once_with_the_newest(
    giulia, marco, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(member_group(giulia.pk), channel)
    with django_capture_on_commit_callbacks(execute=True):
        do_notify(giulia, "test.kind", actor=marco, text="One")
        do_notify(giulia, "test.kind", actor=marco, text="Two")
    pushed = async_to_sync(layer.receive)(channel)
    assert pushed["payload"]["message"] == "Two"
    assert pushed["payload"]["unread"] == 2
    assert async_to_sync(_nothing_within)(layer, channel, 0.2)
    with django_capture_on_commit_callbacks(execute=True):
        do_notify(giulia, "test.kind", text="Three")
    assert async_to_sync(layer.receive)(channel)["payload"]["message"] == "Three"


async def _nothing_within(layer, channel, seconds):
    try:
        await asyncio.wait_for(layer.receive(channel), seconds)
    except TimeoutError:
        return True
    return False


def test_notify_truncates_overlong_text(giulia):
    notification = do_notify(giulia, "test.kind", text="x" * 900, url="/")
    assert len(notification.text) == 500


def test_mark_read_and_all_read(giulia):
    first = do_notify(giulia, "test.kind", text="one", url="/a/")
    do_notify(giulia, "test.kind", text="two", url="/b/")
    do_notify(giulia, "test.kind", text="three", url="/c/")
    do_mark_read(first)
    assert unread_count(giulia) == 2
    assert do_mark_read_for_url(giulia, "/b/") == 1
    assert unread_count(giulia) == 1
    assert do_mark_all_read(giulia) == 1
    assert unread_count(giulia) == 0
    assert not has_unread(giulia, "test.kind", "/c/")


def test_access_to_another_members_notification_is_not_found(giulia, marco):
    notification = do_notify(giulia, "test.kind", text="private", url="/")
    assert access_notification_by_id(giulia, notification.pk) == notification
    with pytest.raises(OfficinaError) as missing:
        access_notification_by_id(marco, notification.pk)
    with pytest.raises(OfficinaError) as absent:
        access_notification_by_id(marco, 999_999)
    assert missing.value.code == absent.value.code == ErrorCode.NOT_FOUND
    assert str(missing.value) == str(absent.value)


def test_unknown_digest_frequency_is_refused(giulia):
    with pytest.raises(OfficinaError):
        do_set_digest_frequency(giulia, "hourly")
    assert not DigestPreference.objects.filter(member=giulia).exists()


def test_digest_mails_unread_since_last_digest_once(giulia, marco):
    do_notify(
        giulia, "test.kind", actor=marco, text="Marco commented on your post.", url="/posts/1/"
    )
    assert do_send_digest(giulia) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["giulia@officina.test"]
    assert "Marco commented on your post." in message.body
    assert "/posts/1/" in message.body
    # Nothing new since: no second e-mail.
    assert do_send_digest(giulia) == 0
    assert len(mail.outbox) == 1


def test_digest_in_the_members_language(giulia):
    giulia.language = "it"
    giulia.save(update_fields=["language"])
    do_notify(giulia, "test.kind", text="Qualcosa", url="/")
    do_send_digest(giulia)
    assert "Ciao" in mail.outbox[0].body


def test_no_digest_for_members_who_opted_out(giulia):
    do_set_digest_frequency(giulia, DigestFrequency.NEVER)
    do_notify(giulia, "test.kind", text="Hidden", url="/")
    assert do_send_digest(giulia) == 0
    assert mail.outbox == []


def test_due_members_follow_their_frequency(giulia, marco, sara):
    do_set_digest_frequency(giulia, DigestFrequency.DAILY)
    do_set_digest_frequency(sara, DigestFrequency.NEVER)
    for member in (giulia, marco, sara):
        do_notify(member, "test.kind", text="hello", url="/")
    since = timezone.now() - timedelta(days=1)
    assert list(members_due_for_digest(DigestFrequency.DAILY, since)) == [giulia]
    # Marco never chose: the weekly default.
    assert list(members_due_for_digest(DigestFrequency.WEEKLY, since)) == [marco]


def test_enqueue_runs_digest_tasks(giulia, marco):
    do_set_digest_frequency(giulia, DigestFrequency.DAILY)
    do_notify(giulia, "test.kind", text="Daily news", url="/")
    # Tests run tasks immediately: queuing is sending.
    assert enqueue_due_digests(DigestFrequency.DAILY) == 1
    assert [m.to for m in mail.outbox] == [["giulia@officina.test"]]
    assert enqueue_due_digests(DigestFrequency.DAILY) == 0


def _digest_queries(member_ids: list[int]) -> int:
    with CaptureQueriesContext(connection) as queries:
        send_digests.call(member_ids)
    return len(queries.captured_queries)


def test_a_batch_of_digests_costs_the_same_queries_for_three_members_or_forty(make_member, marco):
    few = [make_member(f"few{n}@officina.test") for n in range(3)]
    many = [make_member(f"many{n}@officina.test") for n in range(40)]
    for member in [*few, *many]:
        for n in range(3):
            do_notify(member, "test.kind", actor=marco, text=f"news {n}", url=f"/n/{n}/")
    few_queries = _digest_queries([member.pk for member in few])
    many_queries = _digest_queries([member.pk for member in many])

    assert few_queries == many_queries <= 8
    assert len(mail.outbox) == 43
    body = next(m.body for m in mail.outbox if m.to == ["many7@officina.test"])
    assert all(f"news {n}" in body for n in range(3))
    # Sent: nothing new for anyone, so no second e-mail.
    mail.outbox.clear()
    assert send_digests.call([member.pk for member in many]) == 0
    assert mail.outbox == []


def test_each_member_of_a_batch_gets_only_their_own_news_since_their_last_digest(
    giulia, marco, sara
):
    do_notify(giulia, "test.kind", text="old for giulia", url="/")
    do_send_digest(giulia)
    mail.outbox.clear()
    do_notify(giulia, "test.kind", text="new for giulia", url="/")
    for n in range(DIGEST_MAX_ITEMS + 5):
        do_notify(marco, "test.kind", text=f"marco item {n:02d}", url="/")
    do_set_digest_frequency(sara, DigestFrequency.NEVER)
    do_notify(sara, "test.kind", text="sara never", url="/")

    assert do_send_digests([giulia.pk, marco.pk, sara.pk, 999_999]) == {
        giulia.pk: 1,
        marco.pk: DIGEST_MAX_ITEMS,
    }
    bodies = {tuple(m.to): m.body for m in mail.outbox}
    assert set(bodies) == {(giulia.email,), (marco.email,)}
    assert "new for giulia" in bodies[(giulia.email,)]
    assert "old for giulia" not in bodies[(giulia.email,)]
    assert "marco" not in bodies[(giulia.email,)]
    # The newest DIGEST_MAX_ITEMS, then "and more".
    assert f"marco item {DIGEST_MAX_ITEMS + 4:02d}" in bodies[(marco.email,)]
    assert "marco item 04" not in bodies[(marco.email,)]
    assert "…and more" in bodies[(marco.email,)]


def test_management_command_enqueues(giulia, capsys):
    do_notify(giulia, "test.kind", text="Weekly news", url="/")
    call_command("enqueue_notification_digests", "--frequency", "weekly")
    assert "1 digest(s) queued" in capsys.readouterr().out
    assert len(mail.outbox) == 1


def test_digests_queue_in_the_database_backend(giulia, settings):
    """In development the tasks wait in the database for ``officina db_worker``."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    do_notify(giulia, "test.kind", text="In coda", url="/")
    assert enqueue_due_digests(DigestFrequency.WEEKLY) == 1
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "officina.notifications.tasks.send_digests"
    assert queued.args_kwargs["args"] == [[giulia.pk]]
    assert mail.outbox == []  # not sent until a worker runs it


def test_a_message_with_values_is_worded_in_each_readers_language(giulia, marco):
    with translation.override("it"):  # the language of whoever acts does not matter
        notification = do_notify(
            giulia,
            "social.follow",
            actor=marco,
            text=gettext_lazy("%(name)s started following you."),
            params={"name": "Marco Colombo"},
        )
    stored = Notification.objects.get(pk=notification.pk)
    assert stored.text == "%(name)s started following you."
    assert stored.params == {"name": "Marco Colombo"}
    with translation.override("en"):
        assert stored.shown_text == "Marco Colombo started following you."
    with translation.override("it"):
        assert stored.shown_text == "Marco Colombo ha iniziato a seguirti."


def test_a_moment_is_shown_in_the_readers_format_in_its_zone(giulia):
    moment = datetime(2026, 12, 24, 17, 30, tzinfo=ZoneInfo("Europe/Rome"))
    notification = do_notify(
        giulia,
        "events.moved",
        text=gettext_noop("“%(title)s” has moved to %(when)s."),
        params={"title": "Aperitivo", "when": moment.astimezone(UTC).astimezone(moment.tzinfo)},
    )
    assert notification.params is not None
    assert notification.params["when"] == {
        "datetime": "2026-12-24T17:30:00+01:00",
        "zone": "Europe/Rome",
    }
    with translation.override("it"):
        assert notification.shown_text == "«Aperitivo» è stato spostato a 24/12/2026 17:30."
    with translation.override("en"):
        assert notification.shown_text == "“Aperitivo” has moved to 12/24/2026 5:30 p.m.."


def test_values_that_cannot_be_stored_are_refused(giulia):
    with pytest.raises(ValueError, match="naive"):
        do_notify(giulia, "x.y", text="%(when)s", params={"when": datetime(2026, 1, 1)})
    with pytest.raises(TypeError):
        do_notify(giulia, "x.y", text="%(what)s", params={"what": 1.5})  # type: ignore[dict-item]
    assert not Notification.objects.filter(kind="x.y").exists()


def test_a_translation_that_does_not_fit_its_values_falls_back_to_english(giulia):
    notification = do_notify(giulia, "x.y", text="%(name)s waved.", params={"other": "Marco"})
    assert notification.shown_text == "%(name)s waved."
    notification = do_notify(giulia, "x.y", text="%(name)s waved.", params={"name": "Marco"})
    assert notification.shown_text == "Marco waved."


def test_the_digest_words_each_notification_in_the_members_language(giulia, marco):
    giulia.language = "it"
    giulia.save(update_fields=["language"])
    with translation.override("en"):
        check_follow_member(marco, giulia)
    do_send_digest(giulia)
    assert "Marco Colombo ha iniziato a seguirti." in mail.outbox[0].body
    assert "started following" not in mail.outbox[0].body


def test_the_live_push_carries_the_message_and_its_values(
    giulia, marco, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(member_group(giulia.pk), channel)
    with django_capture_on_commit_callbacks(execute=True), translation.override("it"):
        check_follow_member(marco, giulia)
    payload = async_to_sync(layer.receive)(channel)["payload"]
    assert payload["message"] == "%(name)s started following you."
    assert payload["params"] == {"name": "Marco Colombo"}
