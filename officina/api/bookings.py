"""/api/bookings: resources of a space, a day's availability, free slots, and booking,
moving and cancelling.

Times without an offset are wall-clock times where the resource is (or in ``time_zone``
when the request names one); one that does not exist or happens twice there is refused.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from officina.accounts.access import access_space_by_slug
from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import COMMON_ERRORS, BodyIn, ErrorOut, MemberRef, Text
from officina.api.schemas import translated_when_shown as _
from officina.bookings.access import (
    access_booking_by_id,
    access_resource_by_id,
    access_resource_to_manage,
    access_series_by_id,
    bookable_resources,
    resources_to_book,
    space_resources,
)
from officina.bookings.actions import (
    TITLE_MAX_LENGTH,
    check_add_resource_photo,
    check_book,
    check_book_series,
    check_cancel,
    check_cancel_day,
    check_cancel_series,
    check_invite_guests,
    check_move,
    check_move_series,
    check_remove_guest,
    check_remove_resource_photo,
    check_watch_free_again,
    check_watch_slot_search,
    do_regenerate_resource_feed_token,
)
from officina.bookings.ical import resource_feed_address
from officina.bookings.kinds import (
    LONGEST_BOOKING_MINUTES,
    LONGEST_INTERVAL,
    MOST_OCCURRENCES,
    Amenity,
    Frequency,
    ResourceKind,
)
from officina.bookings.local_times import EARLIEST_DAY, LATEST_DAY, local_to_instant, zone_named
from officina.bookings.selectors import (
    ResourceDay,
    SlotRequest,
    booking_guests,
    day_of_resources,
    find_slots,
    member_bookings,
    photos_by_resource,
    resource_photos,
    resource_rows,
    series_occurrences,
)

if TYPE_CHECKING:
    from officina.bookings.models import (
        Booking,
        BookingGuest,
        BookingSeries,
        Resource,
        ResourcePhoto,
    )

router = Router(tags=["bookings"])

AmenityName = Literal[tuple(Amenity.values)]  # type: ignore[valid-type]
KindName = Literal[tuple(ResourceKind.values)]  # type: ignore[valid-type]
FrequencyName = Literal[tuple(Frequency.values)]  # type: ignore[valid-type]
ZONE_DESCRIPTION = "IANA zone of times given without an offset; the space's zone by default"


class PhotoOut(Schema):
    id: int
    url: str = Field(description="the photo (a JPEG), for whoever may see the resource")
    caption: str = Field(description="what the photo shows: its alt text")


class ResourceOut(Schema):
    id: int
    name: str
    kind: str
    capacity: int
    amenities: list[str]
    max_minutes: int
    max_days_ahead: int
    min_notice_minutes: int
    buffer_minutes: int
    approval_required: bool
    price_per_hour: Decimal | None
    credits_per_hour: Decimal | None
    may_book: bool
    photos: list[PhotoOut] = Field(description="in their order; the first is the thumbnail")
    feed_url: str | None = Field(
        description="the secret address of its calendar (its bookings and who holds each), "
        "to whoever may book it; null otherwise"
    )


class PeriodOut(Schema):
    starts_at: datetime
    ends_at: datetime


class BusyOut(PeriodOut):
    member: MemberRef
    status: str


class ResourceDayOut(Schema):
    resource: int
    name: str
    open: PeriodOut | None = Field(description="null when closed that day")
    bookings: list[BusyOut]
    free: list[PeriodOut]


LocalDay = date  # the field below is called date: its type needs another name


class DayFilter(Schema):
    date: LocalDay = Field(ge=EARLIEST_DAY, le=LATEST_DAY, description="the space's local day")


class SlotFilters(DayFilter):
    earliest: time = time(8, 0)
    latest: time = time(20, 0)
    minutes: int = Field(60, ge=15, le=LONGEST_BOOKING_MINUTES)
    people: int = Field(1, ge=1, le=500)
    amenities: list[AmenityName] = Field(default_factory=list, max_length=len(Amenity.values))  # type: ignore[valid-type]
    kind: KindName | None = None  # type: ignore[valid-type]


class SlotOut(Schema):
    resource: int
    name: str
    capacity: int
    starts_at: datetime
    ends_at: datetime
    free_until: datetime


class BookingIn(BodyIn):
    resource: int = Field(ge=1)
    starts_at: datetime
    ends_at: datetime
    title: Text = Field("", max_length=TITLE_MAX_LENGTH)
    time_zone: Text | None = Field(None, min_length=1, max_length=64, description=ZONE_DESCRIPTION)


class MoveIn(BodyIn):
    starts_at: datetime
    ends_at: datetime
    time_zone: Text | None = Field(None, min_length=1, max_length=64, description=ZONE_DESCRIPTION)


class BookingOut(Schema):
    id: int
    resource: int
    resource_name: str
    space: str
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str
    series: int | None = Field(description="the repeating booking this date belongs to")


class SeriesIn(BodyIn):
    resource: int = Field(ge=1)
    frequency: FrequencyName  # type: ignore[valid-type]
    interval: int = Field(
        1, ge=1, le=LONGEST_INTERVAL, description="every how many weeks or months"
    )
    first_day: LocalDay = Field(description="the first date, in the space's zone")
    until: LocalDay = Field(description="the last day of the series (included)")
    starts: time = Field(description="wall-clock time in the space's zone")
    ends: time
    skip: list[LocalDay] = Field(default_factory=list, max_length=MOST_OCCURRENCES)
    title: Text = Field("", max_length=TITLE_MAX_LENGTH)


class SeriesFromIn(BodyIn):
    from_day: LocalDay = Field(description="the first local day changed")


class SeriesMoveIn(SeriesFromIn):
    starts: time
    ends: time


class SeriesOut(Schema):
    id: int
    resource: int
    frequency: str
    interval: int
    first_day: LocalDay
    until: LocalDay
    starts: time
    ends: time
    skip: list[LocalDay]
    title: str
    bookings: list[BookingOut]


class DateRefusedOut(Schema):
    date: LocalDay
    reason: str


class SeriesRefusedOut(ErrorOut):
    dates: list[DateRefusedOut] = Field(
        default_factory=list, description="each date that cannot be booked, and why"
    )


class WatchIn(BodyIn):
    resource: int = Field(ge=1)
    starts_at: datetime
    ends_at: datetime
    time_zone: Text | None = Field(None, min_length=1, max_length=64, description=ZONE_DESCRIPTION)


class WatchOut(Schema):
    resource: int
    starts_at: datetime
    ends_at: datetime


class ChangedOut(Schema):
    changed: int


def _resource_out(
    request: HttpRequest, resource: Resource, bookable: bool, photos: list[ResourcePhoto]
) -> ResourceOut:
    return ResourceOut(
        id=resource.pk,
        name=resource.name,
        kind=resource.kind,
        capacity=resource.capacity,
        amenities=list(resource.amenities),
        max_minutes=resource.max_minutes,
        max_days_ahead=resource.max_days_ahead,
        min_notice_minutes=resource.min_notice_minutes,
        buffer_minutes=resource.buffer_minutes,
        approval_required=resource.approval_required,
        price_per_hour=resource.price_per_hour,
        credits_per_hour=resource.credits_per_hour,
        may_book=bookable,
        photos=[PhotoOut(id=photo.pk, url=photo.url, caption=photo.caption) for photo in photos],
        feed_url=(resource_feed_address(request, resource) if bookable else None),
    )


def _day_out(resource_day: ResourceDay) -> ResourceDayOut:
    window = resource_day.window
    return ResourceDayOut(
        resource=resource_day.resource.pk,
        name=resource_day.resource.name,
        open=PeriodOut(starts_at=window.starts_at, ends_at=window.ends_at) if window else None,
        bookings=[
            BusyOut(
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                member=MemberRef(id=booking.member_id, name=booking.member_name),
                status=booking.status,
            )
            for booking in resource_day.bookings
        ],
        free=[PeriodOut(starts_at=p.starts_at, ends_at=p.ends_at) for p in resource_day.free],
    )


def _booking_out(booking: Booking) -> BookingOut:
    return BookingOut(
        id=booking.pk,
        resource=booking.resource.pk,
        resource_name=booking.resource.name,
        space=booking.resource.space.slug,
        title=booking.title,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        status=booking.status,
        series=booking.series_id,
    )


def _series_out(series: BookingSeries) -> SeriesOut:
    return SeriesOut(
        id=series.pk,
        resource=series.resource_id,
        frequency=series.frequency,
        interval=series.interval,
        first_day=series.first_day,
        until=series.last_day,
        starts=series.starts,
        ends=series.ends,
        skip=[date.fromisoformat(day) for day in series.skipped],
        title=series.title,
        bookings=[_booking_out(booking) for booking in series_occurrences(series)],
    )


def _instants(
    resource: Resource, starts_at: datetime, ends_at: datetime, zone_name: str | None
) -> tuple[datetime, datetime]:
    zone = zone_named(zone_name) if zone_name else resource.space.zone
    return (
        local_to_instant(starts_at, zone, field="starts_at"),
        local_to_instant(ends_at, zone, field="ends_at"),
    )


@router.get(
    "/spaces/{slug}/resources",
    response={200: list[ResourceOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Bookable resources of a space (its members only)"),
)
def list_resources(request: HttpRequest, slug: Text) -> list[ResourceOut]:
    member = signed_in_member(request)
    space = access_space_by_slug(member, slug, as_member=True)
    bookable = {resource.pk for resource in resources_to_book(member, space)}
    resources = list(space_resources(member, space))
    photos = photos_by_resource(resource.pk for resource in resources)
    return [
        _resource_out(request, resource, resource.pk in bookable, photos.get(resource.pk, []))
        for resource in resources
    ]


@router.post(
    "/resources/{resource_id}/feed/regenerate",
    response={200: ResourceOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("A new calendar address for a resource; the old one stops working (managers)"),
)
def regenerate_resource_feed(request: HttpRequest, resource_id: int) -> ResourceOut:
    resource = access_resource_to_manage(signed_in_member(request), resource_id)
    do_regenerate_resource_feed_token(resource)
    return _managed_resource_out(request, resource)


def _managed_resource_out(request: HttpRequest, resource: Resource) -> ResourceOut:
    """A resource as its manager sees it after a change: bookable, with its photos."""
    return _resource_out(request, resource, True, resource_photos(resource))


class PhotoIn(Schema):
    caption: Text = Field(
        "",
        max_length=200,
        description="what the photo shows (its alt text); the resource's name if empty",
    )


@router.post(
    "/resources/{resource_id}/photos",
    response={201: ResourceOut, 400: ErrorOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Add a photo of a resource: a JPEG, PNG or WebP image up to 5 MB (managers)"),
)
def add_resource_photo(
    request: HttpRequest, resource_id: int, photo: File[UploadedFile], details: Form[PhotoIn]
) -> Status[ResourceOut]:
    member = signed_in_member(request)
    resource = access_resource_to_manage(member, resource_id)
    check_add_resource_photo(member, resource, photo, caption=details.caption)
    return Status(201, _managed_resource_out(request, resource))


@router.delete(
    "/resources/{resource_id}/photos/{photo_id}",
    response={200: ResourceOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Take a photo off a resource (managers)"),
)
def remove_resource_photo(request: HttpRequest, resource_id: int, photo_id: int) -> ResourceOut:
    member = signed_in_member(request)
    resource = access_resource_to_manage(member, resource_id)
    check_remove_resource_photo(member, resource, photo_id)
    return _managed_resource_out(request, resource)


@router.get(
    "/spaces/{slug}/availability",
    response={200: list[ResourceDayOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Each resource's opening hours, bookings and free periods on a day"),
)
def availability(request: HttpRequest, slug: Text, day: Query[DayFilter]) -> list[ResourceDayOut]:
    member = signed_in_member(request)
    space = access_space_by_slug(member, slug, as_member=True)
    resources = resource_rows(space_resources(member, space))
    return [_day_out(resource_day) for resource_day in day_of_resources(resources, day.date)]


@router.get(
    "/spaces/{slug}/slots",
    response={200: list[SlotOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Free slots that fit: people, amenities, kind, a window of the day, a length"),
)
def slots(request: HttpRequest, slug: Text, filters: Query[SlotFilters]) -> list[SlotOut]:
    member = signed_in_member(request)
    space = access_space_by_slug(member, slug, as_member=True)
    found = find_slots(
        resource_rows(bookable_resources(member, space)),
        SlotRequest(
            day=filters.date,
            earliest=filters.earliest,
            latest=filters.latest,
            minutes=filters.minutes,
            people=filters.people,
            amenities=tuple(filters.amenities),
            kind=filters.kind or "",
        ),
    )
    return [
        SlotOut(
            resource=slot.resource.pk,
            name=slot.resource.name,
            capacity=slot.resource.capacity,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            free_until=slot.free_until,
        )
        for slot in found
    ]


@router.post(
    "",
    response={201: BookingOut, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Book a resource (pending when its space approves bookings)"),
)
def book(request: HttpRequest, payload: BookingIn) -> Status[BookingOut]:
    member = signed_in_member(request)
    resource = access_resource_by_id(member, payload.resource, to_book=True)
    starts_at, ends_at = _instants(resource, payload.starts_at, payload.ends_at, payload.time_zone)
    booking = check_book(
        member, resource, starts_at=starts_at, ends_at=ends_at, title=payload.title
    )
    return Status(201, _booking_out(booking))


@router.get(
    "/mine",
    response={200: list[BookingOut], **COMMON_ERRORS},
    summary=_("My bookings not yet over"),
)
def my_bookings(request: HttpRequest) -> list[BookingOut]:
    return [_booking_out(booking) for booking in member_bookings(signed_in_member(request))]


@router.post(
    "/{booking_id}/move",
    response={200: BookingOut, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Move a booking that has not begun to other times of the same resource"),
)
def move(request: HttpRequest, booking_id: int, payload: MoveIn) -> BookingOut:
    member = signed_in_member(request)
    booking = access_booking_by_id(member, booking_id)
    starts_at, ends_at = _instants(
        booking.resource, payload.starts_at, payload.ends_at, payload.time_zone
    )
    moved = check_move(member, booking, starts_at=starts_at, ends_at=ends_at)
    return _booking_out(moved)


@router.post(
    "/{booking_id}/cancel",
    response={200: BookingOut, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Cancel a booking not yet over"),
)
def cancel(request: HttpRequest, booking_id: int) -> BookingOut:
    member = signed_in_member(request)
    booking = access_booking_by_id(member, booking_id)
    return _booking_out(check_cancel(member, booking))


class CancelDayIn(BodyIn):
    day: LocalDay = Field(
        ge=EARLIEST_DAY, le=LATEST_DAY, description="the day to free, in the space's zone"
    )


class DayCancelledOut(Schema):
    booking: BookingOut = Field(
        description="the booking now: its days before the one cancelled, or its days after "
        "when that day was its first; cancelled when that day was its only one"
    )
    following: BookingOut | None = Field(
        description="the days after the one cancelled, when they became a booking of their own"
    )


@router.post(
    "/{booking_id}/cancel-day",
    response={200: DayCancelledOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Cancel one day of a desk booked over several days, keeping the others"),
)
def cancel_day(request: HttpRequest, booking_id: int, payload: CancelDayIn) -> DayCancelledOut:
    member = signed_in_member(request)
    booking = access_booking_by_id(member, booking_id)
    following = check_cancel_day(member, booking, day=payload.day)
    return DayCancelledOut(
        booking=_booking_out(booking),
        following=None
        if following is None or following.pk == booking.pk
        else _booking_out(following),
    )


class GuestOut(Schema):
    id: int
    email: str
    name: str
    member: int | None = Field(description="the guest's account, when they have one")


class GuestsIn(BodyIn):
    guests: list[Annotated[str, Field(min_length=1, max_length=320)]] = Field(
        min_length=1,
        max_length=500,
        description='"Anna Bianchi <anna@example.com>" or "anna@example.com", one a guest',
    )


def _guest_out(guest: BookingGuest) -> GuestOut:
    return GuestOut(id=guest.pk, email=guest.email, name=guest.name, member=guest.member_id)


@router.get(
    "/{booking_id}/guests",
    response={200: list[GuestOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("A booking's guests (its member and the space's managers)"),
)
def list_guests(request: HttpRequest, booking_id: int) -> list[GuestOut]:
    member = signed_in_member(request)
    booking = access_booking_by_id(member, booking_id)
    return [_guest_out(guest) for guest in booking_guests(booking)]


@router.post(
    "/{booking_id}/guests",
    response={201: list[GuestOut], 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Invite people by e-mail to a booking; each gets an .ics invitation"),
)
def invite_guests(
    request: HttpRequest, booking_id: int, payload: GuestsIn
) -> Status[list[GuestOut]]:
    member = signed_in_member(request)
    booking = access_booking_by_id(member, booking_id)
    invited = check_invite_guests(member, booking, payload.guests)
    return Status(201, [_guest_out(guest) for guest in invited])


@router.delete(
    "/{booking_id}/guests/{guest_id}",
    response={204: None, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Take a guest off a booking; they get an .ics cancellation"),
)
def remove_guest(request: HttpRequest, booking_id: int, guest_id: int) -> Status[None]:
    member = signed_in_member(request)
    booking = access_booking_by_id(member, booking_id)
    check_remove_guest(member, booking, guest_id)
    return Status(204, None)


@router.post(
    "/series",
    response={
        **COMMON_ERRORS,
        201: SeriesOut,
        400: SeriesRefusedOut,
        404: ErrorOut,
        409: SeriesRefusedOut,
    },
    summary=_("Book a resource weekly or monthly: every date, or none (the refusal lists them)"),
)
def book_series(request: HttpRequest, payload: SeriesIn) -> Status[SeriesOut]:
    member = signed_in_member(request)
    resource = access_resource_by_id(member, payload.resource, to_book=True)
    series = check_book_series(
        member,
        resource,
        frequency=payload.frequency,
        interval=payload.interval,
        first_day=payload.first_day,
        last_day=payload.until,
        starts=payload.starts,
        ends=payload.ends,
        skipped=payload.skip,
        title=payload.title,
    )
    return Status(201, _series_out(series))


@router.get(
    "/series/{series_id}",
    response={200: SeriesOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("A repeating booking and its dates"),
)
def get_series(request: HttpRequest, series_id: int) -> SeriesOut:
    return _series_out(access_series_by_id(signed_in_member(request), series_id))


@router.post(
    "/series/{series_id}/cancel",
    response={200: ChangedOut, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Cancel a repeating booking's dates from a day on"),
)
def cancel_series(request: HttpRequest, series_id: int, payload: SeriesFromIn) -> ChangedOut:
    member = signed_in_member(request)
    series = access_series_by_id(member, series_id)
    return ChangedOut(changed=check_cancel_series(member, series, from_day=payload.from_day))


@router.post(
    "/series/{series_id}/move",
    response={
        **COMMON_ERRORS,
        200: ChangedOut,
        400: SeriesRefusedOut,
        404: ErrorOut,
        409: SeriesRefusedOut,
    },
    summary=_("Move a repeating booking's dates from a day on to other times: all or none"),
)
def move_series(request: HttpRequest, series_id: int, payload: SeriesMoveIn) -> ChangedOut:
    member = signed_in_member(request)
    series = access_series_by_id(member, series_id)
    moved = check_move_series(
        member, series, from_day=payload.from_day, starts=payload.starts, ends=payload.ends
    )
    return ChangedOut(changed=len(moved))


class SlotWatchIn(BodyIn, SlotFilters):
    """The search that found nothing, as a body: the same fields and bounds as the slot
    filters of ``GET …/slots``."""


class SlotWatchOut(Schema):
    id: int
    space: str
    date: LocalDay
    earliest: time
    latest: time
    minutes: int
    people: int
    amenities: list[str]
    kind: str


@router.post(
    "/spaces/{slug}/slots/watch",
    response={201: SlotWatchOut, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_(
        "Ask to be told when a slot that fits a search that found nothing frees up "
        "(409 when one fits already)"
    ),
)
def watch_slot_search(
    request: HttpRequest, slug: Text, payload: SlotWatchIn
) -> Status[SlotWatchOut]:
    member = signed_in_member(request)
    space = access_space_by_slug(member, slug, as_member=True)
    watch = check_watch_slot_search(
        member,
        space,
        SlotRequest(
            day=payload.date,
            earliest=payload.earliest,
            latest=payload.latest,
            minutes=payload.minutes,
            people=payload.people,
            amenities=tuple(payload.amenities),
            kind=payload.kind or "",
        ),
    )
    return Status(
        201,
        SlotWatchOut(
            id=watch.pk,
            space=space.slug,
            date=watch.day,
            earliest=watch.earliest,
            latest=watch.latest,
            minutes=watch.minutes,
            people=watch.people,
            amenities=list(watch.amenities),
            kind=watch.kind,
        ),
    )


@router.post(
    "/watches",
    response={201: WatchOut, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Ask to be told when a time someone holds becomes free (409 when it is free)"),
)
def watch_free_again(request: HttpRequest, payload: WatchIn) -> Status[WatchOut]:
    member = signed_in_member(request)
    resource = access_resource_by_id(member, payload.resource, to_book=True)
    starts_at, ends_at = _instants(resource, payload.starts_at, payload.ends_at, payload.time_zone)
    watch = check_watch_free_again(member, resource, starts_at=starts_at, ends_at=ends_at)
    return Status(
        201, WatchOut(resource=resource.pk, starts_at=watch.starts_at, ends_at=watch.ends_at)
    )
