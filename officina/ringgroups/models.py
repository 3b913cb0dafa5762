"""Ring groups: a number of a company or of a space that rings several of its people.

A group rings either the people listed in it, in their order, or whoever of the
company is present now (checked in at a space or in a remote session, as
presence says); ``strategy`` says whether they ring together or one after the
other. Each listed person says whether they are available for the group's
calls (do not disturb otherwise).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .kinds import (
    NAME_MAX_LENGTH,
    NUMBER_MAX_DIGITS,
    RING_SECONDS_DEFAULT,
    RingStrategy,
    RingTargets,
)

if TYPE_CHECKING:
    from officina.accounts.models import Company, Space


class RingGroup(models.Model):
    # Exactly one owner: a company (its people) or a space (its members).
    company = models.ForeignKey(
        "accounts.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="ring_groups",
        null=True,
        blank=True,
    )
    space = models.ForeignKey(
        "accounts.Space",
        verbose_name=_("space"),
        on_delete=models.CASCADE,
        related_name="ring_groups",
        null=True,
        blank=True,
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    number = models.CharField(_("number"), max_length=NUMBER_MAX_DIGITS, unique=True)
    strategy = models.CharField(
        _("how it rings"),
        max_length=16,
        choices=RingStrategy.choices,
        default=RingStrategy.RING_ALL,
    )
    targets = models.CharField(
        _("who it rings"), max_length=10, choices=RingTargets.choices, default=RingTargets.LISTED
    )
    ring_seconds = models.PositiveSmallIntegerField(_("ring seconds"), default=RING_SECONDS_DEFAULT)
    in_hours_only = models.BooleanField(_("only in business hours"), default=False)
    # Where calls go when the company is closed: an extension or another group's number;
    # empty, the caller hears that nobody takes calls now.
    out_of_hours_number = models.CharField(
        _("out of hours, calls go to"), max_length=NUMBER_MAX_DIGITS, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ring group")
        verbose_name_plural = _("ring groups")
        ordering = ("number",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(company__isnull=False, space__isnull=True)
                | models.Q(company__isnull=True, space__isnull=False),
                name="ring_group_owned_by_a_company_or_a_space",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def owner(self) -> Company | Space:
        """The company or the space it belongs to (exactly one, as the constraint says)."""
        owner = self.company if self.company is not None else self.space
        assert owner is not None  # the database's check constraint
        return owner


class RingGroupMember(models.Model):
    group = models.ForeignKey(
        RingGroup, verbose_name=_("ring group"), on_delete=models.CASCADE, related_name="members"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="ring_group_places",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    available = models.BooleanField(_("available"), default=True)

    class Meta:
        verbose_name = _("ring group member")
        verbose_name_plural = _("ring group members")
        ordering = ("group", "position", "id")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=("group", "member"), name="ring_group_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.group} #{self.position}"


class BusinessHours(models.Model):
    """The business hours of a company or of a space: where its clocks are, and whether
    Italian public holidays close it. The periods and exceptions hang off it."""

    company = models.OneToOneField(
        "accounts.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="business_hours",
        null=True,
        blank=True,
    )
    space = models.OneToOneField(
        "accounts.Space",
        verbose_name=_("space"),
        on_delete=models.CASCADE,
        related_name="business_hours",
        null=True,
        blank=True,
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Rome")
    italian_holidays = models.BooleanField(_("closed on Italian public holidays"), default=True)

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(company__isnull=False, space__isnull=True)
                | models.Q(company__isnull=True, space__isnull=False),
                name="business_hours_of_a_company_or_a_space",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id or self.space_id} {self.time_zone}"


class OpeningPeriod(models.Model):
    """One period of a weekday (two on a day leave a break between them)."""

    hours = models.ForeignKey(
        BusinessHours,
        verbose_name=_("business hours"),
        on_delete=models.CASCADE,
        related_name="periods",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # Monday is 0
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening period")
        verbose_name_plural = _("opening periods")
        ordering = ("weekday", "opens")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")),
                name="period_opens_before_it_closes",
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__lte=6), name="period_weekday_0_to_6"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens}-{self.closes}"


class HoursException(models.Model):
    """A dated exception: closed all day, or open only from ``opens`` to ``closes``."""

    hours = models.ForeignKey(
        BusinessHours,
        verbose_name=_("business hours"),
        on_delete=models.CASCADE,
        related_name="exceptions",
    )
    day = models.DateField(_("day"))
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("exception to business hours")
        verbose_name_plural = _("exceptions to business hours")
        ordering = ("day",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=("hours", "day"), name="one_exception_per_day"),
            models.CheckConstraint(
                condition=models.Q(opens__isnull=True, closes__isnull=True)
                | models.Q(opens__lt=models.F("closes")),
                name="exception_closed_or_a_period",
            ),
        ]

    def __str__(self) -> str:
        return str(self.day)
