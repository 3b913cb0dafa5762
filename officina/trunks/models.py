"""The lines of a company or of a space to a telephone provider: SIP trunks, the
numbers (DIDs) that arrive on them, and who may call out through them, to where.

A trunk has exactly one owner, a company or a space (a database constraint says so);
its numbers are its owner's.

The trunk's password is kept as typed: answering the provider's digest challenge
(RFC 3261 §22) needs it, and the provider stores the same secret. It is never shown
back: the pages and the API only say whether one is set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .kinds import (
    DAILY_MINUTES_DEFAULT,
    FORWARD_KINDS,
    FORWARD_SECONDS_DEFAULT,
    FORWARD_TARGET_MAX_LENGTH,
    NAME_MAX_LENGTH,
    REGISTER_SECONDS_DEFAULT,
    CallClass,
    CallerIdHeader,
    NumberForward,
    RouteKind,
    TrunkMode,
)

if TYPE_CHECKING:
    from officina.accounts.models import Company, Space


class Trunk(models.Model):
    class Status(models.TextChoices):
        NONE = "", _("not registering")
        TRYING = "trying", _("registering")
        REGISTERED = "registered", _("registered")
        FAILED = "failed", _("registration failed")

    company = models.ForeignKey(
        "accounts.Company", verbose_name=_("company"), on_delete=models.CASCADE,
        related_name="trunks", null=True, blank=True,
    )  # fmt: skip
    space = models.ForeignKey(
        "accounts.Space", verbose_name=_("space"), on_delete=models.CASCADE,
        related_name="trunks", null=True, blank=True,
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    # A space's trunk only: its members whose companies have no trunk call out through
    # it, with its number as caller ID, when the space's managers allow it.
    members_call_out = models.BooleanField(
        _("the space's members may call out through it"), default=False
    )
    mode = models.CharField(
        _("how the provider knows us"), max_length=10, choices=TrunkMode.choices,
        default=TrunkMode.REGISTER,
    )  # fmt: skip
    host = models.CharField(_("provider's server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=5060)
    username = models.CharField(_("user name"), max_length=128, blank=True)
    password = models.CharField(_("password"), max_length=128, blank=True)
    register_seconds = models.PositiveIntegerField(
        _("registration lasts (seconds)"), default=REGISTER_SECONDS_DEFAULT
    )
    # Where the provider's calls come from (IPv4/IPv6 addresses, comma-separated); the
    # server's own address is always accepted.
    peer_addresses = models.CharField(_("provider's addresses"), max_length=600, blank=True)
    caller_id_header = models.CharField(
        _("caller ID sent in"), max_length=4, choices=CallerIdHeader.choices,
        default=CallerIdHeader.PAI,
    )  # fmt: skip
    country = models.CharField(_("country"), max_length=2, default="IT")
    # What the PBX last heard from the provider about our registration.
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NONE, blank=True
    )
    last_response = models.CharField(_("last response"), max_length=200, blank=True)
    checked_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    registered_until = models.DateTimeField(_("registered until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SIP trunk")
        verbose_name_plural = _("SIP trunks")
        ordering = ("company", "space", "name", "id")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(company__isnull=False, space__isnull=True)
                | Q(company__isnull=True, space__isnull=False),
                name="trunk_owned_by_a_company_or_a_space",
            ),
            models.CheckConstraint(
                condition=Q(members_call_out=False) | Q(space__isnull=False),
                name="trunk_members_call_out_only_for_a_space",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.host})"

    @property
    def owner(self) -> Company | Space:
        """The company or the space it belongs to (exactly one, as the constraint says)."""
        owner = self.company if self.company is not None else self.space
        assert owner is not None  # the database's check constraint
        return owner


class PhoneNumber(models.Model):
    """A number (DID) the provider sends to us, and where its calls go."""

    trunk = models.ForeignKey(
        Trunk, verbose_name=_("trunk"), on_delete=models.CASCADE, related_name="numbers"
    )
    e164 = models.CharField(_("number"), max_length=16, unique=True)
    route_kind = models.CharField(_("calls go to"), max_length=12, choices=RouteKind.choices)
    route_target = models.CharField(_("extension or group"), max_length=6)
    # Out of its owner's business hours (ringgroups' hours): empty kind = as in hours.
    after_hours_kind = models.CharField(
        _("out of hours, calls go to"), max_length=12, choices=RouteKind.choices, blank=True
    )
    after_hours_target = models.CharField(
        _("out of hours: extension or group"), max_length=6, blank=True
    )
    # Forwarding of the number itself, in and out of hours: "always" instead of the
    # route, "no answer" after the route has rung ``forward_seconds`` (trunk_calls.py).
    forward_when = models.CharField(
        _("forward"), max_length=10, choices=NumberForward.choices, blank=True
    )
    forward_seconds = models.PositiveSmallIntegerField(
        _("forward after (seconds)"), default=FORWARD_SECONDS_DEFAULT
    )
    forward_kind = models.CharField(
        _("forward to"), max_length=12, choices=FORWARD_KINDS, blank=True
    )
    forward_target = models.CharField(
        _("forward to: extension, group or number"), max_length=FORWARD_TARGET_MAX_LENGTH,
        blank=True,
    )  # fmt: skip
    # Shown as the caller's number on calls out through the trunk.
    presented = models.BooleanField(_("caller ID for calls out"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ("e164",)

    def __str__(self) -> str:
        return self.e164


class OutboundPermission(models.Model):
    """Where one person of a company may call out to, and how many minutes a day."""

    company = models.ForeignKey(
        "accounts.Company", verbose_name=_("company"), on_delete=models.CASCADE,
        related_name="outbound_permissions",
    )  # fmt: skip
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.CASCADE,
        related_name="outbound_permissions",
    )  # fmt: skip
    national = models.BooleanField(CallClass.NATIONAL.label, default=True)
    mobile = models.BooleanField(CallClass.MOBILE.label, default=True)
    international = models.BooleanField(CallClass.INTERNATIONAL.label, default=False)
    premium = models.BooleanField(CallClass.PREMIUM.label, default=False)
    satellite = models.BooleanField(CallClass.SATELLITE.label, default=False)
    daily_minutes = models.PositiveSmallIntegerField(
        _("minutes a day"), default=DAILY_MINUTES_DEFAULT
    )

    class Meta:
        verbose_name = _("outbound permission")
        verbose_name_plural = _("outbound permissions")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=("company", "member"), name="trunks_one_permission_per_member"
            ),
            models.CheckConstraint(
                condition=Q(daily_minutes__lte=24 * 60), name="trunks_daily_minutes_in_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.company_id}"
