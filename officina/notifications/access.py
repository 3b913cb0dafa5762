"""The one path to a member's notification: another member's looks missing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.models import Notification

if TYPE_CHECKING:
    from officina.accounts.models import Member


def access_notification_by_id(member: Member, notification_id: int) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, recipient=member).first()
    if notification is None:
        raise OfficinaError(_("Notification not found."), ErrorCode.NOT_FOUND)
    return notification
