"""The bookings app's choices and bounds, importable without its models: the API and
the forms use them too."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResourceKind(models.TextChoices):
    ROOM = "room", _("meeting room")
    BOOTH = "booth", _("phone booth")
    DESK = "desk", _("desk")
    EQUIPMENT = "equipment", _("equipment")


class Amenity(models.TextChoices):
    SCREEN = "screen", _("screen")
    PROJECTOR = "projector", _("projector")
    WHITEBOARD = "whiteboard", _("whiteboard")
    VIDEO_CALLS = "video_calls", _("video-call kit")
    SPEAKERPHONE = "speakerphone", _("speakerphone")
    MONITOR = "monitor", _("external monitor")
    STANDING = "standing", _("standing desk")
    ACCESSIBLE = "accessible", _("step-free access")


def amenity_labels(amenities: Iterable[str]) -> list[str]:
    """The translated names of these amenities, in their order; unknown values left out."""
    labels = dict(Amenity.choices)
    return [str(labels[value]) for value in amenities if value in labels]


# Rules a manager may set, and their bounds: a booking never lasts more than a week,
# so a day's bookings are found by looking back at most this far from the day's start.
LONGEST_BOOKING_MINUTES = 7 * 24 * 60
FURTHEST_AHEAD_DAYS = 366
LONGEST_BUFFER_MINUTES = 240


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("waiting for approval")
    CONFIRMED = "confirmed", _("confirmed")
    DECLINED = "declined", _("declined")
    CANCELLED = "cancelled", _("cancelled")
    # A desk booked for the day that nobody claimed by checking in before the space's
    # release time (``DeskRelease``): given back so that someone else may sit there.
    RELEASED = "released", _("released (not claimed in time)")


# Bookings that hold their resource: a pending request holds it until a manager answers.
ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("weekly")
    MONTHLY = "monthly", _("monthly")


# A series is made all at once, under one lock, and listed whole when a date clashes:
# a year of weekly dates is the most a member plans, and the most one request writes.
MOST_OCCURRENCES = 53
# "Every 4 weeks" or "every 4 months" is the sparsest repetition offered.
LONGEST_INTERVAL = 4
