"""Background e-mail digests (Django tasks: database backend in development)."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from officina.notifications.actions import do_mail_notification, do_send_digests
from officina.notifications.kinds import DigestFrequency
from officina.notifications.selectors import members_due_for_digest, notification_by_id

if TYPE_CHECKING:
    from collections.abc import Sequence

    from officina.notifications.models import Notification

DIGEST_PERIOD = {
    DigestFrequency.DAILY: timedelta(days=1),
    DigestFrequency.WEEKLY: timedelta(days=7),
}


# Members per task. One task per member cost more in the queue than the digest itself:
# a row inserted, claimed, marked running and marked done, each committed, for an e-mail
# of three queries (on the 10,000-member benchmark database, 7,000 due digests were 7,000
# tasks). A batch costs a fixed number of queries (do_send_digests) and takes a few
# seconds at most, so a worker stopped mid-way loses little.
DIGEST_BATCH = 200


@task()
def send_digests(member_ids: list[int]) -> int:
    """E-mail these members their digests; return how many e-mails were sent."""
    return len(do_send_digests(member_ids))


@task()
def send_digest(member_id: int) -> int:
    """One member's digest: tasks queued before digests were queued in batches."""
    return len(do_send_digests([member_id]))


def enqueue_due_digests(frequency: str) -> int:
    """Queue the digests of every member who is due, in batches; return how many members."""
    period = DIGEST_PERIOD[DigestFrequency(frequency)]
    # A little slack so that a job scheduled every 24 h does not skip a day on jitter.
    not_sent_since = timezone.now() - period + timedelta(hours=1)
    due = list(members_due_for_digest(frequency, not_sent_since).values_list("pk", flat=True))
    for start in range(0, len(due), DIGEST_BATCH):
        send_digests.enqueue(due[start : start + DIGEST_BATCH])
    return len(due)


@task()
def queue_due_digests(frequency: str) -> int:
    """The periodic job: queue the digests now due at ``frequency``."""
    return enqueue_due_digests(frequency)


@task()
def mail_notification(notification_id: int) -> bool:
    notification = notification_by_id(notification_id)
    return notification is not None and do_mail_notification(notification)


def mail_after_commit(notifications: Sequence[Notification]) -> None:
    """E-mail each of ``notifications`` in the background once the transaction that made
    them commits (a rolled-back notification is never mailed)."""
    for notification in notifications:
        transaction.on_commit(partial(mail_notification.enqueue, notification.pk))
