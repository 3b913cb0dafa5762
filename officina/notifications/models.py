"""In-app notifications and each member's e-mail digest preference."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .kinds import DigestFrequency
from .wording import rendered_text


class Notification(models.Model):
    """Something that happened and that one member should know about."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    # Free-form, dotted by the app that sends it ("social.message", "skills.endorsement"):
    # apps add kinds without a migration here.
    kind = models.CharField(_("kind"), max_length=60)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # With ``params``, ``text`` is an English message ("%(name)s started following you.")
    # translated when read; without, it is shown as written.
    text = models.CharField(_("text"), max_length=500)
    params = models.JSONField(_("parameters"), null=True, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notif_recipient_recent"),
            # The unread badge is counted on every page: keep that count on a small index.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notif_unread"
            ),
        ]

    def __str__(self) -> str:
        return self.shown_text

    @property
    def shown_text(self) -> str:
        """The words in the active language (the reader's: a page, a push, an e-mail)."""
        return rendered_text(self.text, self.params)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class DigestPreference(models.Model):
    """How often a member wants an e-mail summary of unread notifications."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="digest_preference",
        verbose_name=_("member"),
    )
    frequency = models.CharField(
        _("e-mail digest"),
        max_length=10,
        choices=DigestFrequency.choices,
        default=DigestFrequency.WEEKLY,
    )
    last_sent_at = models.DateTimeField(_("last digest sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest preference")
        verbose_name_plural = _("digest preferences")

    def __str__(self) -> str:
        return f"{self.member}: {self.get_frequency_display()}"
