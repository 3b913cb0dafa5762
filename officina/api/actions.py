"""Writes on API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from officina.api.models import ApiToken
from officina.core.errors import ErrorCode, OfficinaError

if TYPE_CHECKING:
    from officina.accounts.models import Member

TOKEN_PREFIX = "off_"  # noqa: S105 - a marker, not a secret
MAX_ACTIVE_TOKENS = 20
# Writing last_used on every request would turn each API read into a write;
# a minute of precision is enough to tell a live token from a forgotten one.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_token(plain: str) -> str:
    """Tokens carry 256 random bits, so a fast hash is enough (nothing to brute-force)."""
    return hashlib.sha256(plain.encode()).hexdigest()


def check_create_api_token(member: Member, name: str) -> tuple[ApiToken, str]:
    """Validate the name, then create a token; returns the row and the plain token."""
    name = name.strip()
    if not name:
        raise OfficinaError(_("Give the token a name."), ErrorCode.INVALID_INPUT, field="name")
    if len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
        raise OfficinaError(_("The name is too long."), ErrorCode.INVALID_INPUT, field="name")
    active = ApiToken.objects.filter(member=member, revoked__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise OfficinaError(
            _("You already have %(count)d active tokens: revoke one first.")
            % {"count": MAX_ACTIVE_TOKENS},
            ErrorCode.CONFLICT,
        )
    return do_create_api_token(member, name)


@transaction.atomic
def do_create_api_token(member: Member, name: str) -> tuple[ApiToken, str]:
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        member=member, name=name, prefix=plain[:10], token_hash=hash_token(plain)
    )
    return token, plain


@transaction.atomic
def do_revoke_api_token(token: ApiToken) -> None:
    if token.revoked is None:
        token.revoked = timezone.now()
        token.save(update_fields=["revoked"])


def do_mark_api_token_used(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used is None or now - token.last_used >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
