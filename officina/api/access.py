"""The one path to a member's API tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.api.models import ApiToken
from officina.core.errors import ErrorCode, OfficinaError

if TYPE_CHECKING:
    from officina.accounts.models import Member


def access_api_token_by_id(member: Member, token_id: int) -> ApiToken:
    """A member reaches only their own tokens; someone else's looks missing."""
    token = ApiToken.objects.filter(pk=token_id, member=member).first()
    if token is None:
        raise OfficinaError(_("No such token."), ErrorCode.NOT_FOUND)
    return token
