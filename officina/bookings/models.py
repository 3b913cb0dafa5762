"""Bookable resources of a space (rooms, phone booths, desks, equipment), their opening
hours and rules, and the bookings made on them.

A booking keeps the resource from its start until its end plus the resource's buffer
(``blocked_until``): the database refuses two active bookings of one resource whose
``[starts_at, blocked_until)`` ranges overlap (see the migrations and actions.py).
"""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from officina.core.calendar_feeds import FeedSecret, new_secret

from .kinds import (
    ACTIVE_STATUSES,
    FURTHEST_AHEAD_DAYS,
    LONGEST_BOOKING_MINUTES,
    LONGEST_BUFFER_MINUTES,
    WEEKDAYS,
    BookingStatus,
    Frequency,
    ResourceKind,
    amenity_labels,
)


class Resource(models.Model):
    space = models.ForeignKey(
        "accounts.Space",
        verbose_name=_("space"),
        on_delete=models.CASCADE,
        related_name="bookable_resources",
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=ResourceKind.choices)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    capacity = models.PositiveSmallIntegerField(
        _("capacity"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text=_("How many people it seats."),
    )
    amenities = models.JSONField(_("amenities"), default=list, blank=True)
    max_minutes = models.PositiveIntegerField(
        _("longest booking (minutes)"),
        default=240,
        validators=[MinValueValidator(15), MaxValueValidator(LONGEST_BOOKING_MINUTES)],
    )
    max_days_ahead = models.PositiveSmallIntegerField(
        _("bookable how many days ahead"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(FURTHEST_AHEAD_DAYS)],
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"),
        default=0,
        validators=[MaxValueValidator(7 * 24 * 60)],
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer between bookings (minutes)"),
        default=0,
        validators=[MaxValueValidator(LONGEST_BUFFER_MINUTES)],
        help_text=_("Kept free after each booking, e.g. to air or tidy the room."),
    )
    approval_required = models.BooleanField(_("a manager approves each booking"), default=False)
    only_companies = models.ManyToManyField(
        "accounts.Company",
        verbose_name=_("only for people of these companies"),
        blank=True,
        related_name="+",
        help_text=_("Empty: every member of the space may book it."),
    )
    # Stored for a later plans-and-credits app; nothing is charged yet.
    price_per_hour = models.DecimalField(
        _("price per hour (EUR)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    credits_per_hour = models.DecimalField(
        _("credits per hour"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    is_active = models.BooleanField(_("bookable"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The secret in the address of the resource's calendar (its bookings, for whoever may
    # book it); a manager replaces it to revoke the old address.
    feed_token = models.CharField(
        _("calendar address secret"), max_length=64, unique=True, default=new_secret, editable=False
    )

    class Meta:
        verbose_name = _("bookable resource")
        verbose_name_plural = _("bookable resources")
        ordering = ("space", "kind", "name", "id")
        indexes = [models.Index(fields=["space", "is_active"], name="resources_by_space")]

    def __str__(self) -> str:
        return self.name

    @property
    def amenity_labels(self) -> list[str]:
        return amenity_labels(self.amenities)


class ResourcePhoto(models.Model):
    """A photo of a resource, as re-encoded by ``photos.process_photo`` (never the bytes
    that were sent). ``position`` orders them; the first is the resource's thumbnail."""

    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("image"), upload_to="resource-photos/")
    caption = models.CharField(
        _("caption"),
        max_length=200,
        help_text=_("Describes the photo to people who cannot see it."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo of a resource")
        verbose_name_plural = _("photos of resources")
        ordering = ("resource", "position", "id")

    def __str__(self) -> str:
        return self.caption

    @property
    def url(self) -> str:
        # The file's random name is in the address: a new photo is a new address, so
        # browsers may keep one for good.
        return reverse(
            "bookings:photo", kwargs={"photo_id": self.pk, "name": PurePath(self.image.name).name}
        )


class OpeningHours(models.Model):
    """When a resource may be booked on one weekday, in the space's time zone.

    A weekday without a row is closed; hours do not cross midnight."""

    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), on_delete=models.CASCADE, related_name="hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ("resource", "weekday")
        constraints = [
            models.UniqueConstraint(fields=["resource", "weekday"], name="one_opening_per_weekday"),
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="closes_after_opens"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="weekday_in_week"),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.get_weekday_display()} {self.opens}–{self.closes}"


class BookingSeries(models.Model):
    """Bookings of one resource that repeat weekly or monthly, at the same wall-clock
    times of the space, from ``first_day`` to ``last_day`` except the ``skipped`` days.

    Its dates are bookings of their own (``occurrences``), made all at once: each obeys
    the resource's rules and the no-overlap guarantee, and can be moved or cancelled
    alone; the series moves or cancels its dates from a day on."""

    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), on_delete=models.CASCADE, related_name="series"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="booking_series",
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    frequency = models.CharField(_("repeats"), max_length=8, choices=Frequency.choices)
    interval = models.PositiveSmallIntegerField(_("every how many weeks or months"), default=1)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    # Wall-clock times in the space's zone; a move from a day on changes them.
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("to"))
    skipped = models.JSONField(_("skipped days"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("booking series")
        verbose_name_plural = _("booking series")
        ordering = ("first_day", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")), name="series_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(interval__gte=1, interval__lte=4), name="series_interval_bounded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.get_frequency_display()} {self.first_day}–{self.last_day}"


class Booking(models.Model):
    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), on_delete=models.CASCADE, related_name="bookings"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="bookings",
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # ends_at plus the resource's buffer when booked: the range no other booking may touch.
    blocked_until = models.DateTimeField(_("resource free again at"))
    status = models.CharField(
        _("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.CONFIRMED
    )
    series = models.ForeignKey(
        BookingSeries,
        verbose_name=_("series"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="occurrences",
    )
    # Set by the reminder job (tasks.py) when it tells the member, so it tells them once.
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    # A desk's booking is claimed when its member checks in at the space and takes it;
    # who's here shows where they sit, and the release job leaves it alone.
    claimed_at = models.DateTimeField(_("desk claimed at"), null=True, blank=True)
    # The SEQUENCE of the invitations its guests were sent (invitations.py): each update
    # or cancellation they are sent counts one up, so their calendars take the newest.
    invitation_sequence = models.PositiveIntegerField(_("invitation sequence"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ("starts_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(blocked_until__gte=F("ends_at")), name="booking_blocks_to_its_end"
            ),
        ]
        indexes = [
            # A day's availability reads, for each resource, the bookings started up to a
            # week (the longest booking) before the day and holding it into the day: with
            # blocked_until in the index, SQLite skips those over before the day without
            # reading their rows.
            models.Index(
                fields=["resource", "starts_at", "blocked_until"], name="bookings_by_resource_hold"
            ),
            models.Index(fields=["member", "starts_at"], name="bookings_by_member_start"),
            # The reminder job's scan, every few minutes: only bookings not yet reminded.
            models.Index(
                fields=["starts_at"],
                condition=Q(reminded_at__isnull=True),
                name="bookings_to_remind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class FreeAgainWatch(models.Model):
    """A member refused a time because someone holds it, asking to be told if it frees up.

    The job in tasks.py tells them once the time is free (a booking cancelled, moved or
    declined) and forgets the watch; a watch whose start has passed is forgotten."""

    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), on_delete=models.CASCADE, related_name="watches"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="booking_watches",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("free-again request")
        verbose_name_plural = _("free-again requests")
        ordering = ("starts_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "member", "starts_at", "ends_at"], name="one_watch_per_time"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="watch_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} waits for {self.resource} {self.starts_at:%Y-%m-%d %H:%M}"


class SlotSearchWatch(models.Model):
    """A member whose search for a slot found nothing, asking to be told when a slot that
    fits the search frees up.

    The free-again job (tasks.py) searches again for them, tells them once a slot fits
    and forgets the request; a request is forgotten untold once its day is over."""

    space = models.ForeignKey(
        "accounts.Space",
        verbose_name=_("space"),
        on_delete=models.CASCADE,
        related_name="slot_search_watches",
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="slot_search_watches",
    )
    day = models.DateField(_("day"))
    earliest = models.TimeField(_("from"))
    latest = models.TimeField(_("until"))
    minutes = models.PositiveIntegerField(_("minutes"))
    people = models.PositiveIntegerField(_("people"), default=1)
    amenities = models.JSONField(_("amenities"), default=list, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ResourceKind.choices, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("slot search request")
        verbose_name_plural = _("slot search requests")
        ordering = ("day", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(latest__gt=F("earliest")), name="search_watch_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} waits for a slot at {self.space} on {self.day}"


class BookingGuest(models.Model):
    """Someone invited to a booking by e-mail: a member of the community (``member``
    set) or an outside guest known by address and name only."""

    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="guests"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booking_invitations",
    )
    email = models.EmailField(_("e-mail address"))
    name = models.CharField(_("name"), max_length=120, blank=True)
    invited_at = models.DateTimeField(_("invited at"), auto_now_add=True)

    class Meta:
        verbose_name = _("booking guest")
        verbose_name_plural = _("booking guests")
        ordering = ("booking", "id")
        constraints = [
            models.UniqueConstraint(fields=["booking", "email"], name="one_invitation_per_address")
        ]

    def __str__(self) -> str:
        return f"{self.name or self.email} at {self.booking}"


class DeskRelease(models.Model):
    """A space's rule for desks booked and not used: a desk booked for a day and not
    claimed by checking in by ``unclaimed_by`` (the space's local time) that day is
    released by the job in tasks.py, and its member told. A space without a row keeps
    every booked desk."""

    space = models.OneToOneField(
        "accounts.Space",
        verbose_name=_("space"),
        on_delete=models.CASCADE,
        related_name="desk_release",
    )
    unclaimed_by = models.TimeField(
        _("release booked desks not claimed by"),
        help_text=_("Local time of the space, e.g. 10:30."),
    )

    class Meta:
        verbose_name = _("release of unclaimed desks")
        verbose_name_plural = _("releases of unclaimed desks")

    def __str__(self) -> str:
        return f"{self.space}: desks released at {self.unclaimed_by:%H:%M}"


class BookingFeedToken(FeedSecret):
    """The secret in a member's bookings calendar address."""

    class Meta:
        verbose_name = _("bookings calendar token")
        verbose_name_plural = _("bookings calendar tokens")

    def __str__(self) -> str:
        return f"bookings calendar of {self.member}"
