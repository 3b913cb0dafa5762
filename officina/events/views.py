"""Event pages, RSVP, and the iCal feeds behind a secret address."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from officina.accounts.access import access_space_by_slug
from officina.accounts.selectors import spaces_by_name
from officina.accounts.signed_in import signed_in_member
from officina.core.errors import ErrorCode, OfficinaError
from officina.core.form_errors import show_error_on_form

from . import actions, selectors
from .access import access_event_by_id, can_edit_event
from .forms import LOCAL_INPUT, EventForm, RSVPForm
from .ical import build_calendar
from .kinds import RSVPStatus
from .models import CalendarFeedToken, Event

if TYPE_CHECKING:
    from officina.accounts.models import Member


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    member = signed_in_member(request)
    slug = request.GET.get("space", "")
    space = access_space_by_slug(member, slug) if slug else None
    page = Paginator(selectors.upcoming_events(member, space=space), 25).get_page(
        request.GET.get("page")
    )
    token = actions.feed_token(member)
    feed_url = request.build_absolute_uri(reverse("events:feed", args=[token]))
    space_feed_url = (
        request.build_absolute_uri(reverse("events:space_feed", args=[token, space.slug]))
        if space
        else ""
    )
    context = {
        "page": page,
        "space": space,
        "spaces": spaces_by_name(),
        "feed_url": feed_url,
        "space_feed_url": space_feed_url,
    }
    return render(request, "events/list.html", context)


@login_required
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    member = signed_in_member(request)
    event = access_event_by_id(member, event_id)
    people = selectors.attendees(event)
    going = len(people[RSVPStatus.GOING])
    context = {
        "event": event,
        "people": people,
        "going": going,
        "places_left": None if event.capacity is None else max(event.capacity - going, 0),
        "my_status": selectors.rsvp_status(member, event),
        "can_edit": can_edit_event(member, event),
        "is_over": event.ends_at < timezone.now(),
        "local_start": event.starts_at.astimezone(event.space.zone),
        "local_end": event.ends_at.astimezone(event.space.zone),
    }
    return render(request, "events/detail.html", context)


def _save_event(request: HttpRequest, form: EventForm, event: Event | None) -> Event | None:
    member, data = signed_in_member(request), dict(form.cleaned_data)
    try:
        if event is None:
            return actions.check_create_event(member, data.pop("space"), **data)
        data.pop("space")
        return actions.check_update_event(member, event, **data)
    except OfficinaError as error:
        show_error_on_form(form, error)
        return None


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    member = signed_in_member(request)
    initial = {"space": request.GET.get("space")} if request.GET.get("space") else None
    form = EventForm(request.POST or None, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        event = _save_event(request, form, None)
        if event is not None:
            messages.success(request, _("Event created."))
            return redirect("events:detail", event_id=event.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "events/form.html", {"form": form}, status=status)


@login_required
def event_edit(request: HttpRequest, event_id: int) -> HttpResponse:
    member = signed_in_member(request)
    event = access_event_by_id(member, event_id, to_edit=True)
    zone = event.space.zone
    initial = {
        "space": event.space.slug,
        "title": event.title,
        "description": event.description,
        "starts_at": event.starts_at.astimezone(zone).strftime(LOCAL_INPUT),
        "ends_at": event.ends_at.astimezone(zone).strftime(LOCAL_INPUT),
        "capacity": event.capacity,
        "visibility": event.visibility,
    }
    form = EventForm(request.POST or None, member=member, initial=initial)
    form.fields["space"].disabled = True
    form.fields["space"].queryset = spaces_by_name().filter(pk=event.space_id)  # type: ignore[attr-defined]
    if (
        request.method == "POST"
        and form.is_valid()
        and _save_event(request, form, event) is not None
    ):
        messages.success(request, _("Changes saved."))
        return redirect("events:detail", event_id=event.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "events/form.html", {"form": form, "event": event}, status=status)


@login_required
@require_POST
def event_cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    member = signed_in_member(request)
    event = access_event_by_id(member, event_id, to_edit=True)
    actions.check_cancel_event(member, event)
    messages.success(request, _("The event is cancelled."))
    return redirect("events:list")


@login_required
@require_POST
def event_rsvp(request: HttpRequest, event_id: int) -> HttpResponse:
    member = signed_in_member(request)
    event = access_event_by_id(member, event_id)
    form = RSVPForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown answer."))
        return redirect("events:detail", event_id=event.pk)
    try:
        actions.check_rsvp(member, event, form.cleaned_data["status"])
    except OfficinaError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your answer is saved."))
    return redirect("events:detail", event_id=event.pk)


@login_required
@require_POST
def regenerate_feed(request: HttpRequest) -> HttpResponse:
    actions.do_regenerate_feed_token(signed_in_member(request))
    messages.success(request, _("New calendar address made; the old one no longer works."))
    return redirect("events:list")


def _feed_member(token: str) -> Member:
    member = CalendarFeedToken.member_with(token)
    if member is None:
        raise OfficinaError(_("Unknown calendar address."), ErrorCode.NOT_FOUND)
    return member


def _calendar_response(request: HttpRequest, events: list[Event], name: str) -> HttpResponse:
    base_url = request.build_absolute_uri("/").rstrip("/")
    body = build_calendar(events, name=name, base_url=base_url)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="officina.ics"'
    return response


def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Every event the token's member may see; calendar apps fetch it without a session."""
    member = _feed_member(token)
    return _calendar_response(request, selectors.feed_events(member), "Officina")


def space_feed(request: HttpRequest, token: str, slug: str) -> HttpResponse:
    member = _feed_member(token)
    space = access_space_by_slug(member, slug)
    return _calendar_response(
        request, selectors.feed_events(member, space=space), f"Officina · {space.name}"
    )
