"""Booking pages: my bookings (a list, a day or a week), a space's day or week, a
resource's day or week, finding a slot, booking, moving, cancelling; managers'
resources and requests; the iCal feed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from officina.accounts.access import access_space_by_slug, is_space_manager
from officina.accounts.selectors import all_spaces, member_space_ids
from officina.accounts.signed_in import signed_in_member
from officina.conferences.actions import (
    check_remove_meeting_room_line,
    check_save_meeting_room_line,
)
from officina.conferences.forms import RoomForm
from officina.conferences.selectors import meeting_room_lines
from officina.core.errors import ErrorCode, OfficinaError
from officina.core.form_errors import show_error_on_form

from . import actions, selectors
from .access import (
    access_booking_by_id,
    access_resource_by_id,
    access_resource_photo_by_id,
    access_resource_to_manage,
    access_series_by_id,
    bookable_resources,
    may_book,
    space_resources,
)
from .forms import (
    REPEATS,
    BookingForm,
    DayForm,
    DeskReleaseForm,
    FindSlotForm,
    GuestsForm,
    MoveForm,
    ResourceForm,
    ResourcePhotoForm,
    SeriesCancelForm,
    SeriesMoveForm,
)
from .ical import booker_summary, bookings_calendar, resource_feed_address
from .kinds import BookingStatus, ResourceKind
from .local_times import EARLIEST_DAY, LATEST_DAY, local_to_instant
from .models import Resource
from .photos import MAX_PHOTOS

if TYPE_CHECKING:
    from django import forms

    from officina.accounts.models import Member, Space


def _day_asked(request: HttpRequest, zone: ZoneInfo) -> date:
    """The ``date`` of the address, or today where the space is."""
    try:
        asked = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        asked = None
    if asked is None or not EARLIEST_DAY <= asked <= LATEST_DAY:
        return timezone.localtime(timezone.now(), zone).date()
    return asked


def _days_shown(day: date, *, week: bool) -> list[date]:
    """``day`` alone, or the seven days of its week, Monday first."""
    if not week:
        return [day]
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=offset) for offset in range(7)]


def _calendar_context(day: date, *, week: bool) -> tuple[list[date], dict[str, object]]:
    """The days shown (``day`` or its week) and what their navigation needs: the day
    asked and the day (or the week) before and after."""
    shown = _days_shown(day, week=week)
    step = timedelta(days=7 if week else 1)
    return shown, {
        "day": day,
        "week": week,
        "shown": shown,
        "previous_day": day - step,
        "next_day": day + step,
    }


def _instants(
    form: forms.Form, zone: ZoneInfo, last_day: date | None = None
) -> tuple[datetime, datetime]:
    """The form's day (to ``last_day``, for a desk over several days) and clock times as
    instants where the resource is."""
    day = form.cleaned_data["day"]
    return (
        local_to_instant(datetime.combine(day, form.cleaned_data["starts"]), zone, field="starts"),
        local_to_instant(
            datetime.combine(last_day or day, form.cleaned_data["ends"]), zone, field="ends"
        ),
    )


def _on_booking_form(error: OfficinaError, *, several_days: bool = False) -> OfficinaError:
    """Actions name the instants (starts_at, ends_at); the forms ask for clock times. Over
    several days, what the end breaks (a closed day, too many days, a day taken) is the
    last day's."""
    fields = {"starts_at": "starts", "ends_at": "last_day" if several_days else "ends"}
    field = fields.get(str(error.details.get("field")))
    if field is None and several_days and error.code == ErrorCode.CONFLICT:
        field = "last_day"
    if field is not None:
        return OfficinaError(error.message, error.code, **{**error.details, "field": field})
    return error


@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    member = signed_in_member(request)
    view = request.GET.get("view")
    if view in ("day", "week"):
        return _my_calendar(request, member, week=view == "week")
    mine = member_space_ids(member)
    token = actions.feed_token(member)
    bookings = list(selectors.member_bookings(member))
    lines = meeting_room_lines({booking.resource_id for booking in bookings})
    context = {
        # Each booking with its meeting room's conference line, if it has one, and the
        # days that can be cancelled alone (a desk over several days).
        "bookings": [
            (booking, lines.get(booking.resource_id), selectors.days_left(booking))
            for booking in bookings
        ],
        "spaces": [space for space in all_spaces() if space.pk in mine],
        "feed_url": request.build_absolute_uri(reverse("bookings:feed", args=[token])),
    }
    return render(request, "bookings/mine.html", context)


def _my_calendar(request: HttpRequest, member: Member, *, week: bool) -> HttpResponse:
    """The member's bookings, and those they are a guest of, on a day or a week; each
    in its space's zone (the day asked is read in the reader's zone)."""
    shown, context = _calendar_context(
        _day_asked(request, timezone.get_current_timezone()), week=week
    )
    context["days"] = list(zip(shown, selectors.member_calendar(member, shown), strict=True))
    return render(request, "bookings/my_calendar.html", context)


def _space_for_bookings(member: Member, slug: str) -> Space:
    return access_space_by_slug(member, slug, as_member=True)


@login_required
def space_day(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    space = _space_for_bookings(member, slug)
    day = _day_asked(request, space.zone)
    week = request.GET.get("view") == "week"
    resources = selectors.resource_rows(space_resources(member, space))
    shown, calendar = _calendar_context(day, week=week)
    context = {
        **calendar,
        "space": space,
        "is_manager": is_space_manager(member, space),
    }
    if week:
        # A week lists, compactly, the resources booked each day, not their free times.
        context["days"] = [
            (shown_day, [resource_day for resource_day in on_day if resource_day.bookings])
            for shown_day, on_day in zip(
                shown, selectors.days_of_resources(resources, shown), strict=True
            )
        ]
        return render(request, "bookings/space_week.html", context)
    # Only the day shows each resource's first photo.
    thumbnails = selectors.first_photos(row.pk for row in resources)
    context["days"] = [
        (resource_day, thumbnails.get(resource_day.resource.pk))
        for resource_day in selectors.day_of_resources(resources, day)
    ]
    return render(request, "bookings/space_day.html", context)


@login_required
def find_slot(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    space = _space_for_bookings(member, slug)
    tomorrow = timezone.localtime(timezone.now(), space.zone).date() + timedelta(days=1)
    form = FindSlotForm(request.GET or None, initial={"day": tomorrow})
    slots = None
    thumbnails = {}
    if form.is_valid():
        data = form.cleaned_data
        slots = selectors.find_slots(
            selectors.resource_rows(bookable_resources(member, space)),
            selectors.SlotRequest(
                day=data["day"],
                earliest=data["earliest"],
                latest=data["latest"],
                minutes=data["minutes"],
                people=data["people"],
                amenities=tuple(data["amenities"]),
                kind=data["kind"],
            ),
        )
        thumbnails = selectors.first_photos({slot.resource.pk for slot in slots})
    status = 400 if request.GET and not form.is_valid() else 200
    return render(
        request,
        "bookings/find.html",
        {
            "space": space,
            "form": form,
            "slots": None
            if slots is None
            else [(slot, thumbnails.get(slot.resource.pk)) for slot in slots],
        },
        status=status,
    )


@login_required
def resource_page(
    request: HttpRequest, resource_id: int, *, form: BookingForm | None = None
) -> HttpResponse:
    """A resource's day (or week, ``?view=week``) and the form to book it, once or as a
    series (``form`` is a series' refused form, shown again with its error)."""
    member = signed_in_member(request)
    resource = access_resource_by_id(member, resource_id)
    zone = resource.space.zone
    day = _day_asked(request, zone)
    week = request.GET.get("view") == "week"
    refused_series = form is not None
    waiting_for = None
    form = form or BookingForm(
        request.POST or None, initial={"day": day}, several_days=resource.kind == ResourceKind.DESK
    )
    bookable = may_book(member, resource)
    if (
        request.method == "POST"
        and not refused_series
        and bookable
        and form.is_valid()
        and form.cleaned_data["repeat"]
    ):
        return _book_series(request, member, resource, form)
    if request.method == "POST" and not refused_series and bookable and form.is_valid():
        last_day = form.ends_on()
        several_days = last_day > form.cleaned_data["day"]
        try:
            starts_at, ends_at = _instants(form, zone, last_day)
            booking = actions.check_book(
                member,
                resource,
                starts_at=starts_at,
                ends_at=ends_at,
                title=form.cleaned_data["title"],
            )
        except OfficinaError as error:
            show_error_on_form(form, _on_booking_form(error, several_days=several_days))
            if error.code == ErrorCode.CONFLICT:
                # Someone holds that time: offer to tell the member if it frees up.
                waiting_for = {"starts_at": starts_at, "ends_at": ends_at}
        else:
            if booking.status == BookingStatus.PENDING:
                messages.info(request, _("Requested: a manager of the space will answer."))
            elif several_days:
                messages.success(
                    request,
                    _("Booked from %(first)s to %(last)s.")
                    % {
                        "first": formats.date_format(form.cleaned_data["day"], "DATE_FORMAT"),
                        "last": formats.date_format(last_day, "DATE_FORMAT"),
                    },
                )
            else:
                messages.success(request, _("Booked."))
            return redirect(
                f"{reverse('bookings:resource', args=[resource.pk])}"
                f"?date={form.cleaned_data['day'].isoformat()}"
            )
    shown, calendar = _calendar_context(day, week=week)
    row = selectors.ResourceRow.of(resource)
    context = {
        **calendar,
        "resource": resource,
        "space": resource.space,
        "days": [
            (shown_day, resource_days[0])
            for shown_day, resource_days in zip(
                shown, selectors.days_of_resources([row], shown), strict=True
            )
        ],
        "form": form,
        "bookable": bookable,
        "waiting_for": waiting_for,
        # Its conference line, to those who may join it: who may book the meeting room.
        "conference_line": meeting_room_lines([resource.pk]).get(resource.pk) if bookable else None,
        "coming_today": selectors.coming_today(member, resource.space, resource=resource),
        "photos": selectors.resource_photos(resource),
        # Its calendar's secret address, to whoever may book it (its bookings and bookers
        # are what its day page shows them); managers may replace it.
        "feed_url": (resource_feed_address(request, resource) if bookable else None),
        "is_manager": is_space_manager(member, resource.space),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "bookings/resource.html", context, status=status)


def _book_series(
    request: HttpRequest, member: Member, resource: Resource, form: BookingForm
) -> HttpResponse:
    data = form.cleaned_data
    frequency, interval = REPEATS[data["repeat"]]
    try:
        series = actions.check_book_series(
            member,
            resource,
            frequency=frequency,
            interval=interval,
            first_day=data["day"],
            last_day=data["until"],
            starts=data["starts"],
            ends=data["ends"],
            skipped=data["skip"],
            title=data["title"],
        )
    except OfficinaError as error:
        show_error_on_form(form, _on_booking_form(error))
        return resource_page(request, resource.pk, form=form)
    count = series.occurrences.count()
    messages.success(
        request,
        ngettext("Booked %(count)s date.", "Booked %(count)s dates.", count) % {"count": count},
    )
    return redirect("bookings:series", series_id=series.pk)


@login_required
def series_page(request: HttpRequest, series_id: int) -> HttpResponse:
    """A series' dates, and its forms: cancel or move the dates from a day on."""
    member = signed_in_member(request)
    series = access_series_by_id(member, series_id)
    today = timezone.localtime(timezone.now(), series.resource.space.zone).date()
    from_day = max(today, series.first_day)
    cancel_form = SeriesCancelForm(initial={"from_day": from_day}, prefix="cancel")
    move_form = SeriesMoveForm(
        initial={"from_day": from_day, "starts": series.starts, "ends": series.ends},
        prefix="move",
    )
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if "cancel-from_day" in request.POST:
                cancel_form = SeriesCancelForm(request.POST, prefix="cancel")
                if cancel_form.is_valid():
                    count = actions.check_cancel_series(
                        member, series, from_day=cancel_form.cleaned_data["from_day"]
                    )
                    messages.success(
                        request,
                        ngettext("%(count)s date cancelled.", "%(count)s dates cancelled.", count)
                        % {"count": count},
                    )
                    return redirect("bookings:series", series_id=series.pk)
            else:
                move_form = SeriesMoveForm(request.POST, prefix="move")
                if move_form.is_valid():
                    data = move_form.cleaned_data
                    moved = actions.check_move_series(
                        member,
                        series,
                        from_day=data["from_day"],
                        starts=data["starts"],
                        ends=data["ends"],
                    )
                    messages.success(
                        request,
                        ngettext("%(count)s date moved.", "%(count)s dates moved.", len(moved))
                        % {"count": len(moved)},
                    )
                    return redirect("bookings:series", series_id=series.pk)
        except OfficinaError as error:
            shown_on = move_form if "move-from_day" in request.POST else cancel_form
            show_error_on_form(shown_on, _on_booking_form(error))
    context = {
        "series": series,
        "resource": series.resource,
        "occurrences": selectors.series_occurrences(series),
        "skipped": [date.fromisoformat(day) for day in series.skipped],
        "cancel_form": cancel_form,
        "move_form": move_form,
        "now": timezone.now(),
    }
    return render(request, "bookings/series.html", context, status=status)


@login_required
@require_POST
def watch_free_again(request: HttpRequest, resource_id: int) -> HttpResponse:
    """Tell me if this time, which someone holds, becomes free."""
    member = signed_in_member(request)
    resource = access_resource_by_id(member, resource_id, to_book=True)
    try:
        starts_at = datetime.fromisoformat(request.POST.get("starts_at", ""))
        ends_at = datetime.fromisoformat(request.POST.get("ends_at", ""))
    except ValueError:
        raise OfficinaError.invalid_input(_("Choose a time to wait for.")) from None
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise OfficinaError.invalid_input(_("Choose a time to wait for."))
    actions.check_watch_free_again(member, resource, starts_at=starts_at, ends_at=ends_at)
    messages.success(request, _("You will be told here if that time becomes free."))
    day = starts_at.astimezone(resource.space.zone).date()
    return redirect(f"{reverse('bookings:resource', args=[resource.pk])}?date={day.isoformat()}")


@login_required
@require_POST
def watch_slot_search(request: HttpRequest, slug: str) -> HttpResponse:
    """Tell me when a slot that fits this search, which found nothing, frees up."""
    member = signed_in_member(request)
    space = _space_for_bookings(member, slug)
    form = FindSlotForm(request.POST)
    if not form.is_valid():
        raise OfficinaError.invalid_input(_("Search again, then ask to be told."))
    data = form.cleaned_data
    actions.check_watch_slot_search(
        member,
        space,
        selectors.SlotRequest(
            day=data["day"],
            earliest=data["earliest"],
            latest=data["latest"],
            minutes=data["minutes"],
            people=data["people"],
            amenities=tuple(data["amenities"]),
            kind=data["kind"],
        ),
    )
    messages.success(request, _("You will be told here when a slot that fits frees up."))
    search = request.POST.copy()
    search.pop("csrfmiddlewaretoken", None)  # a secret has no place in an address
    return redirect(f"{reverse('bookings:find', args=[space.slug])}?{search.urlencode()}")


@login_required
def booking_move(request: HttpRequest, booking_id: int) -> HttpResponse:
    member = signed_in_member(request)
    booking = access_booking_by_id(member, booking_id)
    zone = booking.resource.space.zone
    local_start, local_end = booking.starts_at.astimezone(zone), booking.ends_at.astimezone(zone)
    initial = {
        "day": local_start.date(),
        "last_day": local_end.date() if local_end.date() > local_start.date() else None,
        "starts": local_start.time(),
        "ends": local_end.time(),
    }
    form = MoveForm(
        request.POST or None,
        initial=initial,
        several_days=booking.resource.kind == ResourceKind.DESK,
    )
    if request.method == "POST" and form.is_valid():
        last_day = form.ends_on()
        several_days = last_day > form.cleaned_data["day"]
        try:
            starts_at, ends_at = _instants(form, zone, last_day)
            actions.check_move(member, booking, starts_at=starts_at, ends_at=ends_at)
        except OfficinaError as error:
            show_error_on_form(form, _on_booking_form(error, several_days=several_days))
        else:
            messages.success(request, _("Booking moved."))
            return redirect("bookings:mine")
    status = 400 if request.method == "POST" else 200
    return render(request, "bookings/move.html", {"booking": booking, "form": form}, status=status)


@login_required
def booking_guests(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Who is invited to a booking, and the form to invite more."""
    member = signed_in_member(request)
    booking = access_booking_by_id(member, booking_id)
    form = GuestsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invited = actions.check_invite_guests(member, booking, form.lines())
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("Invitations sent: %(count)s.") % {"count": len(invited)})
            return redirect("bookings:guests", booking_id=booking.pk)
    context = {"booking": booking, "guests": selectors.booking_guests(booking), "form": form}
    status = 400 if request.method == "POST" else 200
    return render(request, "bookings/guests.html", context, status=status)


@login_required
@require_POST
def booking_guest_remove(request: HttpRequest, booking_id: int, guest_id: int) -> HttpResponse:
    """Take one guest off a booking; they are mailed a cancellation."""
    member = signed_in_member(request)
    booking = access_booking_by_id(member, booking_id)
    guest = actions.check_remove_guest(member, booking, guest_id)
    messages.success(
        request,
        _("%(guest)s is no longer invited and gets a cancellation by e-mail.")
        % {"guest": guest.name or guest.email},
    )
    return redirect("bookings:guests", booking_id=booking.pk)


@login_required
@require_POST
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Cancel a booking; with a ``day``, only that day of a desk booked over several
    days, the others staying booked."""
    member = signed_in_member(request)
    booking = access_booking_by_id(member, booking_id)
    if "day" not in request.POST:
        actions.check_cancel(member, booking)
        messages.success(request, _("Booking cancelled."))
    else:
        form = DayForm(request.POST)
        if not form.is_valid():
            raise OfficinaError.invalid_input(_("Choose the day to cancel."), field="day")
        day = form.cleaned_data["day"]
        actions.check_cancel_day(member, booking, day=day)
        messages.success(
            request,
            _("%(resource)s is no longer booked on %(day)s.")
            % {"resource": booking.resource.name, "day": formats.date_format(day, "DATE_FORMAT")},
        )
    if booking.member_id != member.pk:
        return redirect("bookings:manage", slug=booking.resource.space.slug)
    return redirect("bookings:mine")


@login_required
@require_POST
def booking_answer(request: HttpRequest, booking_id: int) -> HttpResponse:
    member = signed_in_member(request)
    booking = access_booking_by_id(member, booking_id)
    approve = request.POST.get("answer") == "approve"
    actions.check_answer_request(member, booking, approve=approve)
    messages.success(request, _("Booking confirmed.") if approve else _("Booking declined."))
    return redirect("bookings:manage", slug=booking.resource.space.slug)


@login_required
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    space = access_space_by_slug(member, slug, to_manage=True)
    resources = Resource.objects.filter(space=space).order_by("kind", "name", "id")
    release = selectors.desk_release(space)
    form = DeskReleaseForm(
        request.POST or None, initial={"unclaimed_by": release.unclaimed_by if release else None}
    )
    if request.method == "POST" and form.is_valid():
        actions.check_set_desk_release(
            member, space, unclaimed_by=form.cleaned_data["unclaimed_by"]
        )
        messages.success(request, _("Desk release saved."))
        return redirect("bookings:manage", slug=space.slug)
    context = {
        "space": space,
        "resources": resources,
        "pending": selectors.pending_bookings(resources),
        "release_form": form,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "bookings/manage.html", context, status=status)


def _resource_form_page(
    request: HttpRequest, space: Space, resource: Resource | None
) -> HttpResponse:
    member = signed_in_member(request)
    initial = ResourceForm.initial_for(resource) if resource else None
    form = ResourceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if resource is None:
                resource = actions.check_create_resource(
                    member,
                    space,
                    hours=form.weekly_hours(),
                    only_companies=list(form.cleaned_data["only_companies"]),
                    **form.resource_fields(),
                )
            else:
                actions.check_update_resource(
                    member,
                    resource,
                    hours=form.weekly_hours(),
                    only_companies=list(form.cleaned_data["only_companies"]),
                    **form.resource_fields(),
                )
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("Resource saved."))
            return redirect("bookings:manage", slug=space.slug)
    status = 400 if request.method == "POST" else 200
    context = {"space": space, "resource": resource, "form": form}
    return render(request, "bookings/resource_form.html", context, status=status)


@login_required
def resource_create(request: HttpRequest, slug: str) -> HttpResponse:
    space = access_space_by_slug(signed_in_member(request), slug, to_manage=True)
    return _resource_form_page(request, space, None)


@login_required
def resource_edit(request: HttpRequest, resource_id: int) -> HttpResponse:
    resource = access_resource_to_manage(signed_in_member(request), resource_id)
    return _resource_form_page(request, resource.space, resource)


@login_required
def resource_line(request: HttpRequest, resource_id: int) -> HttpResponse:
    """A meeting room's conference line, set by a manager of its space."""
    resource = access_resource_to_manage(signed_in_member(request), resource_id)
    line = meeting_room_lines([resource.pk]).get(resource.pk)
    initial = (
        {"name": line.name, "number": line.number, "pin": line.pin, "language": line.language}
        if line is not None
        else {"name": resource.name}
    )
    form = RoomForm(request.POST or None, initial=initial)
    form.fields["pin"].help_text = _(
        "4 to 8 digits callers type to join; empty: anyone who may book the meeting room."
    )
    if request.method == "POST" and form.is_valid():
        try:
            check_save_meeting_room_line(resource, form.room_input())
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("Conference line saved."))
            return redirect("bookings:resource", resource_id=resource.pk)
    status = 400 if request.method == "POST" else 200
    context = {"resource": resource, "space": resource.space, "form": form, "line": line}
    return render(request, "bookings/resource_line.html", context, status=status)


@login_required
@require_POST
def resource_line_remove(request: HttpRequest, resource_id: int) -> HttpResponse:
    """Take a meeting room's conference line away (a manager of its space, who confirmed
    on the page)."""
    resource = access_resource_to_manage(signed_in_member(request), resource_id)
    try:
        line = check_remove_meeting_room_line(resource)
    except OfficinaError as error:  # none to remove: removed already, in another tab
        messages.error(request, str(error.message))
        return redirect("bookings:resource_line", resource_id=resource.pk)
    messages.success(
        request,
        _("The conference line %(number)s of %(resource)s is removed.")
        % {"number": line.number, "resource": resource.name},
    )
    return redirect("bookings:resource", resource_id=resource.pk)


@login_required
@require_POST
def regenerate_feed(request: HttpRequest) -> HttpResponse:
    actions.do_regenerate_feed_token(signed_in_member(request))
    messages.success(request, _("New calendar address made; the old one no longer works."))
    return redirect("bookings:mine")


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The member's bookings; calendar apps fetch it without a session."""
    member = selectors.member_by_feed_token(token)
    if member is None:
        raise OfficinaError(_("Unknown calendar address."), ErrorCode.NOT_FOUND)
    body = bookings_calendar(
        selectors.feed_bookings(member),
        name=_("Officina bookings"),
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    return _calendar_response(body)


@login_required
@require_POST
def regenerate_resource_feed(request: HttpRequest, resource_id: int) -> HttpResponse:
    resource = access_resource_to_manage(signed_in_member(request), resource_id)
    actions.do_regenerate_resource_feed_token(resource)
    messages.success(request, _("New calendar address made; the old one no longer works."))
    return redirect("bookings:resource", resource_id=resource.pk)


def resource_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A resource's bookings, with who holds each; calendar apps fetch it without a
    session, so the secret address is the only key."""
    resource = selectors.resource_by_feed_token(token)
    if resource is None:
        raise OfficinaError(_("Unknown calendar address."), ErrorCode.NOT_FOUND)
    body = bookings_calendar(
        selectors.resource_feed_bookings(resource),
        name=_("%(resource)s at %(space)s")
        % {"resource": resource.name, "space": resource.space.name},
        base_url=request.build_absolute_uri("/").rstrip("/"),
        summary=booker_summary,
    )
    return _calendar_response(body)


def _calendar_response(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="bookings.ics"'
    return response


@login_required
def resource_photos(request: HttpRequest, resource_id: int) -> HttpResponse:
    """A resource's photos, for the managers of its space: add, reorder, remove."""
    member = signed_in_member(request)
    resource = access_resource_to_manage(member, resource_id)
    form = ResourcePhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_add_resource_photo(
                member, resource, form.cleaned_data["photo"], caption=form.cleaned_data["caption"]
            )
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("Photo added."))
            return redirect("bookings:resource_photos", resource_id=resource.pk)
    context = {
        "resource": resource,
        "space": resource.space,
        "form": form,
        "photos": selectors.resource_photos(resource),
        "max_photos": MAX_PHOTOS,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "bookings/resource_photos.html", context, status=status)


@login_required
@require_POST
def resource_photo_change(request: HttpRequest, resource_id: int, photo_id: int) -> HttpResponse:
    """Move a photo earlier or later, or remove it (``action``: ``earlier``, ``later``,
    ``remove``; the page asks before removing)."""
    member = signed_in_member(request)
    resource = access_resource_to_manage(member, resource_id)
    action = request.POST.get("action")
    try:
        if action == "remove":
            actions.check_remove_resource_photo(member, resource, photo_id)
            messages.success(request, _("Photo removed."))
        elif action in {"earlier", "later"}:
            actions.check_move_resource_photo(
                member, resource, photo_id, earlier=action == "earlier"
            )
        else:
            raise OfficinaError.invalid_input(_("Choose what to do with the photo."))
    except OfficinaError as error:  # removed already, in another tab
        messages.error(request, str(error.message))
    return redirect("bookings:resource_photos", resource_id=resource.pk)


@login_required
def resource_photo(request: HttpRequest, photo_id: int, name: str) -> FileResponse:
    """A photo of a resource, to whoever sees the resource: served by Django so that it
    works with or without a web server in front, and never to visitors."""
    photo = access_resource_photo_by_id(signed_in_member(request), photo_id)
    if PurePath(photo.image.name).name != name:
        raise OfficinaError(_("Photo not found."), ErrorCode.NOT_FOUND)
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    # The address carries the file's random name: a new photo is a new address.
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
