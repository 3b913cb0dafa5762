"""Writes: notify a member (and push it live), mark read, digest preferences and mail-out."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from officina.accounts.member_locale import member_zone
from officina.accounts.selectors import members_by_ids
from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications import live
from officina.notifications.kinds import DigestFrequency
from officina.notifications.models import DigestPreference, Notification
from officina.notifications.selectors import unread_count, unread_since_each
from officina.notifications.wording import ParamValue, message_id, stored_params

if TYPE_CHECKING:
    from officina.accounts.models import Member

MAX_TEXT_LENGTH = 500
DIGEST_MAX_ITEMS = 30


@dataclass(frozen=True, slots=True)
class Notice:
    """What :func:`do_notify` records; ``at`` back-dates it (imports), now by default.

    With ``params``, ``text`` is a message marked for translation and left
    untranslated (``gettext_lazy`` or ``gettext_noop``) with ``%(key)s``
    placeholders: it is stored in English with its values and shown in each
    reader's language when read. Datetime values (aware) are shown in the
    reader's date format and time zone. Without ``params`` the
    text is stored and shown as written, whatever the reader's language.
    """

    recipient: Member
    kind: str
    text: str | Promise
    actor: Member | None = None
    url: str = ""
    at: datetime | None = None
    params: Mapping[str, ParamValue] | None = None


@transaction.atomic
def do_notify(
    recipient: Member,
    kind: str,
    *,
    actor: Member | None = None,
    text: str | Promise,
    url: str = "",
    params: Mapping[str, ParamValue] | None = None,
) -> Notification:
    """Record a notification for ``recipient`` and, once committed, push it to their pages.

    ``text`` and ``params`` as in :class:`Notice`: ``do_notify(member, "social.follow",
    actor=follower, text=_("%(name)s started following you."), params={"name": ...})``.
    Nobody is notified of their own doing: an ``actor`` equal to the recipient is
    still stored (callers may rely on the row) but is not pushed live.
    """
    (notification,) = do_notify_many([Notice(recipient, kind, text, actor, url, params=params)])
    return notification


@transaction.atomic
def do_notify_many(notices: Sequence[Notice]) -> list[Notification]:
    """Record many notifications in one go, like :func:`do_notify` each.

    Each recipient's pages get one push after the commit, with their newest
    notification and their unread count: a burst is one badge update, not many.
    """
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=notice.recipient,
                kind=notice.kind[:60],
                actor=notice.actor,
                text=message_id(notice.text)[:MAX_TEXT_LENGTH],
                params=None if notice.params is None else stored_params(notice.params),
                url=notice.url[:500],
            )
            for notice in notices
        ]
    )
    back_dated = []
    for notice, notification in zip(notices, notifications, strict=True):
        if notice.at is not None:
            notification.created_at = notice.at
            back_dated.append(notification)
    # created_at is set on insert whatever the row says: back-dating is a second write.
    Notification.objects.bulk_update(back_dated, ["created_at"], batch_size=500)
    newest: dict[int, tuple[Member, Notification]] = {}
    for notice, notification in zip(notices, notifications, strict=True):
        shown = newest.get(notice.recipient.pk)
        if shown is None or notification.created_at >= shown[1].created_at:
            newest[notice.recipient.pk] = (notice.recipient, notification)
    for recipient, notification in newest.values():
        _push_after_commit(recipient, notification)
    return notifications


# Per thread, each recipient's newest notification waiting for its transaction to commit.
# A transaction that notifies someone many times (an import, a burst of follows) pushes
# their pages once, with the newest notification and the final unread count. (If that
# newest one is rolled back with a savepoint, nothing is pushed: the page catches up on
# its next load.)
_waiting = threading.local()


def _newest_waiting() -> dict[int, int]:
    if not hasattr(_waiting, "by_recipient"):
        _waiting.by_recipient = {}
    return _waiting.by_recipient  # type: ignore[no-any-return]


def _push_after_commit(recipient: Member, notification: Notification) -> None:
    recipient_id = recipient.pk
    _newest_waiting()[recipient_id] = notification.pk

    def push() -> None:
        newest = _newest_waiting()
        if newest.get(recipient_id, notification.pk) != notification.pk:
            return  # a newer notification of the same transaction pushes after this one
        newest.pop(recipient_id, None)
        live.push_to_member(
            recipient_id,
            {
                "id": notification.pk,
                "kind": notification.kind,
                # The consumer words it in the language of each open page.
                "message": notification.text,
                "params": notification.params,
                "url": notification.url,
                "unread": unread_count(recipient),
            },
        )

    # Pushed only after commit: a page must never show a notification that was rolled back.
    transaction.on_commit(push)


def _push_unread_count(member: Member) -> None:
    member_id = member.pk
    transaction.on_commit(lambda: live.push_to_member(member_id, {"unread": unread_count(member)}))


@transaction.atomic
def do_mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        _push_unread_count(notification.recipient)


@transaction.atomic
def do_mark_all_read(member: Member) -> int:
    marked = Notification.objects.filter(recipient=member, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if marked:
        _push_unread_count(member)
    return marked


@transaction.atomic
def do_mark_read_for_url(member: Member, url: str) -> int:
    """Mark read what points at ``url``: the member has just opened that page."""
    marked = Notification.objects.filter(recipient=member, url=url, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if marked:
        _push_unread_count(member)
    return marked


@transaction.atomic
def do_set_digest_frequency(member: Member, frequency: str) -> DigestPreference:
    if frequency not in DigestFrequency.values:
        raise OfficinaError(_("Unknown digest frequency."), ErrorCode.INVALID_INPUT)
    preference, _created = DigestPreference.objects.update_or_create(
        member=member, defaults={"frequency": frequency}
    )
    return preference


def do_send_digest(member: Member) -> int:
    """E-mail the member their unread notifications since the last digest; return how many."""
    return do_send_digests([member.pk]).get(member.pk, 0)


@transaction.atomic
def do_send_digests(member_ids: Sequence[int]) -> dict[int, int]:
    """E-mail each member their unread notifications since their last digest, one e-mail
    each; return how many notifications each e-mail held, by member id.

    The same few queries however many members the batch holds and however large the
    community: the members, their preferences (made where missing, then locked in
    primary-key order, so that two workers given the same member cannot both send), the
    newest unread notifications of them all in one statement, and one update of when
    each was sent. The e-mails go out over one connection.
    """
    ids = sorted(set(member_ids))
    members = {member.pk: member for member in members_by_ids(ids)}
    DigestPreference.objects.bulk_create(
        [DigestPreference(member_id=pk) for pk in members], ignore_conflicts=True
    )
    preferences = {
        preference.member_id: preference
        for preference in DigestPreference.objects.select_for_update()
        .filter(member_id__in=members)
        .order_by("pk")
    }
    due = {
        pk: preferences[pk]
        for pk, member in members.items()
        if member.is_active and preferences[pk].frequency != DigestFrequency.NEVER
    }
    pending: dict[int, list[Notification]] = {}
    since = {pk: preference.last_sent_at for pk, preference in due.items()}
    for notification in unread_since_each(since, DIGEST_MAX_ITEMS + 1):
        pending.setdefault(notification.recipient_id, []).append(notification)
    messages = []
    for pk, notifications in pending.items():
        member = members[pk]
        with (
            translation.override(member.language or settings.LANGUAGE_CODE),
            timezone.override(member_zone(member)),
        ):
            context = {
                "member": member,
                "notifications": notifications[:DIGEST_MAX_ITEMS],
                "more": len(notifications) > DIGEST_MAX_ITEMS,
                "site_url": settings.SITE_URL,
            }
            subject = str(_("Officina: what you missed"))
            body = render_to_string("notifications/digest_email.txt", context)
        messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [member.email]))
    if not messages:
        return {}
    get_connection().send_messages(messages)
    DigestPreference.objects.filter(member_id__in=pending).update(last_sent_at=timezone.now())
    return {pk: min(len(shown), DIGEST_MAX_ITEMS) for pk, shown in pending.items()}


def do_mail_notification(notification: Notification) -> bool:
    """E-mail one notification now, in its recipient's language and on their clock, with
    the link to what it is about. For people who read no digest (project guests: their
    only way to hear of a mention or an assignment); returns whether it was sent."""
    member = notification.recipient
    if not member.is_active or not member.email:
        return False
    language = member.language or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(member_zone(member)):
        text = notification.shown_text
        context = {
            "member": member,
            "text": text,
            "link": f"{settings.SITE_URL}{notification.url}" if notification.url else "",
            "site_url": settings.SITE_URL,
        }
        subject = " ".join(text.split())[:150]
        body = render_to_string("notifications/notification_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [member.email])
    return True
