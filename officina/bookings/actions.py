"""Book, move and cancel; approve or decline requests; manage resources.

Every check runs before anything changes, and an error changes nothing. Overlaps are
checked again under a lock at the moment of writing, and on PostgreSQL the database
refuses them as well (an exclusion constraint, migration 0002).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from email.utils import parseaddr
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from officina.accounts.access import is_space_manager
from officina.accounts.actions import do_lock_member
from officina.accounts.selectors import account_by_email
from officina.core.calendar_feeds import new_secret
from officina.core.errors import ErrorCode, OfficinaError

from .access import bookable_resources, may_book
from .kinds import ACTIVE_STATUSES, Amenity, BookingStatus, ResourceKind
from .local_times import instant_on, local_to_instant
from .models import (
    Booking,
    BookingFeedToken,
    BookingGuest,
    BookingSeries,
    DeskRelease,
    FreeAgainWatch,
    OpeningHours,
    Resource,
    ResourcePhoto,
    SlotSearchWatch,
)
from .photos import MAX_PHOTOS, process_photo
from .recurrence import series_days
from .selectors import (
    Period,
    Slot,
    SlotRequest,
    active_bookings,
    claimed_on,
    desk_to_claim,
    find_slots,
    first_clash,
    local_day,
    opening_window,
    resource_rows,
)

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

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
        days, rest = divmod(resource.max_minutes, 24 * 60)
        raise OfficinaError.invalid_input(
            # A desk booked over several days: its limit in days, as it is asked for.
            ngettext(
                "%(resource)s can be booked for %(days)s day at most.",
                "%(resource)s can be booked for %(days)s days at most.",
                days,
            )
            % {"resource": resource.name, "days": days}
            if days and not rest
            else _("%(resource)s can be booked for %(minutes)s minutes at most.")
            % {"resource": resource.name, "minutes": resource.max_minutes},
            field="ends_at",
        )
    if starts_at > now + timedelta(days=resource.max_days_ahead):
        raise OfficinaError.invalid_input(
            _("%(resource)s can be booked at most %(days)s days ahead.")
            % {"resource": resource.name, "days": resource.max_days_ahead},
            field="starts_at",
        )
    zone = resource.space.zone
    first_day, last_day = starts_at.astimezone(zone).date(), ends_at.astimezone(zone).date()
    if last_day > first_day and resource.kind == ResourceKind.DESK:
        _check_desk_days(resource, starts_at, ends_at, first_day, last_day)
        return
    window = opening_window(resource, first_day)
    if window is None:
        raise OfficinaError.invalid_input(
            _("%(resource)s is closed that day.") % {"resource": resource.name},
            field="starts_at",
        )
    if starts_at < window.starts_at or ends_at > window.ends_at:
        raise _outside_hours(resource, window)


def _outside_hours(resource: Resource, window: Period, field: str = "starts_at") -> OfficinaError:
    return OfficinaError.invalid_input(
        _("%(resource)s can be booked that day from %(opens)s to %(closes)s.")
        % {
            "resource": resource.name,
            "opens": _local_clock(window.starts_at, resource),
            "closes": _local_clock(window.ends_at, resource),
        },
        field=field,
    )


def _check_desk_days(
    resource: Resource, starts_at: datetime, ends_at: datetime, first_day: date, last_day: date
) -> None:
    """A desk booked over several days (Monday 9:00 to Wednesday 18:00): open on each of
    them, from within the first day's hours to within the last day's. It is claimed, or
    released, day by day (``check_claim_desk``, ``do_release_unclaimed_desks``)."""
    windows: list[Period] = []
    for offset in range((last_day - first_day).days + 1):
        day = first_day + timedelta(days=offset)
        window = opening_window(resource, day)
        if window is None:
            raise OfficinaError.invalid_input(
                _("%(resource)s is closed on %(day)s.")
                % {"resource": resource.name, "day": formats.date_format(day)},
                field="ends_at" if offset else "starts_at",
            )
        windows.append(window)
    first, last = windows[0], windows[-1]
    if starts_at < first.starts_at:
        raise _outside_hours(resource, first)
    if ends_at > last.ends_at:
        raise _outside_hours(resource, last, "ends_at")


def _clean_title(title: str) -> str:
    title = title.strip()
    if len(title) > TITLE_MAX_LENGTH:
        raise OfficinaError.invalid_input(
            _("The title is too long (%(max)s characters at most).") % {"max": TITLE_MAX_LENGTH},
            field="title",
        )
    return title


def _taken_error(
    resource: Resource, clash: Booking | None = None, *, name_days: bool = False
) -> OfficinaError:
    """The refusal of a time ``clash`` holds; ``name_days`` (a booking over several days)
    says on which day, as the clock times alone would not tell."""
    if clash is None:
        return OfficinaError(
            _("%(resource)s is already booked at that time.") % {"resource": resource.name},
            ErrorCode.CONFLICT,
        )
    zone = resource.space.zone
    first, last = clash.starts_at.astimezone(zone).date(), clash.ends_at.astimezone(zone).date()
    values = {
        "resource": resource.name,
        "start": _local_clock(clash.starts_at, resource),
        "end": _local_clock(clash.ends_at, resource),
        "buffer": resource.buffer_minutes,
        "first": formats.date_format(first, "DATE_FORMAT"),
        "last": formats.date_format(last, "DATE_FORMAT"),
    }
    if name_days or last > first:
        message = (
            _("%(resource)s is already booked on %(first)s, from %(start)s to %(end)s.")
            if last == first
            else _(
                "%(resource)s is already booked from %(start)s on %(first)s to %(end)s on %(last)s."
            )
        ) % values
        if resource.buffer_minutes:
            message += " " + _("%(buffer)s minutes are kept free after each booking.") % values
    elif resource.buffer_minutes:
        message = (
            _(
                "%(resource)s is already booked from %(start)s to %(end)s "
                "(with %(buffer)s minutes kept free after each booking)."
            )
            % values
        )
    else:
        message = _("%(resource)s is already booked from %(start)s to %(end)s.") % values
    return OfficinaError(message, ErrorCode.CONFLICT)


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
            zone = resource.space.zone
            several_days = booking.starts_at.astimezone(zone).date() != (
                booking.ends_at.astimezone(zone).date()
            )
            raise _taken_error(resource, clash, name_days=several_days)
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
    with transaction.atomic():
        _hold(resource, moved, ignoring=booking)
        _tell_guests(moved, method="REQUEST")
    return moved


def check_cancel(actor: Member, booking: Booking, *, now: datetime | None = None) -> Booking:
    """Cancel a booking not yet over; the resource is free again at once."""
    now = now or timezone.now()
    if booking.member_id != actor.pk and not is_space_manager(actor, booking.resource.space):
        raise OfficinaError(_("Booking not found."), ErrorCode.NOT_FOUND)
    _check_still_changeable(booking, now)
    with transaction.atomic():
        booking.status = BookingStatus.CANCELLED
        booking.save(update_fields=["status", "updated_at"])
        _tell_guests(booking, method="CANCEL")
    return booking


def check_answer_request(manager: Member, booking: Booking, *, approve: bool) -> Booking:
    """A manager of the space confirms or declines a booking waiting for approval."""
    if not is_space_manager(manager, booking.resource.space):
        raise OfficinaError(_("Booking not found."), ErrorCode.NOT_FOUND)
    if booking.status != BookingStatus.PENDING:
        raise OfficinaError(_("This booking is not waiting for approval."), ErrorCode.CONFLICT)
    with transaction.atomic():
        booking.status = BookingStatus.CONFIRMED if approve else BookingStatus.DECLINED
        booking.save(update_fields=["status", "updated_at"])
        _tell_guests(booking, method="REQUEST" if approve else "CANCEL")
    return booking


# --- guests ----------------------------------------------------------------------------

GUEST_NAME_MAX_LENGTH = 120


def _tell_guests(booking: Booking, *, method: str, freed_day: date | None = None) -> None:
    """Once committed, send the booking's guests its new state, one SEQUENCE up;
    ``freed_day``: the booking is shorter because that day of it was freed, which the
    mail says rather than that it moved."""
    from .tasks import mail_booking_invitations

    if not BookingGuest.objects.filter(booking_id=booking.pk).exists():
        return
    bookings = Booking.objects.filter(pk=booking.pk)
    bookings.update(invitation_sequence=models.F("invitation_sequence") + 1)
    # Each mail carries the SEQUENCE of its change, whenever the worker sends it.
    booking_id, sequence = booking.pk, bookings.values_list("invitation_sequence", flat=True)[0]
    freed = freed_day.isoformat() if freed_day is not None else None
    transaction.on_commit(
        lambda: mail_booking_invitations.enqueue(booking_id, None, method, sequence, freed)
    )


def _invite_guests_of(booking: Booking, later: Booking) -> None:
    """Invite ``booking``'s guests to ``later``, the days after it split off: a booking
    of its own for their calendars, so each is sent a first request for it once this
    commits."""
    from .tasks import mail_booking_invitations

    guests = BookingGuest.objects.bulk_create(
        BookingGuest(booking=later, member_id=guest.member_id, email=guest.email, name=guest.name)
        for guest in BookingGuest.objects.filter(booking_id=booking.pk).order_by("id")
    )
    if not guests:
        return
    # bulk_create returns the ids on SQLite and PostgreSQL alike.
    ids, booking_id, sequence = [guest.pk for guest in guests], later.pk, later.invitation_sequence
    transaction.on_commit(
        lambda: mail_booking_invitations.enqueue(booking_id, ids, "REQUEST", sequence)
    )


def check_remove_guest(
    actor: Member, booking: Booking, guest_id: int, *, now: datetime | None = None
) -> BookingGuest:
    """Take a guest off a booking not yet over (its member or the space's managers, as
    for inviting); once this commits, the guest is mailed a cancellation, one SEQUENCE
    up. A guest of another booking is "not found". The guest taken off (no longer
    stored)."""
    from .tasks import mail_guest_removal

    now = now or timezone.now()
    if booking.member_id != actor.pk and not is_space_manager(actor, booking.resource.space):
        raise OfficinaError(_("Booking not found."), ErrorCode.NOT_FOUND)
    _check_still_changeable(booking, now)
    with transaction.atomic():
        Booking.objects.select_for_update().filter(pk=booking.pk).first()
        guest = BookingGuest.objects.filter(booking=booking, pk=guest_id).first()
        if guest is None:
            raise OfficinaError(_("Guest not found."), ErrorCode.NOT_FOUND)
        guest.delete()
        bookings = Booking.objects.filter(pk=booking.pk)
        bookings.update(invitation_sequence=models.F("invitation_sequence") + 1)
        sequence = bookings.values_list("invitation_sequence", flat=True)[0]
        booking_id, email, name, member_id = booking.pk, guest.email, guest.name, guest.member_id
        transaction.on_commit(
            lambda: mail_guest_removal.enqueue(booking_id, email, name, member_id, sequence)
        )
    return guest


def _parsed_guest(line: str) -> tuple[str, str]:
    """ "Anna Bianchi <anna@example.com>" or "anna@example.com": the name and address."""
    name, address = parseaddr(line.strip())
    address = address.strip().lower()
    try:
        validate_email(address)
    except ValidationError as error:
        raise OfficinaError.invalid_input(
            _("%(line)s is not an e-mail address.") % {"line": line.strip()}, field="guests"
        ) from error
    if len(name) > GUEST_NAME_MAX_LENGTH:
        raise OfficinaError.invalid_input(_("A guest's name is too long."), field="guests")
    return name.strip(), address


def check_invite_guests(
    actor: Member, booking: Booking, guests: Iterable[str], *, now: datetime | None = None
) -> list[BookingGuest]:
    """Invite people by e-mail to a booking not yet over: members of the community and
    outside guests ("Name <address>" or an address). Each new guest is mailed an .ics
    request once this commits; an address invited already is left as it is. A room
    seats its capacity: the member and their guests."""
    now = now or timezone.now()
    if booking.member_id != actor.pk and not is_space_manager(actor, booking.resource.space):
        raise OfficinaError(_("Booking not found."), ErrorCode.NOT_FOUND)
    _check_still_changeable(booking, now)
    wanted: dict[str, str] = {}
    for line in guests:
        if line.strip():
            name, address = _parsed_guest(line)
            wanted.setdefault(address, name)
    if not wanted:
        raise OfficinaError.invalid_input(_("Give at least one e-mail address."), field="guests")
    with transaction.atomic():
        Booking.objects.select_for_update().filter(pk=booking.pk).first()
        invited = set(booking.guests.values_list("email", flat=True))
        new = {address: name for address, name in wanted.items() if address not in invited}
        seats = booking.resource.capacity
        if 1 + len(invited) + len(new) > seats:
            raise OfficinaError.invalid_input(
                _("%(resource)s seats %(seats)s: invite at most %(most)s guests.")
                % {"resource": booking.resource.name, "seats": seats, "most": seats - 1},
                field="guests",
            )
        made = []
        for address, name in new.items():
            account = account_by_email(address)
            made.append(
                BookingGuest.objects.create(
                    booking=booking,
                    member=account,
                    email=address,
                    name=name or (account.display_name if account else ""),
                )
            )
        if made:
            from .tasks import mail_booking_invitations

            ids, booking_id = [guest.pk for guest in made], booking.pk
            sequence = Booking.objects.filter(pk=booking_id).values_list(
                "invitation_sequence", flat=True
            )[0]
            transaction.on_commit(
                lambda: mail_booking_invitations.enqueue(booking_id, ids, "REQUEST", sequence)
            )
    return made


# --- series ----------------------------------------------------------------------------


def _date_problems_error(
    problems: list[tuple[date, str]], *, clashing: bool, moving: bool
) -> OfficinaError:
    """One error for a whole series: nothing was booked, and each failing date with why."""
    problems = sorted(problems)
    listed = "; ".join(
        f"{formats.date_format(day, 'DATE_FORMAT')}: {reason}" for day, reason in problems
    )
    message = (
        _("Nothing was moved. These dates cannot be: %(dates)s")
        if moving
        else _("Nothing was booked. These dates cannot be: %(dates)s")
    )
    return OfficinaError(
        message % {"dates": listed},
        ErrorCode.CONFLICT if clashing else ErrorCode.INVALID_INPUT,
        dates=[{"date": day.isoformat(), "reason": reason} for day, reason in problems],
    )


def _instants_on(
    resource: Resource, day: date, starts: time, ends: time, now: datetime
) -> tuple[datetime, datetime]:
    """``starts`` to ``ends`` on ``day`` where the resource is, if its rules allow it."""
    zone = resource.space.zone
    starts_at = local_to_instant(datetime.combine(day, starts), zone, field="starts_at")
    ends_at = local_to_instant(datetime.combine(day, ends), zone, field="ends_at")
    _check_times(resource, starts_at, ends_at, now)
    return starts_at, ends_at


def _check_clock_times(starts: time, ends: time) -> None:
    if ends <= starts:
        raise OfficinaError.invalid_input(_("A booking must end after it starts."), field="ends_at")


def _series_instants(
    resource: Resource, days: Iterable[date], starts: time, ends: time, now: datetime
) -> tuple[list[tuple[datetime, datetime]], list[tuple[date, str]]]:
    """Each day's instants where the resource is, and the days the rules refuse (a DST
    gap, the past, closed, outside the opening hours, too far ahead) with the reason."""
    _check_clock_times(starts, ends)
    fitting, problems = [], []
    for day in days:
        try:
            fitting.append(_instants_on(resource, day, starts, ends, now))
        except OfficinaError as error:
            problems.append((day, str(error.message)))
    return fitting, problems


def _hold_all(
    resource: Resource,
    bookings: list[Booking],
    problems: list[tuple[date, str]],
    *,
    ignoring: Iterable[int] = (),
    series: BookingSeries | None = None,
) -> None:
    """Write every booking (and the ``series`` they belong to), or none: like ``_hold``
    for many dates under one lock, with every clash listed beside the ``problems`` the
    rules found already."""
    zone = resource.space.zone
    ignored = set(ignoring)
    with transaction.atomic():
        Resource.objects.select_for_update().filter(pk=resource.pk).first()
        clashes = list(problems)
        if bookings:
            span = Period(
                min(b.starts_at for b in bookings), max(b.blocked_until for b in bookings)
            )
            taken = [b for b in active_bookings([resource.pk], span) if b.pk not in ignored]
            for booking in bookings:
                clash = next(
                    (
                        other
                        for other in [*taken, *(b for b in bookings if b is not booking)]
                        if other.starts_at < booking.blocked_until
                        and booking.starts_at < other.blocked_until
                    ),
                    None,
                )
                if clash is not None:
                    day = booking.starts_at.astimezone(zone).date()
                    clashes.append((day, str(_taken_error(resource, clash).message)))
        if clashes:
            raise _date_problems_error(
                # Only a move ignores bookings: the very dates it moves.
                clashes,
                clashing=len(clashes) > len(problems),
                moving=bool(ignored),
            )
        try:
            with transaction.atomic():
                if series is not None:
                    series.save()
                for booking in bookings:
                    booking.save()
        except IntegrityError as error:
            raise _taken_error(resource) from error


def check_book_series(
    member: Member,
    resource: Resource,
    *,
    frequency: str,
    first_day: date,
    last_day: date,
    starts: time,
    ends: time,
    interval: int = 1,
    skipped: Iterable[date] = (),
    title: str = "",
    now: datetime | None = None,
) -> BookingSeries:
    """Book ``resource`` on every date of a weekly or monthly series, or on none: a date
    the rules refuse or another booking holds refuses the whole series, listing them."""
    now = now or timezone.now()
    if not resource.is_active or not may_book(member, resource):
        raise OfficinaError(_("Resource not found."), ErrorCode.NOT_FOUND)
    title = _clean_title(title)
    skipped = sorted(set(skipped))
    days = series_days(
        frequency, first_day=first_day, last_day=last_day, interval=interval, skipped=skipped
    )
    fitting, problems = _series_instants(resource, days, starts, ends, now)
    needs_approval = resource.approval_required and not is_space_manager(member, resource.space)
    buffer = timedelta(minutes=resource.buffer_minutes)
    series = BookingSeries(
        resource=resource,
        member=member,
        title=title,
        frequency=frequency,
        interval=interval,
        first_day=first_day,
        last_day=last_day,
        starts=starts,
        ends=ends,
        skipped=[day.isoformat() for day in skipped],
    )
    bookings = [
        Booking(
            resource=resource,
            member=member,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            blocked_until=ends_at + buffer,
            status=BookingStatus.PENDING if needs_approval else BookingStatus.CONFIRMED,
            series=series,
        )
        for starts_at, ends_at in fitting
    ]
    _hold_all(resource, bookings, problems, series=series)
    return series


def _check_series_actor(actor: Member, series: BookingSeries) -> None:
    if series.member_id != actor.pk and not is_space_manager(actor, series.resource.space):
        raise OfficinaError(_("Booking not found."), ErrorCode.NOT_FOUND)


def _occurrences_from(series: BookingSeries, from_day: date, now: datetime) -> list[Booking]:
    """The series' active dates from the local ``from_day`` on that have not begun."""
    zone = series.resource.space.zone
    return [
        booking
        for booking in series.occurrences.filter(
            status__in=ACTIVE_STATUSES, starts_at__gt=now
        ).order_by("starts_at", "id")
        if booking.starts_at.astimezone(zone).date() >= from_day
    ]


def _nothing_from(from_day: date) -> OfficinaError:
    return OfficinaError(
        _("The series has no date left to change from %(day)s on.")
        % {"day": formats.date_format(from_day, "DATE_FORMAT")},
        ErrorCode.CONFLICT,
    )


def check_cancel_series(
    actor: Member, series: BookingSeries, *, from_day: date, now: datetime | None = None
) -> int:
    """Cancel the series' dates from ``from_day`` on (not those already begun); how many."""
    now = now or timezone.now()
    _check_series_actor(actor, series)
    cancelled = _occurrences_from(series, from_day, now)
    if not cancelled:
        raise _nothing_from(from_day)
    with transaction.atomic():
        Booking.objects.filter(pk__in=[b.pk for b in cancelled]).update(
            status=BookingStatus.CANCELLED, updated_at=now
        )
        for booking in cancelled:
            _tell_guests(booking, method="CANCEL")
    return len(cancelled)


def check_move_series(
    actor: Member,
    series: BookingSeries,
    *,
    from_day: date,
    starts: time,
    ends: time,
    now: datetime | None = None,
) -> list[Booking]:
    """Move the series' dates from ``from_day`` on to other clock times of their days,
    all or none, as ``check_book_series`` books them."""
    now = now or timezone.now()
    _check_series_actor(actor, series)
    resource = series.resource
    moving = _occurrences_from(series, from_day, now)
    if not moving:
        raise _nothing_from(from_day)
    _check_clock_times(starts, ends)
    zone = resource.space.zone
    pending = resource.approval_required and not is_space_manager(actor, resource.space)
    buffer = timedelta(minutes=resource.buffer_minutes)
    moved, problems = [], []
    for booking in moving:
        day = booking.starts_at.astimezone(zone).date()
        try:
            booking.starts_at, booking.ends_at = _instants_on(resource, day, starts, ends, now)
        except OfficinaError as error:
            problems.append((day, str(error.message)))
            continue
        booking.blocked_until = booking.ends_at + buffer
        if pending:
            booking.status = BookingStatus.PENDING
        moved.append(booking)
    with transaction.atomic():
        _hold_all(resource, moved, problems, ignoring=[b.pk for b in moving])
        series.starts, series.ends = starts, ends
        series.save(update_fields=["starts", "ends"])
        for booking in moved:
            _tell_guests(booking, method="REQUEST")
    return moved


# --- reminders and free-again notices ---------------------------------------------------

# A member waits for at most this many times at once: each is checked every few minutes.
MOST_WATCHES = 20


def _resource_url(resource: Resource, moment: datetime) -> str:
    day = moment.astimezone(resource.space.zone).date()
    return f"{reverse('bookings:resource', args=[resource.pk])}?date={day.isoformat()}"


def _times(resource: Resource, starts_at: datetime, ends_at: datetime) -> dict[str, Any]:
    zone = resource.space.zone
    return {
        "resource": resource.name,
        "space": resource.space.name,
        "start": starts_at.astimezone(zone),
        "end": ends_at.astimezone(zone),
    }


def do_send_booking_reminders(now: datetime | None = None) -> int:
    """Tell each member of a confirmed booking starting within the reminder lead time
    (``settings.BOOKING_REMINDER_MINUTES``), once; how many were told."""
    from officina.notifications.actions import Notice, do_notify_many

    now = now or timezone.now()
    lead = timedelta(minutes=settings.BOOKING_REMINDER_MINUTES)
    with transaction.atomic():
        due = list(
            Booking.objects.select_for_update()
            .filter(
                status=BookingStatus.CONFIRMED,
                reminded_at__isnull=True,
                starts_at__gt=now,
                starts_at__lte=now + lead,
            )
            .select_related("resource__space", "member")
        )
        if not due:
            return 0
        Booking.objects.filter(pk__in=[booking.pk for booking in due]).update(reminded_at=now)
        do_notify_many(
            [
                Notice(
                    booking.member,
                    "bookings.reminder",
                    gettext_noop("Soon: %(resource)s at %(space)s, from %(start)s to %(end)s."),
                    url=_resource_url(booking.resource, booking.starts_at),
                    params=_times(booking.resource, booking.starts_at, booking.ends_at),
                )
                for booking in due
            ]
        )
    return len(due)


def check_watch_free_again(
    member: Member,
    resource: Resource,
    *,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime | None = None,
) -> FreeAgainWatch:
    """Ask to be told when a time someone else holds becomes free again."""
    now = now or timezone.now()
    if not resource.is_active or not may_book(member, resource):
        raise OfficinaError(_("Resource not found."), ErrorCode.NOT_FOUND)
    if ends_at <= starts_at:
        raise OfficinaError.invalid_input(_("A booking must end after it starts."), field="ends_at")
    if starts_at <= now:
        raise OfficinaError.invalid_input(_("That time has already passed."), field="starts_at")
    blocked_until = ends_at + timedelta(minutes=resource.buffer_minutes)
    if first_clash(resource, starts_at, blocked_until) is None:
        raise OfficinaError(_("That time is free: book it."), ErrorCode.CONFLICT)
    waiting = FreeAgainWatch.objects.filter(member=member, starts_at__gt=now)
    if waiting.count() >= MOST_WATCHES:
        raise OfficinaError(
            _("You are already waiting for %(most)s times; that is the most.")
            % {"most": MOST_WATCHES},
            ErrorCode.CONFLICT,
        )
    watch, _created = FreeAgainWatch.objects.get_or_create(
        member=member, resource=resource, starts_at=starts_at, ends_at=ends_at
    )
    return watch


def do_tell_who_waits_for_free_times(now: datetime | None = None) -> int:
    """Tell each member waiting for a time that is now free, and forget their request;
    forget the requests whose time has begun. How many were told."""
    from officina.notifications.actions import Notice, do_notify_many

    now = now or timezone.now()
    FreeAgainWatch.objects.filter(starts_at__lte=now).delete()
    # Checked, forgotten and told in one transaction, the watches locked: two runs at
    # once never tell anyone twice.
    with transaction.atomic():
        told = []
        for watch in FreeAgainWatch.objects.select_for_update(of=("self",)).select_related(
            "resource__space", "member"
        ):
            blocked_until = watch.ends_at + timedelta(minutes=watch.resource.buffer_minutes)
            if first_clash(watch.resource, watch.starts_at, blocked_until) is None:
                told.append(watch)
        FreeAgainWatch.objects.filter(pk__in=[watch.pk for watch in told]).delete()
        do_notify_many(
            [
                Notice(
                    watch.member,
                    "bookings.free_again",
                    gettext_noop(
                        "%(resource)s at %(space)s is free again from %(start)s to %(end)s, "
                        "as you asked."
                    ),
                    url=_resource_url(watch.resource, watch.starts_at),
                    params=_times(watch.resource, watch.starts_at, watch.ends_at),
                )
                for watch in told
            ]
        )
    return len(told)


def _slots_for(member: Member, space: Space, request: SlotRequest, now: datetime) -> list[Slot]:
    """The slots that fit ``request`` among the resources the member may book."""
    resources = resource_rows(bookable_resources(member, space))
    return find_slots(resources, request, now=now)


def _search_day_over(space: Space, day: date, now: datetime) -> bool:
    return now >= instant_on(day + timedelta(days=1), time(0, 0), space.zone)


def check_watch_slot_search(
    member: Member, space: Space, request: SlotRequest, *, now: datetime | None = None
) -> SlotSearchWatch:
    """Ask to be told when a slot that fits a search that found nothing frees up. The
    caller passes a space the member belongs to (``access_space_by_slug``)."""
    now = now or timezone.now()
    if request.latest <= request.earliest:
        raise OfficinaError.invalid_input(_("The window must end after it starts."), field="latest")
    if instant_on(request.day, request.latest, space.zone) <= now:
        raise OfficinaError.invalid_input(_("That time has already passed."), field="day")
    if _slots_for(member, space, request, now):
        raise OfficinaError(_("A slot fits already: book it."), ErrorCode.CONFLICT)
    waiting = SlotSearchWatch.objects.filter(member=member, day__gte=now.date())
    if waiting.count() >= MOST_WATCHES:
        raise OfficinaError(
            _("You are already waiting for %(most)s searches; that is the most.")
            % {"most": MOST_WATCHES},
            ErrorCode.CONFLICT,
        )
    watch, _created = SlotSearchWatch.objects.get_or_create(
        member=member,
        space=space,
        day=request.day,
        earliest=request.earliest,
        latest=request.latest,
        minutes=request.minutes,
        people=request.people,
        amenities=sorted(request.amenities),
        kind=request.kind,
    )
    return watch


def do_tell_who_searched(now: datetime | None = None) -> int:
    """Tell each member whose search found nothing, once a slot that fits it is free, and
    forget their request; forget the requests whose day is over. How many were told."""
    from officina.notifications.actions import Notice, do_notify_many

    now = now or timezone.now()
    # Locked while searched, forgotten and told in one transaction: two runs at once
    # never tell anyone twice.
    with transaction.atomic():
        over, told = [], []
        for watch in SlotSearchWatch.objects.select_for_update(of=("self",)).select_related(
            "space", "member"
        ):
            if _search_day_over(watch.space, watch.day, now):
                over.append(watch.pk)
                continue
            request = SlotRequest(
                day=watch.day,
                earliest=watch.earliest,
                latest=watch.latest,
                minutes=watch.minutes,
                people=watch.people,
                amenities=tuple(watch.amenities),
                kind=watch.kind,
            )
            slots = _slots_for(watch.member, watch.space, request, now)
            if slots:
                told.append((watch, slots[0]))
        SlotSearchWatch.objects.filter(pk__in=over + [watch.pk for watch, _slot in told]).delete()
        resources = Resource.objects.select_related("space").in_bulk(
            [slot.resource.pk for _watch, slot in told]
        )
        do_notify_many(
            [
                Notice(
                    watch.member,
                    "bookings.free_again",
                    gettext_noop(
                        "%(resource)s at %(space)s is free from %(start)s to %(end)s: "
                        "a slot that fits your search, as you asked."
                    ),
                    url=_resource_url(resources[slot.resource.pk], slot.starts_at),
                    params=_times(resources[slot.resource.pk], slot.starts_at, slot.ends_at),
                )
                for watch, slot in told
            ]
        )
    return len(told)


# --- desks and presence -----------------------------------------------------------------


def check_claim_desk(member: Member, space: Space, *, now: datetime | None = None) -> Booking:
    """Take the desk the member booked in ``space`` for today: presence calls it when the
    member checks in there (or, checked in already, asks for their desk), so a claim
    always means the member is at the space. A claim holds for the day it is made on: a
    desk claimed today is not released today, and a desk booked over several days is
    claimed again on each of them."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = desk_to_claim(member, space, now=now)
        # Locked and read again: the release job must not give it away meanwhile.
        if (
            booking is None
            or Booking.objects.select_for_update()
            .filter(pk=booking.pk, status=BookingStatus.CONFIRMED)
            .values_list("pk", flat=True)
            .first()
            is None
        ):
            raise OfficinaError(_("You have no desk booked here for today."), ErrorCode.NOT_FOUND)
        booking.claimed_at = now
        booking.save(update_fields=["claimed_at", "updated_at"])
    return booking


def check_set_desk_release(manager: Member, space: Space, *, unclaimed_by: time | None) -> None:
    """Set the local time by which a desk booked for the day must be claimed, or none:
    then booked desks are kept all day."""
    if not is_space_manager(manager, space):
        raise OfficinaError(_("Space not found."), ErrorCode.NOT_FOUND)
    if unclaimed_by is None:
        DeskRelease.objects.filter(space=space).delete()
        return
    DeskRelease.objects.update_or_create(space=space, defaults={"unclaimed_by": unclaimed_by})


def _free_day(booking: Booking, day: Period, status: str, now: datetime) -> Booking | None:
    """Free ``booking``'s desk for one local ``day`` (``status``: released or cancelled),
    keeping the days before and after it booked. The part of that day becomes a booking
    of its own with ``status``; the days before stay on the booking; the days after stay
    on the booking too when the day was its first, else become a new booking, not
    claimed yet and not to be reminded of. The guests follow the days that remain: those
    of the booking stay on it and get its new times, a new booking of the days after gets
    the same guests with their own invitation, and a part that no longer exists keeps
    none (a booking left with only that day tells its guests it is off). The booking
    kept for the days after, if any."""
    starts_at, ends_at, blocked_until = booking.starts_at, booking.ends_at, booking.blocked_until

    def part(first: datetime, last: datetime, until: datetime, part_status: str) -> Booking:
        return Booking(
            resource=booking.resource,
            member=booking.member,
            title=booking.title,
            series=booking.series,
            starts_at=first,
            ends_at=last,
            blocked_until=until,
            status=part_status,
            reminded_at=now,
            invitation_sequence=booking.invitation_sequence,
        )

    freed_from, freed_until = max(starts_at, day.starts_at), min(ends_at, day.ends_at)
    freed_day = timezone.localtime(day.starts_at, booking.resource.space.zone).date()
    before, after = starts_at < day.starts_at, ends_at > day.ends_at
    if not before and not after:
        booking.status = status
        booking.save(update_fields=["status", "updated_at"])
        _tell_guests(booking, method="CANCEL")
        return None
    # The freed day is written first: it holds nothing, so PostgreSQL's exclusion
    # constraint, which checks each row, never sees the parts overlap.
    part(freed_from, freed_until, freed_until, status).save()
    if before:
        # The days before stay as they were, claimed or not.
        booking.ends_at = booking.blocked_until = day.starts_at
        booking.save(update_fields=["ends_at", "blocked_until", "updated_at"])
        _tell_guests(booking, method="REQUEST", freed_day=freed_day)
        if not after:
            return None
        later = part(day.ends_at, ends_at, blocked_until, booking.status)
        later.save()
        _invite_guests_of(booking, later)
        return later
    # The day was the booking's first: the booking keeps the days after it.
    booking.starts_at, booking.claimed_at, booking.reminded_at = day.ends_at, None, now
    booking.save(update_fields=["starts_at", "claimed_at", "reminded_at", "updated_at"])
    _tell_guests(booking, method="REQUEST", freed_day=freed_day)
    return booking


def check_cancel_day(
    actor: Member, booking: Booking, *, day: date, now: datetime | None = None
) -> Booking | None:
    """Cancel one local ``day`` of a desk booked over several days, keeping the others
    (``_free_day``); a day can be cancelled until it is over. Cancelling the only day
    left cancels the booking. The booking kept for the days after it, if any."""
    now = now or timezone.now()
    resource = booking.resource
    if booking.member_id != actor.pk and not is_space_manager(actor, resource.space):
        raise OfficinaError(_("Booking not found."), ErrorCode.NOT_FOUND)
    period = local_day(resource.space, instant_on(day, time(12, 0), resource.space.zone))
    with transaction.atomic():
        # Read again, locked: the release job may have split it meanwhile.
        Booking.objects.select_for_update().filter(pk=booking.pk).first()
        booking.refresh_from_db()
        _check_still_changeable(booking, now)
        if not (booking.starts_at < period.ends_at and period.starts_at < booking.ends_at):
            raise OfficinaError.invalid_input(
                _("This booking does not hold %(resource)s on %(day)s.")
                % {"resource": resource.name, "day": formats.date_format(day, "DATE_FORMAT")},
                field="day",
            )
        if period.ends_at <= now:
            raise OfficinaError.invalid_input(_("That day is over."), field="day")
        return _free_day(booking, period, BookingStatus.CANCELLED, now)


def do_release_unclaimed_desks(now: datetime | None = None) -> int:
    """Release every desk booked for today in a space with a release time that has
    passed, not claimed today by then, and tell each member. How many were released.

    Only bookings that began by the release time are due: a desk booked for the
    afternoon is claimed in the afternoon. A desk booked over several days is claimed,
    or released, day by day: releasing today's part keeps the following days booked
    (``_free_day``). A run after downtime catches up today's; yesterday's desks are
    over anyway."""
    from officina.notifications.actions import Notice, do_notify_many

    now = now or timezone.now()
    notices = []
    released = 0
    with transaction.atomic():
        for rule in DeskRelease.objects.select_related("space"):
            zone = rule.space.zone
            today = local_day(rule.space, now)
            deadline = instant_on(now.astimezone(zone).date(), rule.unclaimed_by, zone)
            if now < deadline:
                continue
            due = (
                Booking.objects.filter(
                    resource__space=rule.space,
                    resource__kind=ResourceKind.DESK,
                    status=BookingStatus.CONFIRMED,
                    starts_at__lte=deadline,
                    ends_at__gt=now,
                )
                .exclude(claimed_on(today))
                .select_related("resource__space", "member")
                .order_by("starts_at", "id")
            )
            # Their members first, then the bookings, read again: the order a check-in
            # that claims a desk takes them in. The other way round, the notices' rows
            # (whose foreign key to the member PostgreSQL checks at commit) waited for a
            # member checking in, who waited for the booking: a deadlock.
            for member in sorted({booking.member for booking in due}, key=attrgetter("pk")):
                do_lock_member(member)
            for booking in due.select_for_update(of=("self",)):
                later = _free_day(booking, today, BookingStatus.RELEASED, now)
                released += 1
                params: dict[str, Any] = {
                    "resource": booking.resource.name,
                    "space": booking.resource.space.name,
                    "deadline": deadline,
                }
                if later is None:
                    text = gettext_noop(
                        "Your desk %(resource)s at %(space)s was released: it was not "
                        "claimed by checking in by %(deadline)s."
                    )
                else:
                    text = gettext_noop(
                        "Your desk %(resource)s at %(space)s was released for today: it was "
                        "not claimed by checking in by %(deadline)s. It is still yours from "
                        "%(kept_from)s."
                    )
                    params["kept_from"] = later.starts_at.astimezone(zone)
                notices.append(
                    Notice(
                        booking.member,
                        "bookings.desk_released",
                        text,
                        url=_resource_url(booking.resource, deadline),
                        params=params,
                    )
                )
        do_notify_many(notices)
    return released


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


# --- photos ------------------------------------------------------------------------------


def _photo_not_found() -> OfficinaError:
    return OfficinaError(_("Photo not found."), ErrorCode.NOT_FOUND)


def _lock_resource(resource: Resource) -> None:
    # Two uploads at once must not both pass the count, nor two moves swap one photo twice.
    Resource.objects.select_for_update().filter(pk=resource.pk).first()


def check_add_resource_photo(
    manager: Member, resource: Resource, upload: UploadedFile, *, caption: str = ""
) -> ResourcePhoto:
    """Add a photo at the end of a resource's photos; without a caption, the resource's
    name describes it. Refused, with nothing stored, beyond ``MAX_PHOTOS`` or for a file
    that is not a JPEG, PNG or WebP image of at most 5 MB."""
    if not is_space_manager(manager, resource.space):
        raise OfficinaError(_("Resource not found."), ErrorCode.NOT_FOUND)
    image = process_photo(upload)
    with transaction.atomic():
        _lock_resource(resource)
        photos = list(resource.photos.all())
        if len(photos) >= MAX_PHOTOS:
            raise OfficinaError.invalid_input(
                _("A resource has at most %(count)d photos: remove one first.")
                % {"count": MAX_PHOTOS},
                field="photo",
            )
        photo = ResourcePhoto(
            resource=resource,
            caption=caption.strip() or resource.name,
            position=max((photo.position for photo in photos), default=-1) + 1,
        )
        photo.image.save(image.name or "photo.jpg", image, save=False)
        try:
            photo.save()
        except Exception:
            # No row, no file: a failed insert must not leave an orphan behind.
            photo.image.storage.delete(photo.image.name)
            raise
    return photo


def check_remove_resource_photo(manager: Member, resource: Resource, photo_id: int) -> None:
    """Take a photo off a resource (its file is deleted once that is committed)."""
    if not is_space_manager(manager, resource.space):
        raise OfficinaError(_("Resource not found."), ErrorCode.NOT_FOUND)
    with transaction.atomic():
        _lock_resource(resource)
        photo = resource.photos.filter(pk=photo_id).first()
        if photo is None:
            raise _photo_not_found()
        storage, name = photo.image.storage, photo.image.name
        photo.delete()
        transaction.on_commit(lambda: storage.delete(name))


def check_move_resource_photo(
    manager: Member, resource: Resource, photo_id: int, *, earlier: bool
) -> None:
    """Swap a photo with the one before it (``earlier``) or after it; at either end,
    nothing changes."""
    if not is_space_manager(manager, resource.space):
        raise OfficinaError(_("Resource not found."), ErrorCode.NOT_FOUND)
    with transaction.atomic():
        _lock_resource(resource)
        photos = list(resource.photos.all())
        index = next((i for i, photo in enumerate(photos) if photo.pk == photo_id), None)
        if index is None:
            raise _photo_not_found()
        other = index - 1 if earlier else index + 1
        if not 0 <= other < len(photos):
            return
        photos[index], photos[other] = photos[other], photos[index]
        for position, photo in enumerate(photos):
            photo.position = position
        ResourcePhoto.objects.bulk_update(photos, ["position"])


# --- calendar feed -----------------------------------------------------------------------


def feed_token(member: Member) -> str:
    """The member's bookings calendar secret, made on first use."""
    return BookingFeedToken.secret_of(member)


def do_regenerate_feed_token(member: Member) -> str:
    """A new secret; the old bookings calendar address stops working at once."""
    return BookingFeedToken.regenerate(member)


def do_regenerate_resource_feed_token(resource: Resource) -> str:
    """A new secret for the resource's calendar; the old address stops working at once.
    The caller checked that the member manages the resource's space."""
    resource.feed_token = new_secret()
    resource.save(update_fields=["feed_token"])
    return resource.feed_token
