"""Presence: who is checked in at a space right now, on site or remotely.

A session is open while ``ended_at`` is empty; a member has at most one open
session (a partial unique constraint). A session whose ``planned_until`` has
passed counts as ended for every reader even before the clean-up closes it,
so a forgotten check-out never shows someone who left hours ago.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .kinds import CheckInKind, CheckInSource


class CheckIn(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="check_ins",
    )
    space = models.ForeignKey(
        "accounts.Space",
        verbose_name=_("space"),
        on_delete=models.CASCADE,
        related_name="check_ins",
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=CheckInKind.choices, default=CheckInKind.ON_SITE
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    planned_until = models.DateTimeField(_("planned until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=CheckInSource.choices, default=CheckInSource.WEB
    )

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ("-started_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(ended_at__isnull=True),
                name="one_open_check_in_per_member",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="check_in_ends_after_start",
            ),
        ]
        indexes = [
            # The "who's here" page and the PBX read only open sessions: keep that index small.
            models.Index(
                fields=["space", "planned_until"],
                condition=Q(ended_at__isnull=True),
                name="open_check_ins_by_space",
            ),
            models.Index(fields=["member", "-started_at"], name="check_ins_by_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.space} from {self.started_at:%Y-%m-%d %H:%M}"


class ArrivalWatch(models.Model):
    """``watcher`` wants to hear when ``member`` next checks in; fired once, then removed."""

    watcher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("watcher"),
        on_delete=models.CASCADE,
        related_name="arrival_watches",
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="watched_by",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("arrival watch")
        verbose_name_plural = _("arrival watches")
        constraints = [
            models.UniqueConstraint(fields=["watcher", "member"], name="one_watch_per_pair"),
            models.CheckConstraint(
                condition=~Q(watcher=models.F("member")), name="no_watching_oneself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.watcher} waits for {self.member}"


class Kiosk(models.Model):
    """A tablet at the door of a space, enabled by a manager.

    The device keeps a random token in a cookie; only its hash is stored, so a
    leaked database does not open the door, and a manager can revoke it.
    """

    space = models.ForeignKey(
        "accounts.Space", verbose_name=_("space"), on_delete=models.CASCADE, related_name="kiosks"
    )
    name = models.CharField(_("name"), max_length=80)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enabled by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # Wrong PINs typed on this device, whoever they were for: a passer-by trying a few
    # PINs for each name would otherwise stay under every member's own limit.
    wrong_pins = models.PositiveSmallIntegerField(default=0)
    wrong_pins_since = models.DateTimeField(null=True, blank=True)
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)

    class Meta:
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")
        ordering = ("space", "-created_at")

    def __str__(self) -> str:
        return f"{self.name} ({self.space})"
