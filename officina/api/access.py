"""The one path to a member's API tokens."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from officina.accounts.models import Member
from officina.api.models import ApiToken
from officina.core.errors import ErrorCode, OfficinaError


def access_api_token_by_id(member: Member, token_id: int) -> ApiToken:
    """A member reaches only their own tokens; someone else's looks missing."""
    token = ApiToken.objects.filter(pk=token_id, member=member).first()
    if token is None:
        raise OfficinaError(_("No such token."), ErrorCode.NOT_FOUND)
    return token
