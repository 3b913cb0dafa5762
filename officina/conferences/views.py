"""A company's conference rooms: the list and the owners' form, and each room's live
page (who is in it; the owners mute and unmute callers). A meeting room's line has the
same live page, for whoever may book the meeting room; its space's managers mute."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from officina.accounts.access import is_space_manager
from officina.accounts.signed_in import signed_in_member
from officina.core.errors import OfficinaError
from officina.core.form_errors import show_error_on_form

from .access import (
    access_meeting_room_line,
    access_room_by_id,
    access_rooms_by_company_slug,
    may_manage_rooms,
)
from .actions import check_owner_mute, check_save_room, do_delete_room
from .forms import RoomForm
from .selectors import company_rooms, room_participants

if TYPE_CHECKING:
    from .models import Room


def _call_page(
    request: HttpRequest,
    room: Room,
    *,
    live_url: str,
    mute_url: Callable[[int], str],
    may_manage: bool,
    back_url: str,
    **context: Any,
) -> HttpResponse:
    """A room's live page: who is in the call, each with the address that mutes them
    (``mute_url(0)`` is the pattern the page's script fills in for callers who join)."""
    return render(
        request,
        "conferences/room.html",
        {
            "room": room,
            "live_url": live_url,
            "mute_url": mute_url(0),
            "participants": [
                (person, mute_url(person.pk)) for person in room_participants(room.pk)
            ],
            "may_manage": may_manage,
            "back_url": back_url,
            **context,
        },
    )


@login_required
def room_list(request: HttpRequest, slug: str) -> HttpResponse:
    member = signed_in_member(request)
    company = access_rooms_by_company_slug(member, slug)
    return render(
        request,
        "conferences/list.html",
        {
            "company": company,
            "rooms": company_rooms(company),
            "may_manage": may_manage_rooms(member, company),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def room_edit(request: HttpRequest, slug: str, room_id: int | None = None) -> HttpResponse:
    member = signed_in_member(request)
    company = access_rooms_by_company_slug(member, slug, to_manage=True)
    room = access_room_by_id(member, slug, room_id, to_manage=True) if room_id else None
    if request.method == "POST":
        form = RoomForm(request.POST)
        if form.is_valid():
            try:
                saved = check_save_room(company, form.room_input(), room)
            except OfficinaError as error:
                show_error_on_form(form, error)
            else:
                messages.success(request, _("The room %(name)s is saved.") % {"name": saved.name})
                return redirect("conferences:list", slug=company.slug)
    else:
        initial = (
            {"name": room.name, "number": room.number, "pin": room.pin, "language": room.language}
            if room is not None
            else None
        )
        form = RoomForm(initial=initial)
    return render(
        request, "conferences/form.html", {"company": company, "room": room, "form": form}
    )


@login_required
def room_live(request: HttpRequest, slug: str, room_id: int) -> HttpResponse:
    member = signed_in_member(request)
    company = access_rooms_by_company_slug(member, slug)
    room = access_room_by_id(member, slug, room_id)
    return _call_page(
        request,
        room,
        live_url=f"/ws/conferences/{company.slug}/{room.pk}/",
        mute_url=lambda person: reverse("conferences:mute", args=[company.slug, room.pk, person]),
        may_manage=may_manage_rooms(member, company),
        back_url=reverse("conferences:list", args=[company.slug]),
        company=company,
    )


@login_required
@require_POST
def mute(request: HttpRequest, slug: str, room_id: int, participant_id: int) -> HttpResponse:
    room = access_room_by_id(signed_in_member(request), slug, room_id, to_manage=True)
    muted = request.POST.get("muted") == "yes"
    try:
        check_owner_mute(room, participant_id, muted=muted)
    except OfficinaError as error:
        messages.error(request, str(error.message))
    return redirect("conferences:room", slug=slug, room_id=room.pk)


@login_required
@require_POST
def room_delete(request: HttpRequest, slug: str, room_id: int) -> HttpResponse:
    room = access_room_by_id(signed_in_member(request), slug, room_id, to_manage=True)
    do_delete_room(room)
    messages.success(request, _("The room %(name)s is removed.") % {"name": room.name})
    return redirect("conferences:list", slug=slug)


@login_required
def meeting_room_live(request: HttpRequest, resource_id: int) -> HttpResponse:
    """Who is in a meeting room's call, live, for whoever may book the meeting room."""
    member = signed_in_member(request)
    resource, room = access_meeting_room_line(member, resource_id)
    return _call_page(
        request,
        room,
        live_url=f"/ws/meeting-rooms/{resource.pk}/call/",
        mute_url=lambda person: reverse(
            "conferences:meeting_room_mute", args=[resource.pk, person]
        ),
        may_manage=is_space_manager(member, resource.space),
        back_url=reverse("bookings:resource", args=[resource.pk]),
    )


@login_required
@require_POST
def meeting_room_mute(request: HttpRequest, resource_id: int, participant_id: int) -> HttpResponse:
    """A manager of the space mutes or unmutes a caller of a meeting room's line."""
    resource, room = access_meeting_room_line(
        signed_in_member(request), resource_id, to_manage=True
    )
    try:
        check_owner_mute(room, participant_id, muted=request.POST.get("muted") == "yes")
    except OfficinaError as error:
        messages.error(request, str(error.message))
    return redirect("conferences:meeting_room", resource_id=resource.pk)
