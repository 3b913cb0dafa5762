"""The one path to a voicemail message: its box's owner, and nobody else. A message that
does not exist and one that is someone else's raise the same error."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.core.errors import ErrorCode, OfficinaError

from .models import VoicemailMessage

if TYPE_CHECKING:
    from officina.accounts.models import Member


def access_message_by_id(member: Member, message_id: int) -> VoicemailMessage:
    message = (
        VoicemailMessage.objects.filter(
            pk=message_id, box__extension__member=member, box__extension__is_active=True
        )
        .select_related("box")
        .first()
    )
    if message is None or not member.is_active:
        raise OfficinaError(_("Message not found."), ErrorCode.NOT_FOUND)
    return message
