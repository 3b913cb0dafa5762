"""Background e-mail digests (Django tasks: database backend in development)."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from officina.accounts.selectors import member_by_id
from officina.notifications.actions import do_mail_notification, do_send_digest
from officina.notifications.kinds import DigestFrequency
from officina.notifications.selectors import members_due_for_digest, notification_by_id

if TYPE_CHECKING:
    from collections.abc import Sequence

    from officina.notifications.models import Notification

DIGEST_PERIOD = {
    DigestFrequency.DAILY: timedelta(days=1),
    DigestFrequency.WEEKLY: timedelta(days=7),
}


@task()
def send_digest(member_id: int) -> int:
    member = member_by_id(member_id)
    if member is None:
        return 0
    return do_send_digest(member)


def enqueue_due_digests(frequency: str) -> int:
    """Queue one digest task per member who is due; return how many were queued."""
    period = DIGEST_PERIOD[DigestFrequency(frequency)]
    # A little slack so that a job scheduled every 24 h does not skip a day on jitter.
    not_sent_since = timezone.now() - period + timedelta(hours=1)
    queued = 0
    for member_id in members_due_for_digest(frequency, not_sent_since).values_list("pk", flat=True):
        send_digest.enqueue(member_id)
        queued += 1
    return queued


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
