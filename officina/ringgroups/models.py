"""Ring groups: a number of a company that rings several of its people.

A group rings either the people listed in it, in their order, or whoever of the
company is present now (checked in at a space or in a remote session, as
presence says); ``strategy`` says whether they ring together or one after the
other. Each listed person says whether they are available for the group's
calls (do not disturb otherwise).
"""

from __future__ import annotations

from typing import ClassVar

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


class RingGroup(models.Model):
    company = models.ForeignKey(
        "accounts.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="ring_groups",
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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ring group")
        verbose_name_plural = _("ring groups")
        ordering = ("number",)

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


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
