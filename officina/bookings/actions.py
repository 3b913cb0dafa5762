"""Book, move and cancel; approve or decline requests; manage resources.

Every check runs before anything changes, and an error changes nothing. Overlaps are
checked again under a lock at the moment of writing, and on PostgreSQL the database
refuses them as well (an exclusion constraint, migration 0002).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from officina.accounts.access import is_space_manager
from officina.core.errors import ErrorCode, OfficinaError

from .access import may_book
from .kinds import ACTIVE_STATUSES, Amenity, BookingStatus
from .models import Booking, BookingFeedToken, OpeningHours, Resource
from .selectors import first_clash, opening_window

if TYPE_CHECKING:
    from officina.accounts.models import Member, Space

TITLE_MAX_LENGTH = 120


def _local_clock(moment: datetime, resource: Resource) -> str:
    return formats.time_format(moment.astimezone(resource.space.zone), "H:i")


def _check_times(resource: Resource, starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """The resource's rules for a booking from ``starts_at`` to ``ends_at``."""
    if ends_at <= starts_at:
        raise OfficinaError.invalid_input(_("A booking must end after it starts."), field="ends_at")
    if starts_at < now:
        raise OfficinaError.invalid_input(_("That time has already passed."), field="starts_at")
    if starts_at < now + timedelta(minutes=resource.min_notice_minutes):
        raise OfficinaError.invalid_input(
            _("%(resource)s must be booked at least %(minutes)s minutes ahead.")
            % {"resource": resource.name, "minutes": resource.min_notice_minutes},
            field="starts_at",
        )
    if ends_at - starts_at > timedelta(minutes=resource.max_minutes):
        raise OfficinaError.invalid_input(
            _("%(resource)s can be booked for %(minutes)s minutes at most.")
            % {"resource": resource.name, "minutes": resource.max_minutes},
            field="ends_at",
        )
    if starts_at > now + timedelta(days=resource.max_days_ahead):
        raise OfficinaError.invalid_input(
            _("%(resource)s can be booked at most %(days)s days ahead.")
            % {"resource": resource.name, "days": resource.max_days_ahead},
            field="starts_at",
        )
    window = opening_window(resource, starts_at.astimezone(resource.space.zone).date())
    if window is None:
        raise OfficinaError.invalid_input(
            _("%(resource)s is closed that day.") % {"resource": resource.name},
            field="starts_at",
        )
    if starts_at < window.starts_at or ends_at > window.ends_at:
        raise OfficinaError.invalid_input(
            _("%(resource)s can be booked that day from %(opens)s to %(closes)s.")
            % {
                "resource": resource.name,
                "opens": _local_clock(window.starts_at, resource),
                "closes": _local_clock(window.ends_at, resource),
            },
            field="starts_at",
        )


def _clean_title(title: str) -> str:
    title = title.strip()
    if len(title) > TITLE_MAX_LENGTH:
        raise OfficinaError.invalid_input(
            _("The title is too long (%(max)s characters at most).") % {"max": TITLE_MAX_LENGTH},
            field="title",
        )
    return title


def _taken_error(resource: Resource, clash: Booking | None = None) -> OfficinaError:
    if clash is None:
        return OfficinaError(
            _("%(resource)s is already booked at that time.") % {"resource": resource.name},
            ErrorCode.CONFLICT,
        )
    return OfficinaError(
        _(
            "%(resource)s is already booked from %(start)s to %(end)s "
            "(with %(buffer)s minutes kept free after each booking)."
        )
        % {
            "resource": resource.name,
            "start": _local_clock(clash.starts_at, resource),
            "end": _local_clock(clash.ends_at, resource),
            "buffer": resource.buffer_minutes,
        }
        if resource.buffer_minutes
        else _("%(resource)s is already booked from %(start)s to %(end)s.")
        % {
            "resource": resource.name,
            "start": _local_clock(clash.starts_at, resource),
            "end": _local_clock(clash.ends_at, resource),
        },
        ErrorCode.CONFLICT,
    )


def _hold(resource: Resource, booking: Booking, *, ignoring: Booking | None = None) -> Booking:
    """Write ``booking`` if no active booking overlaps its held range.

    The check and the write must not interleave with another request's. On SQLite the
    settings open every transaction with BEGIN IMMEDIATE (``transaction_mode``), which
    takes the database's write lock before the check reads anything: a second request
    waits at its BEGIN until the first one commits, then sees its booking. On PostgreSQL
    the row lock on the resource serialises bookings of that resource, and the exclusion
    constraint refuses an overlap that any other path might try to write.
    """
    with transaction.atomic():
        Resource.objects.select_for_update().filter(pk=resource.pk).first()
        clash = first_clash(resource, booking.starts_at, booking.blocked_until, ignoring=ignoring)
        if clash is not None:
            raise _taken_error(resource, clash)
        try:
            with transaction.atomic():
                booking.save()
        except IntegrityError as error:
            raise _taken_error(resource) from error
    return booking


def check_book(
    member: Member,
    resource: Resource,
    *,
    starts_at: datetime,
    ends_at: datetime,
    title: str = "",
    now: datetime | None = None,
) -> Booking:
    """Book ``resource``; waits for a manager's approval when the resource asks for one."""
    now = now or timezone.now()
    if not resource.is_active or not may_book(member, resource):
        raise OfficinaError(_("Resource not found."), ErrorCode.NOT_FOUND)
    title = _clean_title(title)
    _check_times(resource, starts_at, ends_at, now)
    needs_approval = resource.approval_required and not is_space_manager(member, resource.space)
    booking = Booking(
        resource=resource,
        member=member,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_until=ends_at + timedelta(minutes=resource.buffer_minutes),
        status=BookingStatus.PENDING if needs_approval else BookingStatus.CONFIRMED,
    )
    return _hold(resource, booking)


def _check_still_changeable(booking: Booking, now: datetime) -> None:
    if booking.status not in ACTIVE_STATUSES:
        raise OfficinaError(_("This booking is no longer active."), ErrorCode.CONFLICT)
    if booking.ends_at <= now:
        raise OfficinaError(_("This booking is over."), ErrorCode.CONFLICT)


def check_move(
    actor: Member,
    booking: Booking,
    *,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime | None = None,
) -> Booking:
    """Move a booking that has not begun to other times of the same resource; a request
    moved by its member waits for approval again."""
    now = now or timezone.now()
    resource = booking.resource
    if booking.member_id != actor.pk and not is_space_manager(actor, resource.space):
        raise OfficinaError(_("Booking not found."), ErrorCode.NOT_FOUND)
    _check_still_changeable(booking, now)
    if booking.starts_at <= now:
        raise OfficinaError(_("This booking has already begun."), ErrorCode.CONFLICT)
    _check_times(resource, starts_at, ends_at, now)
    moved = Booking.objects.get(pk=booking.pk)
    moved.starts_at, moved.ends_at = starts_at, ends_at
    moved.blocked_until = ends_at + timedelta(minutes=resource.buffer_minutes)
    if resource.approval_required and not is_space_manager(actor, resource.space):
        moved.status = BookingStatus.PENDING
    _hold(resource, moved, ignoring=booking)
    return moved


def check_cancel(actor: Member, booking: Booking, *, now: datetime | None = None) -> Booking:
    """Cancel a booking not yet over; the resource is free again at once."""
    now = now or timezone.now()
    if booking.member_id != actor.pk and not is_space_manager(actor, booking.resource.space):
        raise OfficinaError(_("Booking not found."), ErrorCode.NOT_FOUND)
    _check_still_changeable(booking, now)
    booking.status = BookingStatus.CANCELLED
    booking.save(update_fields=["status", "updated_at"])
    return booking


def check_answer_request(manager: Member, booking: Booking, *, approve: bool) -> Booking:
    """A manager of the space confirms or declines a booking waiting for approval."""
    if not is_space_manager(manager, booking.resource.space):
        raise OfficinaError(_("Booking not found."), ErrorCode.NOT_FOUND)
    if booking.status != BookingStatus.PENDING:
        raise OfficinaError(_("This booking is not waiting for approval."), ErrorCode.CONFLICT)
    booking.status = BookingStatus.CONFIRMED if approve else BookingStatus.DECLINED
    booking.save(update_fields=["status", "updated_at"])
    return booking


# --- resources ---------------------------------------------------------------------------

RESOURCE_FIELDS = (
    "name",
    "kind",
    "description",
    "capacity",
    "amenities",
    "max_minutes",
    "max_days_ahead",
    "min_notice_minutes",
    "buffer_minutes",
    "approval_required",
    "price_per_hour",
    "credits_per_hour",
    "is_active",
)

WeeklyHours = dict[int, tuple[time, time]]


def _invalid_resource(error: ValidationError) -> OfficinaError:
    field, messages = next(iter(error.message_dict.items()))
    return OfficinaError.invalid_input(messages[0], field=field)


def _save_resource(resource: Resource, fields: dict[str, Any], hours: WeeklyHours) -> Resource:
    unknown = set(fields) - set(RESOURCE_FIELDS)
    if unknown:
        raise TypeError(f"not resource fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(resource, name, value)
    resource.name = resource.name.strip()
    if any(amenity not in Amenity.values for amenity in resource.amenities):
        raise OfficinaError.invalid_input(_("Unknown amenity."), field="amenities")
    for weekday, (opens, closes) in hours.items():
        if not 0 <= weekday <= 6:
            raise OfficinaError.invalid_input(_("Unknown weekday."), field="hours")
        if closes <= opens:
            raise OfficinaError.invalid_input(
                _("Opening hours must close after they open."), field="hours"
            )
    try:
        resource.full_clean(exclude=["space"])
    except ValidationError as error:
        raise _invalid_resource(error) from error
    with transaction.atomic():
        resource.save()
        resource.hours.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(resource=resource, weekday=weekday, opens=opens, closes=closes)
            for weekday, (opens, closes) in sorted(hours.items())
        )
    return resource


def check_create_resource(
    manager: Member,
    space: Space,
    *,
    hours: WeeklyHours,
    only_companies: list[Any] | None = None,
    **fields: Any,
) -> Resource:
    """A new resource in a space the member manages, with its weekly opening hours."""
    if not is_space_manager(manager, space):
        raise OfficinaError(_("Space not found."), ErrorCode.NOT_FOUND)
    with transaction.atomic():
        resource = _save_resource(Resource(space=space), fields, hours)
        resource.only_companies.set(only_companies or [])
    return resource


def check_update_resource(
    manager: Member,
    resource: Resource,
    *,
    hours: WeeklyHours,
    only_companies: list[Any] | None = None,
    **fields: Any,
) -> Resource:
    """Change a resource's description, rules and hours. Bookings already made stay as
    they are: the new rules apply to the bookings made or moved from now on."""
    if not is_space_manager(manager, resource.space):
        raise OfficinaError(_("Resource not found."), ErrorCode.NOT_FOUND)
    with transaction.atomic():
        _save_resource(resource, fields, hours)
        resource.only_companies.set(only_companies or [])
    return resource


# --- calendar feed -----------------------------------------------------------------------


def feed_token(member: Member) -> str:
    """The member's bookings calendar secret, made on first use."""
    return BookingFeedToken.secret_of(member)


def do_regenerate_feed_token(member: Member) -> str:
    """A new secret; the old bookings calendar address stops working at once."""
    return BookingFeedToken.regenerate(member)
