"""A company's conference rooms: the list and the owners' form, and each room's live
page (who is in it; the owners mute and unmute callers)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from officina.accounts.signed_in import signed_in_member
from officina.core.errors import OfficinaError
from officina.core.form_errors import show_error_on_form

from .access import access_room_by_id, access_rooms_by_company_slug, may_manage_rooms
from .actions import check_owner_mute, check_save_room, do_delete_room
from .forms import RoomForm
from .selectors import company_rooms, room_participants


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
    return render(
        request,
        "conferences/room.html",
        {
            "company": company,
            "room": room,
            "participants": room_participants(room.pk),
            "may_manage": may_manage_rooms(member, company),
        },
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
