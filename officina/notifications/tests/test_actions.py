from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.access import access_notification_by_id
from officina.notifications.actions import (
    Notice,
    do_mark_all_read,
    do_mark_read,
    do_mark_read_for_url,
    do_notify,
    do_notify_many,
    do_send_digest,
    do_set_digest_frequency,
)
from officina.notifications.kinds import DigestFrequency
from officina.notifications.live import member_group
from officina.notifications.models import DigestPreference, Notification
from officina.notifications.selectors import has_unread, members_due_for_digest, unread_count
from officina.notifications.tasks import enqueue_due_digests

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
    assert pushed["payload"]["text"] == "Two"
    assert pushed["payload"]["unread"] == 2
    assert async_to_sync(_nothing_within)(layer, channel, 0.2)
    with django_capture_on_commit_callbacks(execute=True):
        do_notify(giulia, "test.kind", text="Three")
    assert async_to_sync(layer.receive)(channel)["payload"]["text"] == "Three"


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
    assert queued.task_path == "officina.notifications.tasks.send_digest"
    assert queued.args_kwargs["args"] == [giulia.pk]
    assert mail.outbox == []  # not sent until a worker runs it
