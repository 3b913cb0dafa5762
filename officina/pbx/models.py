"""PBX data: extensions, their SIP credentials, device registrations and call records.

The database is the source of truth for every PBX node; the SIP server keeps
a write-through in-memory copy of credentials and registrations (see
``officina.pbx.directory``) so that no SIP message waits on a query.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Extension(models.Model):
    """A dialable number inside the community.

    Today every extension belongs to a member. ``kind`` leaves room for
    numbers that ring something else (a company's ring group, an IVR menu,
    a voicemail box): those will carry their own target instead of a member.
    """

    class Kind(models.TextChoices):
        MEMBER = "member", _("member")

    number = models.CharField(_("number"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.MEMBER)
    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="extension",
        null=True,
        blank=True,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ("number",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=~Q(kind="member") | Q(member__isnull=False),
                name="pbx_member_extension_has_member",
            ),
        ]

    def __str__(self) -> str:
        return self.number


# How long a forwarded-when-unanswered extension rings first: long enough to reach the
# phone, short enough that the caller stays for the forward.
MIN_NO_ANSWER_SECONDS, MAX_NO_ANSWER_SECONDS = 5, 120


# Forwarding's cases, each a target field: every call, busy, not answered, no phone
# connected, and follow-me's number rung also.
FORWARDING_CASES = ("always", "busy", "no_answer", "unregistered", "follow_me")


class Forwarding(models.Model):
    """Where an extension's calls go instead of, or after, its own phones.

    Each target is a number as dialled: an extension, a ring group, or a number
    outside (then the call goes out through the member's company trunk, as a call
    out of theirs). Empty: not forwarded in that case.
    """

    extension = models.OneToOneField(
        Extension,
        verbose_name=_("extension"),
        on_delete=models.CASCADE,
        related_name="forwarding",
    )
    always = models.CharField(_("forward every call to"), max_length=32, blank=True)
    busy = models.CharField(_("when busy, forward to"), max_length=32, blank=True)
    no_answer = models.CharField(_("when not answered, forward to"), max_length=32, blank=True)
    no_answer_seconds = models.PositiveSmallIntegerField(
        _("ring for (seconds) before forwarding"),
        default=20,
        validators=[
            MinValueValidator(MIN_NO_ANSWER_SECONDS),
            MaxValueValidator(MAX_NO_ANSWER_SECONDS),
        ],
    )
    unregistered = models.CharField(
        _("when no phone is connected, forward to"), max_length=32, blank=True
    )
    # Follow-me: the member's phones ring first, then this number too, at the same time.
    follow_me = models.CharField(_("after a while, ring also"), max_length=32, blank=True)
    follow_me_seconds = models.PositiveSmallIntegerField(
        _("ring also after (seconds)"),
        default=15,
        validators=[
            MinValueValidator(MIN_NO_ANSWER_SECONDS),
            MaxValueValidator(MAX_NO_ANSWER_SECONDS),
        ],
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("call forwarding")
        verbose_name_plural = _("call forwarding")

    def __str__(self) -> str:
        return f"forwarding of {self.extension_id}"


class SipCredential(models.Model):
    """How a device proves it may use an extension (SIP digest authentication).

    Only the digest hashes (HA1 = H(username:realm:password)) are stored, one
    per algorithm: they are all the registrar needs, and the password itself
    is shown to the member once, when it is made. The hashes are bound to the
    realm: changing ``SIP_DOMAIN`` means members make new passwords.
    """

    extension = models.OneToOneField(
        Extension,
        verbose_name=_("extension"),
        on_delete=models.CASCADE,
        related_name="sip_credential",
    )
    username = models.CharField(_("username"), max_length=64, unique=True)
    realm = models.CharField(_("realm"), max_length=255)
    ha1_md5 = models.CharField("HA1 MD5", max_length=32)
    ha1_sha256 = models.CharField("HA1 SHA-256", max_length=64)
    changed_at = models.DateTimeField(_("password changed"))

    class Meta:
        verbose_name = _("SIP credential")
        verbose_name_plural = _("SIP credentials")

    def __str__(self) -> str:
        return f"{self.username}@{self.realm}"


class Transport(models.TextChoices):
    UDP = "UDP", "UDP"
    TCP = "TCP", "TCP"
    TLS = "TLS", "TLS"
    WS = "WS", "WebSocket"
    WSS = "WSS", _("secure WebSocket")


class Registration(models.Model):
    """One device bound to an extension (RFC 3261 §10 binding).

    ``binding_key`` identifies the binding across refreshes: the
    ``+sip.instance``/``reg-id`` pair when the device sends one (RFC 5626),
    otherwise the contact URI. Connection-oriented devices are reached back
    through ``connection_key`` on the node that holds the connection.
    """

    extension = models.ForeignKey(
        Extension,
        verbose_name=_("extension"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    binding_key = models.CharField(_("binding key"), max_length=512)
    contact_uri = models.CharField(_("contact"), max_length=512)
    q = models.FloatField(_("priority"), null=True, blank=True)
    transport = models.CharField(_("transport"), max_length=4, choices=Transport.choices)
    received_host = models.CharField(_("source address"), max_length=64)
    received_port = models.PositiveIntegerField(_("source port"))
    connection_key = models.CharField(_("connection"), max_length=64, blank=True)
    node = models.CharField(_("PBX node"), max_length=64, blank=True)
    path = models.TextField(_("path"), blank=True)
    user_agent = models.CharField(_("device"), max_length=255, blank=True)
    instance_id = models.CharField(_("instance"), max_length=255, blank=True)
    reg_id = models.PositiveIntegerField(_("reg-id"), null=True, blank=True)
    call_id = models.CharField("Call-ID", max_length=255)
    cseq = models.PositiveIntegerField("CSeq")
    registered_at = models.DateTimeField(_("registered"))
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ("extension", "-registered_at")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=("extension", "binding_key"), name="pbx_one_binding_per_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.extension} → {self.contact_uri}"


class CallRecord(models.Model):
    """One call attempt through the proxy (a CDR)."""

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("answered")
        BUSY = "busy", _("busy")
        NO_ANSWER = "no-answer", _("no answer")
        DECLINED = "declined", _("declined")
        CANCELLED = "cancelled", _("cancelled")
        UNREGISTERED = "unregistered", _("unreachable")
        NOT_FOUND = "not-found", _("unknown number")
        REFUSED = "refused", _("refused")
        FAILED = "failed", _("failed")
        FORWARDED = "forwarded", _("forwarded")
        PICKED_UP = "picked-up", _("picked up")

    class RefusalReason(models.TextChoices):
        """Why the toll-fraud guard refused a call out (the classes are trunks' CallClass)."""

        NATIONAL = "national", _("national calls are not allowed for you")
        MOBILE = "mobile", _("calls to mobiles are not allowed for you")
        INTERNATIONAL = "international", _("international calls are not allowed for you")
        PREMIUM = "premium", _("premium-rate numbers are not allowed for you")
        SATELLITE = "satellite", _("satellite numbers are not allowed for you")
        DAILY_MINUTES = "daily-minutes", _("your minutes for calls out today are used up")

    class EndedBy(models.TextChoices):
        """Whose hang-up ended an answered call."""

        CALLER = "caller", _("the caller")
        CALLEE = "callee", _("the callee")
        CALLER_ON_THE_WEB = "caller-web", _("the caller, on the web")
        PHONE_SYSTEM = "pbx", _("the phone system")

    class Direction(models.TextChoices):
        INTERNAL = "internal", _("internal")
        INBOUND = "in", _("in from a trunk")
        OUTBOUND = "out", _("out through a trunk")

    call_id = models.CharField("Call-ID", max_length=255, db_index=True)
    caller = models.ForeignKey(
        Extension,
        verbose_name=_("caller"),
        on_delete=models.SET_NULL,
        related_name="outgoing_calls",
        null=True,
        blank=True,
    )
    caller_number = models.CharField(_("from"), max_length=64)
    callee = models.ForeignKey(
        Extension,
        verbose_name=_("callee"),
        on_delete=models.SET_NULL,
        related_name="incoming_calls",
        null=True,
        blank=True,
    )
    callee_number = models.CharField(_("to"), max_length=64)
    devices_rung = models.JSONField(_("devices rung"), default=list, blank=True)
    answered_by = models.CharField(_("answered by"), max_length=512, blank=True)
    started_at = models.DateTimeField(_("started"), db_index=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # Empty while the call lasts, for a call never answered, and for one whose BYE never
    # came (its record closed when the PBX forgot the dialog).
    ended_by = models.CharField(_("ended by"), max_length=16, choices=EndedBy.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    final_status = models.PositiveSmallIntegerField(_("final SIP status"), null=True, blank=True)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.INTERNAL
    )
    # Why the PBX refused the call (the toll-fraud guard's words), empty otherwise.
    reason = models.CharField(
        _("reason"), max_length=200, choices=RefusalReason.choices, blank=True
    )
    # Transfers between phones (officina/pbx/transfers.py): the number whose REFER
    # placed this call, the number this call was handed on to, and the call this one
    # took over in an attended transfer (its Call-ID).
    transferred_by = models.CharField(_("transferred by"), max_length=64, blank=True)
    transferred_to = models.CharField(_("transferred to"), max_length=64, blank=True)
    replaced_call_id = models.CharField(_("replaced call"), max_length=255, blank=True)
    # Nobody answered (or no phone was connected) and the callee's voicemail took the
    # call: the outcome still says why it went there.
    voicemail = models.BooleanField(_("went to voicemail"), default=False)
    # Whose daily minutes for calls out the call spent: the caller of a call out, the
    # member who forwarded it outside, or whose follow-me was answered outside.
    charged_to = models.ForeignKey(
        Extension, verbose_name=_("minutes of"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    # Whose trunk a call to one of its numbers, forwarded outside by the number, went
    # back out through: the number's owner, a company or a space (at most one), pays it.
    charged_company = models.ForeignKey(
        "accounts.Company", verbose_name=_("paid by the company"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    charged_space = models.ForeignKey(
        "accounts.Space", verbose_name=_("paid by the space"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("call record")
        verbose_name_plural = _("call records")
        ordering = ("-started_at", "-id")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(charged_company__isnull=True) | Q(charged_space__isnull=True),
                name="pbx_call_paid_by_one_owner",
            )
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=("caller", "-started_at"), name="pbx_cdr_caller_started"),
            models.Index(fields=("callee", "-started_at"), name="pbx_cdr_callee_started"),
        ]

    def __str__(self) -> str:
        return f"{self.caller_number} → {self.callee_number} ({self.outcome})"

    @property
    def duration(self) -> timedelta | None:
        """Talk time: from answer to hang-up (None while ringing or never answered)."""
        if self.answered_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.answered_at


class HoldMusic(models.Model):
    """A company's own hold music: what the other party hears while one of its people
    holds a call (without it, the built-in chime). Stored as sox made it, an 8 kHz
    16-bit mono WAV, the file rtpengine's ``play media`` reads, and the media desk when
    no rtpengine carries the call."""

    company = models.OneToOneField(
        "accounts.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="hold_music",
    )
    audio = models.FileField(_("audio"), upload_to="pbx/hold-music/")
    original_name = models.CharField(_("uploaded file"), max_length=255)
    seconds = models.FloatField(_("duration (seconds)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now=True)

    class Meta:
        verbose_name = _("hold music")
        verbose_name_plural = _("hold music")

    def __str__(self) -> str:
        return f"{self.company_id}: {self.original_name}"
