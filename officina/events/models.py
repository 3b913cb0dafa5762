"""Events in a space, who is going, and the secret tokens of personal calendar feeds."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from officina.core.calendar_feeds import FeedSecret

from .kinds import EventVisibility, RSVPStatus


class Event(models.Model):
    space = models.ForeignKey(
        "accounts.Space", verbose_name=_("space"), on_delete=models.CASCADE, related_name="events"
    )
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organizer"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="organized_events",
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Places available; empty for no limit."),
    )
    visibility = models.CharField(
        _("visible to"),
        max_length=10,
        choices=EventVisibility.choices,
        default=EventVisibility.COMMUNITY,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ("starts_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["space", "starts_at"], name="events_by_space_start")]

    def __str__(self) -> str:
        return self.title


class RSVP(models.Model):
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="rsvps"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="rsvps",
    )
    status = models.CharField(_("answer"), max_length=10, choices=RSVPStatus.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="one_rsvp_per_member")
        ]
        indexes = [models.Index(fields=["event", "status"], name="rsvps_by_event_status")]

    def __str__(self) -> str:
        return f"{self.member} → {self.event}: {self.status}"


class CalendarFeedToken(FeedSecret):
    """The secret in a member's personal iCal address of events."""

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self) -> str:
        return f"calendar feed of {self.member}"
