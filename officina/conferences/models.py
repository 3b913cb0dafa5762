"""Conference rooms of a company, and who is in each right now."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from officina.ringgroups.kinds import NUMBER_MAX_DIGITS
from officina.voicemail.kinds import Language

from .kinds import NAME_MAX_LENGTH


class Room(models.Model):
    """A company's conference room, or a space's meeting room's own (one of the two)."""

    company = models.ForeignKey(
        "accounts.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="conference_rooms",
        null=True,
        blank=True,
    )
    # A meeting room of a space (a bookings resource) with its own line: whoever may
    # book the meeting room may join its calls.
    resource = models.OneToOneField(
        "bookings.Resource",
        verbose_name=_("meeting room"),
        on_delete=models.CASCADE,
        related_name="conference_room",
        null=True,
        blank=True,
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    number = models.CharField(_("number"), max_length=NUMBER_MAX_DIGITS, unique=True)
    # Kept as typed, not hashed: it is the room's shared code, which the company's
    # people read on the page to pass on to whoever they invite.
    pin = models.CharField(_("PIN"), max_length=8, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.ITALIAN
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("conference room")
        verbose_name_plural = _("conference rooms")
        ordering = ("number",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(company__isnull=False, resource__isnull=True)
                | models.Q(company__isnull=True, resource__isnull=False),
                name="conference_room_of_a_company_or_a_meeting_room",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Participant(models.Model):
    """A call in a room now: written by the PBX when the caller joins, deleted when they
    leave."""

    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="participants"
    )
    call_id = models.CharField(_("call"), max_length=200, unique=True)
    number = models.CharField(_("number"), max_length=64)
    name = models.CharField(_("name"), max_length=200, blank=True)
    joined_at = models.DateTimeField(_("joined at"))
    muted_self = models.BooleanField(_("muted themselves"), default=False)
    muted_by_owner = models.BooleanField(_("muted by the room's owner"), default=False)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ("joined_at", "id")

    def __str__(self) -> str:
        return f"{self.number} in {self.room_id}"
