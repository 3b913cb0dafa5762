"""Private calendar addresses: a secret per member and app, and the iCal frame around
what each app puts in its calendar.

A calendar app fetches the address without a session, so the secret in it is the only
key: it is made on first use, long enough not to be guessed, and a new one revokes the
old at once. Each app keeps its own secret (events, bookings), so revoking one address
leaves the others working.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import icalendar
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from officina.accounts.models import Member

# token_urlsafe(24) is 32 characters; anything outside these bounds is not one of ours and
# is refused before it reaches the database.
SHORTEST_SECRET, LONGEST_SECRET = 16, 64


def new_secret() -> str:
    """A fresh secret for a calendar address."""
    return secrets.token_urlsafe(24)


def could_be_secret(token: str) -> bool:
    """Whether ``token`` has the length of one of our secrets, worth looking up."""
    return SHORTEST_SECRET <= len(token) <= LONGEST_SECRET


class FeedSecret(models.Model):
    """The secret in a member's calendar address of one app."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="%(app_label)s_feed_secret",
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True

    @classmethod
    def secret_of(cls, member: Member) -> str:
        """The member's secret, made on first use."""
        secret, _created = cls._default_manager.get_or_create(
            member=member, defaults={"token": new_secret()}
        )
        return secret.token

    @classmethod
    def regenerate(cls, member: Member) -> str:
        """A new secret; the old address stops working at once."""
        token = new_secret()
        cls._default_manager.update_or_create(member=member, defaults={"token": token})
        return token

    @classmethod
    def member_with(cls, token: str) -> Member | None:
        """The active member whose address carries ``token``."""
        if not could_be_secret(token):
            return None
        found = (
            cls._default_manager.select_related("member")
            .filter(token=token, member__is_active=True)
            .first()
        )
        return found.member if found is not None else None


def new_calendar(*, product: str, name: str) -> icalendar.Calendar:
    """An empty published calendar, named as the member's calendar app will show it."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//Officina//{product}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar
