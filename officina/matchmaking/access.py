"""One path to an introduction: only its two members reach it; for anyone else it does
not exist."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _

from officina.core.errors import ErrorCode, OfficinaError
from officina.matchmaking.models import Introduction

if TYPE_CHECKING:
    from officina.accounts.models import Member


def access_introduction_by_id(member: Member, introduction_id: int) -> Introduction:
    introduction = (
        Introduction.objects.filter(Q(asked_by=member) | Q(asked_of=member), pk=introduction_id)
        .select_related("asked_by", "asked_of")
        .first()
    )
    if introduction is None:
        raise OfficinaError(_("Introduction not found."), ErrorCode.NOT_FOUND)
    return introduction
