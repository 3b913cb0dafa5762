"""Invitations to a booking's guests: an e-mail with an iCalendar request (RFC 5546).

Each guest gets their own mail, in their language when the community knows it (their
account's), with an .ics holding one event: UID ``booking-<id>@officina`` (the same as
the member's feed, so it stays one event in every calendar), ``METHOD:REQUEST`` when
invited or when the booking moves, ``METHOD:CANCEL`` when it is cancelled, declined or
released, and a ``SEQUENCE`` that counts the changes sent (``Booking.invitation_sequence``),
so a calendar replaces the old request with the new one. The task that mails is given
the sequence of its change, so a late worker still numbers each mail rightly. The guest is the only
attendee written: nobody learns the other guests' addresses.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import icalendar
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from officina.core.calendar_feeds import new_calendar

from .kinds import BookingStatus
from .models import Booking, BookingGuest

REQUEST, CANCEL = "REQUEST", "CANCEL"


def invitation_calendar(
    booking: Booking,
    guest: BookingGuest,
    *,
    method: str,
    sequence: int,
    now: datetime | None = None,
) -> bytes:
    """The .ics for one guest: the booking as an event, with them as its attendee."""
    now = now or timezone.now()
    resource, space = booking.resource, booking.resource.space
    calendar = new_calendar(product="Bookings", name=resource.name)
    calendar["method"] = icalendar.vText(method)  # a request or cancellation, not PUBLISH
    entry = icalendar.Event()
    entry.add("uid", f"booking-{booking.pk}@officina")
    entry.add("sequence", sequence)
    entry.add("dtstamp", now)
    entry.add("summary", booking.title or resource.name)
    entry.add("dtstart", booking.starts_at.astimezone(space.zone))
    entry.add("dtend", booking.ends_at.astimezone(space.zone))
    entry.add("location", ", ".join(p for p in (resource.name, space.name, space.address) if p))
    if method == CANCEL:
        entry.add("status", "CANCELLED")
    else:
        entry.add("status", "TENTATIVE" if booking.status == BookingStatus.PENDING else "CONFIRMED")
    organizer = icalendar.vCalAddress(f"mailto:{booking.member.email}")
    organizer.params["cn"] = icalendar.vText(booking.member.display_name)
    entry.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{guest.email}")
    if guest.name:
        attendee.params["cn"] = icalendar.vText(guest.name)
    attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = icalendar.vText("NEEDS-ACTION")
    entry.add("attendee", attendee)
    entry.add("url", f"{settings.SITE_URL}/bookings/resources/{resource.pk}/")
    calendar.add_component(entry)
    calendar.add_missing_timezones(
        first_date=booking.starts_at.date() - timedelta(days=1),
        last_date=booking.ends_at.date() + timedelta(days=1),
    )
    return bytes(calendar.to_ical())


def _language(guest: BookingGuest) -> str:
    known = guest.member.language if guest.member is not None else ""
    return known or settings.LANGUAGE_CODE


def _mail(
    booking: Booking,
    guest: BookingGuest,
    method: str,
    sequence: int,
    *,
    updated: bool,
    removed: bool = False,
    freed_day: date | None = None,
) -> EmailMessage:
    space = booking.resource.space
    with translation.override(_language(guest)), timezone.override(space.zone):
        values = {
            "name": booking.member.display_name,
            "what": booking.title or booking.resource.name,
            "resource": booking.resource.name,
            "space": space.name,
            "day": formats.date_format(timezone.localtime(booking.starts_at), "DATE_FORMAT"),
            "start": formats.time_format(timezone.localtime(booking.starts_at), "H:i"),
            "end": formats.time_format(timezone.localtime(booking.ends_at), "H:i"),
        }
        last_day = timezone.localtime(booking.ends_at).date()
        if last_day != timezone.localtime(booking.starts_at).date():
            # A desk over several days: the end says on which day.
            values["end"] = f"{formats.date_format(last_day, 'DATE_FORMAT')} {values['end']}"
        if removed:
            subject = _("No longer invited: %(what)s, %(day)s") % values
            body = (
                _(
                    "Hello,\n\n%(name)s took you off the guests of the booking of %(resource)s "
                    "at %(space)s on %(day)s from %(start)s to %(end)s. The attached "
                    "cancellation takes it off your calendar.\n"
                )
                % values
            )
        elif method == CANCEL:
            subject = _("Cancelled: %(what)s, %(day)s") % values
            body = (
                _(
                    "Hello,\n\n%(name)s's booking of %(resource)s at %(space)s on %(day)s from "
                    "%(start)s to %(end)s, to which you were invited, is cancelled.\n"
                )
                % values
            )
        elif updated and freed_day is not None:
            values["freed"] = formats.date_format(freed_day, "DATE_FORMAT")
            subject = _("Shortened: %(what)s, now %(day)s %(start)s") % values
            body = (
                _(
                    "Hello,\n\n%(name)s freed %(freed)s from the booking you are invited to: "
                    "%(resource)s at %(space)s, now on %(day)s from %(start)s to %(end)s. The "
                    "attached invitation updates your calendar.\n"
                )
                % values
            )
        elif updated:
            subject = _("Moved: %(what)s, %(day)s %(start)s") % values
            body = (
                _(
                    "Hello,\n\n%(name)s moved the booking you are invited to: %(resource)s at "
                    "%(space)s, now on %(day)s from %(start)s to %(end)s. The attached invitation "
                    "updates your calendar.\n"
                )
                % values
            )
        else:
            subject = _("Invitation: %(what)s, %(day)s %(start)s") % values
            body = (
                _(
                    "Hello,\n\n%(name)s invites you to %(resource)s at %(space)s on %(day)s from "
                    "%(start)s to %(end)s. Add the attached invitation to your calendar.\n"
                )
                % values
            )
    mail = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [guest.email])
    mail.attach(
        "invitation.ics",
        invitation_calendar(booking, guest, method=method, sequence=sequence).decode(),
        f"text/calendar; method={method}; charset=utf-8",
    )
    return mail


def send_invitations(
    booking_id: int,
    guest_ids: list[int] | None,
    method: str,
    sequence: int,
    *,
    freed_day: date | None = None,
) -> int:
    """Mail the booking's guests (those of ``guest_ids``, or all) its current state as
    change number ``sequence``; how many mails went out. ``guest_ids`` names new guests:
    their first request; ``freed_day``, a day of the booking that was freed (the mail
    says it is shorter, not moved)."""
    booking = (
        Booking.objects.filter(pk=booking_id).select_related("resource__space", "member").first()
    )
    if booking is None:
        return 0
    guests = booking.guests.select_related("member")
    if guest_ids is not None:
        guests = guests.filter(pk__in=guest_ids)
    mails = [
        _mail(booking, guest, method, sequence, updated=guest_ids is None, freed_day=freed_day)
        for guest in guests
    ]
    if mails:
        get_connection().send_messages(mails)
    return len(mails)


def send_removal(
    booking_id: int, email: str, name: str, member_id: int | None, sequence: int
) -> int:
    """Mail a guest taken off a booking a ``METHOD:CANCEL`` for it as change number
    ``sequence``. Their row is gone by then, so the task carries what the mail needs."""
    booking = (
        Booking.objects.filter(pk=booking_id).select_related("resource__space", "member").first()
    )
    if booking is None:
        return 0
    guest = BookingGuest(booking=booking, email=email, name=name, member_id=member_id)
    get_connection().send_messages(
        [_mail(booking, guest, CANCEL, sequence, updated=True, removed=True)]
    )
    return 1
