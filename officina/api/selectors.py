"""Reads on API tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from officina.api.actions import TOKEN_PREFIX, hash_token
from officina.api.models import ApiToken

if TYPE_CHECKING:
    from officina.accounts.models import Member


def member_api_tokens(member: Member) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(member=member)


def active_api_token_for(plain: str) -> ApiToken | None:
    """The live token with this value, for an active member, or None."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    return (
        ApiToken.objects.select_related("member")
        .filter(token_hash=hash_token(plain), revoked__isnull=True, member__is_active=True)
        .first()
    )
