"""Voicemail boxes (one per extension) and the messages left in them."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .kinds import (
    GREETING_TEXT_MAX,
    RING_SECONDS_DEFAULT,
    RING_SECONDS_MAX,
    RING_SECONDS_MIN,
    GreetingSource,
    Language,
)


class VoicemailBox(models.Model):
    """How an extension's unanswered calls are taken. An extension without a box has
    the defaults (voicemail on, 25 s of ringing, the standard greeting)."""

    extension = models.OneToOneField(
        "pbx.Extension",
        verbose_name=_("extension"),
        on_delete=models.CASCADE,
        related_name="voicemail_box",
    )
    enabled = models.BooleanField(_("voicemail on"), default=True)
    ring_seconds = models.PositiveSmallIntegerField(
        _("ring for (seconds)"),
        default=RING_SECONDS_DEFAULT,
        validators=[MinValueValidator(RING_SECONDS_MIN), MaxValueValidator(RING_SECONDS_MAX)],
    )
    email_messages = models.BooleanField(_("e-mail me each message"), default=True)
    language = models.CharField(
        _("greeting language"), max_length=2, choices=Language.choices, default=Language.ITALIAN
    )
    greeting_source = models.CharField(
        _("greeting"),
        max_length=16,
        choices=GreetingSource.choices,
        default=GreetingSource.STANDARD,
    )
    greeting_text = models.CharField(_("greeting text"), max_length=GREETING_TEXT_MAX, blank=True)
    greeting = models.FileField(_("greeting audio"), upload_to="voicemail/greetings/", blank=True)
    greeting_pending = models.BooleanField(_("greeting being made"), default=False)
    # Hashed like a password: for listening to the box from another member's phone.
    pin_hash = models.CharField(_("PIN"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("voicemail box")
        verbose_name_plural = _("voicemail boxes")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(ring_seconds__gte=RING_SECONDS_MIN)
                & models.Q(ring_seconds__lte=RING_SECONDS_MAX),
                name="voicemail_ring_seconds_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"voicemail {self.extension_id}"


class VoicemailMessage(models.Model):
    box = models.ForeignKey(
        VoicemailBox, verbose_name=_("box"), on_delete=models.CASCADE, related_name="messages"
    )
    caller_number = models.CharField(_("from"), max_length=64)
    caller_name = models.CharField(_("caller"), max_length=128, blank=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    duration = models.FloatField(_("duration (seconds)"))
    audio = models.FileField(_("audio"), upload_to="voicemail/messages/")
    heard_at = models.DateTimeField(_("heard"), null=True, blank=True)

    class Meta:
        verbose_name = _("voicemail message")
        verbose_name_plural = _("voicemail messages")
        ordering = ("-received_at", "-id")

    def __str__(self) -> str:
        return f"{self.caller_number} {self.received_at:%Y-%m-%d %H:%M}"
