"""The accounts app's choices, importable without its models: other apps use them too."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from django.db import models
from django.utils.translation import gettext_lazy as _


class CompanyRole(models.TextChoices):
    OWNER = "owner", _("owner")
    MEMBER = "member", _("member")


class RelationKind(models.TextChoices):
    CLIENT = "client", _("client")
    SUPPLIER = "supplier", _("supplier")
    PARTNER = "partner", _("partner")


class SpaceKind(models.TextChoices):
    PHYSICAL = "physical", _("physical")
    REMOTE = "remote", _("remote")


class SpaceRole(models.TextChoices):
    MEMBER = "member", _("member")
    MANAGER = "manager", _("manager")


@cache
def member_time_zones() -> tuple[str, ...]:
    """The time zones a member may choose: the IANA areas ("Europe/Rome"), sorted.

    Legacy aliases and the fixed offsets of "Etc/" are left out: a member picks a place.
    """
    areas = (
        *("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/"),
        *("Europe/", "Indian/", "Pacific/"),
    )
    return tuple(sorted(zone for zone in available_timezones() if zone.startswith(areas)))


class JoinPolicy(models.TextChoices):
    """How a member comes to belong to a space (and so to see who is there)."""

    OPEN = "open", _("open: anyone may join")
    REQUEST = "request", _("on request: a manager approves")
    INVITATION = "invitation", _("by invitation: managers add people")


class PresenceVisibility(models.TextChoices):
    """Who sees that a member is checked in; the member always sees themselves."""

    SPACES = "spaces", _("everyone in my spaces")
    COMPANIES = "companies", _("people of my companies only")
    NOBODY = "nobody", _("nobody")
