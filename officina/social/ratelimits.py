"""Limits on how fast a member may post and write, checked by the views (and the API)
before ``check_create_post`` / ``check_send_message``. Programmatic callers (imports,
demo data, tests) are not limited."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from officina.core.errors import ErrorCode, OfficinaError
from officina.social.models import Message, Post

if TYPE_CHECKING:
    from officina.accounts.models import Member

# Generous for people, tight enough to stop a script or a stuck key from flooding others.
POSTS_PER_HOUR = 20
MESSAGES_PER_MINUTE = 30


def check_post_rate(author: Member) -> None:
    hour_ago = timezone.now() - timedelta(hours=1)
    if Post.objects.filter(author=author, created_at__gte=hour_ago).count() >= POSTS_PER_HOUR:
        raise OfficinaError(
            _("You have posted a lot in the last hour: please wait a little."),
            ErrorCode.RATE_LIMITED,
        )


def check_message_rate(sender: Member) -> None:
    minute_ago = timezone.now() - timedelta(minutes=1)
    recent = Message.objects.filter(sender=sender, created_at__gte=minute_ago).count()
    if recent >= MESSAGES_PER_MINUTE:
        raise OfficinaError(
            _("Too many messages in a minute: please wait a moment."), ErrorCode.RATE_LIMITED
        )
