"""/api/attendant/{company} and /api/conferences/{company}: a company's auto-attendant
menus and conference rooms (who is in each now); its owners set them up and mute
callers. A menu's greeting is typed here (spoken by espeak-ng); a recording is uploaded
on the web page. /api/space-attendant/{space}: a space's menus, for its managers.

/api/conferences/meeting-rooms/{resource}: a space's meeting room's conference line,
with the page's rules: whoever may book the meeting room reads it (and may join it),
the space's managers set and remove it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router, Schema, Status
from pydantic import Field

from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import COMMON_ERRORS, BodyIn, ErrorOut, Text, owner_operation_id
from officina.api.schemas import translated_when_shown as _
from officina.attendant.access import access_menu_by_id, access_menu_owner_by_slug
from officina.attendant.actions import MenuInput, check_delete_menu, check_save_menu
from officina.attendant.kinds import (
    GREETING_TEXT_MAX,
    NAME_MAX_LENGTH,
    TIMEOUT_SECONDS_DEFAULT,
    TIMEOUT_SECONDS_MAX,
    TIMEOUT_SECONDS_MIN,
    OptionKind,
)
from officina.attendant.selectors import menu_of_owner, owner_menus
from officina.bookings.access import access_resource_by_id, access_resource_to_manage
from officina.conferences.access import (
    access_meeting_room_line,
    access_room_by_id,
    access_rooms_by_company_slug,
)
from officina.conferences.actions import (
    RoomInput,
    check_owner_mute,
    check_save_meeting_room_line,
    check_save_room,
    do_delete_room,
)
from officina.conferences.selectors import company_rooms, meeting_room_line, room_participants
from officina.core.errors import ErrorCode, OfficinaError
from officina.ringgroups.kinds import NUMBER_MAX_DIGITS

if TYPE_CHECKING:
    from officina.attendant.models import Menu
    from officina.conferences.models import Room

attendant_router = Router(tags=["auto-attendant"])
conferences_router = Router(tags=["conference rooms"])

KindName = Literal[tuple(OptionKind.values)]  # type: ignore[valid-type]
LanguageName = Literal["it", "en"]
Key = Literal["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#"]


class OptionOut(Schema):
    key: str
    kind: str
    number: str


class MenuOut(Schema):
    id: int
    name: str
    number: str
    language: str
    greeting_text: str
    timeout_seconds: int
    out_of_hours_number: str
    options: list[OptionOut]


class OptionIn(BodyIn):
    key: Key
    kind: KindName  # type: ignore[valid-type]
    number: Text = Field(max_length=NUMBER_MAX_DIGITS)


class MenuIn(BodyIn):
    name: Text = Field(max_length=NAME_MAX_LENGTH)
    number: Text = Field(max_length=NUMBER_MAX_DIGITS, description="dialled like an extension")
    language: LanguageName = "it"
    greeting_text: Text = Field(
        "", max_length=GREETING_TEXT_MAX, description="spoken by espeak-ng in the language"
    )
    timeout_seconds: int = Field(
        TIMEOUT_SECONDS_DEFAULT, ge=TIMEOUT_SECONDS_MIN, le=TIMEOUT_SECONDS_MAX
    )
    out_of_hours_number: Text = Field("", max_length=NUMBER_MAX_DIGITS)
    options: list[OptionIn] = Field(default_factory=list, max_length=12)


def _menu_out(menu: Menu) -> MenuOut:
    return MenuOut(
        id=menu.pk,
        name=menu.name,
        number=menu.number,
        language=menu.language,
        greeting_text=menu.greeting_text,
        timeout_seconds=menu.timeout_seconds,
        out_of_hours_number=menu.out_of_hours_number,
        options=[
            OptionOut(key=option.key, kind=option.kind, number=option.number)
            for option in menu.options.all()
        ],
    )


def _menu_input(payload: MenuIn) -> MenuInput:
    return MenuInput(
        name=payload.name,
        number=payload.number,
        language=payload.language,
        greeting_text=payload.greeting_text,
        timeout_seconds=payload.timeout_seconds,
        out_of_hours_number=payload.out_of_hours_number,
        options={option.key: (option.kind, option.number) for option in payload.options},
    )


# The same endpoints for a company (``/attendant/{company}``: its people read, its owners
# change) and a space (``/space-attendant/{space}``: its managers): registered once per
# owner.
_SUMMARIES = {
    "company": {
        "list_menus": _("A company's auto-attendant menus"),
        "add_menu": _("Make a menu (the company's owners); the greeting is spoken from its text"),
        "change_menu": _("Change a menu: every setting and every key (the owners)"),
        "remove_menu": _("Remove a menu (the owners)"),
    },
    "space": {
        "list_menus": _("A space's auto-attendant menus (its managers)"),
        "add_menu": _(
            "Make a menu of the space (its managers); the greeting is spoken from its text"
        ),
        "change_menu": _("Change a space's menu: every setting and every key (its managers)"),
        "remove_menu": _("Remove a space's menu (its managers)"),
    },
}


def _add_owner_routes(router: Router, owner: str) -> None:
    """The menu endpoints of a company (``owner="company"``) or a space."""
    summaries = _SUMMARIES[owner]

    def operation_id(name: str) -> str | None:
        return owner_operation_id(owner, name)

    @router.get(
        "/{slug}",
        response={200: list[MenuOut], 404: ErrorOut, **COMMON_ERRORS},
        summary=summaries["list_menus"],
        operation_id=operation_id("list_menus"),
    )
    def list_menus(request: HttpRequest, slug: Text) -> list[MenuOut]:
        found = access_menu_owner_by_slug(signed_in_member(request), slug, owner=owner)
        return [_menu_out(menu) for menu in owner_menus(found)]

    @router.post(
        "/{slug}",
        response={201: MenuOut, 404: ErrorOut, **COMMON_ERRORS},
        summary=summaries["add_menu"],
        operation_id=operation_id("add_menu"),
    )
    def add_menu(request: HttpRequest, slug: Text, payload: MenuIn) -> Status[MenuOut]:
        found = access_menu_owner_by_slug(
            signed_in_member(request), slug, owner=owner, to_manage=True
        )
        menu = check_save_menu(found, _menu_input(payload))
        saved = menu_of_owner(found, menu.pk)
        assert saved is not None
        return Status(201, _menu_out(saved))

    @router.post(
        "/{slug}/{menu_id}",
        response={200: MenuOut, 404: ErrorOut, **COMMON_ERRORS},
        summary=summaries["change_menu"],
        operation_id=operation_id("change_menu"),
    )
    def change_menu(request: HttpRequest, slug: Text, menu_id: int, payload: MenuIn) -> MenuOut:
        member = signed_in_member(request)
        menu = access_menu_by_id(member, slug, menu_id, owner=owner, to_manage=True)
        check_save_menu(menu.owner, _menu_input(payload), menu)
        return _menu_out(access_menu_by_id(member, slug, menu_id, owner=owner))

    @router.delete(
        "/{slug}/{menu_id}",
        response={204: None, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
        summary=summaries["remove_menu"],
        operation_id=operation_id("remove_menu"),
    )
    def remove_menu(request: HttpRequest, slug: Text, menu_id: int) -> Status[None]:
        menu = access_menu_by_id(
            signed_in_member(request), slug, menu_id, owner=owner, to_manage=True
        )
        check_delete_menu(menu)
        return Status(204, None)


_add_owner_routes(attendant_router, "company")
space_attendant_router = Router(tags=["auto-attendant"])
_add_owner_routes(space_attendant_router, "space")


class ParticipantOut(Schema):
    id: int
    number: str
    name: str
    joined_at: datetime
    muted_self: bool
    muted_by_owner: bool


class RoomOut(Schema):
    id: int
    name: str
    number: str
    pin: str
    language: str
    participants: list[ParticipantOut]


class RoomIn(BodyIn):
    name: Text = Field(max_length=NAME_MAX_LENGTH)
    number: Text = Field(max_length=NUMBER_MAX_DIGITS)
    pin: Text = Field("", max_length=8, description="4 to 8 digits; empty for none")
    language: LanguageName = "it"


class MuteIn(BodyIn):
    muted: bool


def _room_out(room: Room) -> RoomOut:
    return RoomOut(
        id=room.pk,
        name=room.name,
        number=room.number,
        pin=room.pin,
        language=room.language,
        participants=_participants_out(room),
    )


def _participants_out(room: Room) -> list[ParticipantOut]:
    return [ParticipantOut.model_validate(person) for person in room_participants(room.pk)]


@conferences_router.get(
    "/meeting-rooms/{resource_id}/participants",
    response={200: list[ParticipantOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Who is in a meeting room's call now (who may book the room)"),
)
def meeting_room_participants(request: HttpRequest, resource_id: int) -> list[ParticipantOut]:
    _resource, room = access_meeting_room_line(signed_in_member(request), resource_id)
    return _participants_out(room)


# Before the company rooms' routes: the path of a company's room
# (/{slug}/{room_id}/participants/...) would take this one otherwise.
@conferences_router.post(
    "/meeting-rooms/{resource_id}/participants/{participant_id}/mute",
    response={200: list[ParticipantOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_(
        "Mute or unmute a caller in a meeting room's call "
        "(the space's managers; within a second on the call)"
    ),
)
def mute_meeting_room_participant(
    request: HttpRequest, resource_id: int, participant_id: int, payload: MuteIn
) -> list[ParticipantOut]:
    _resource, room = access_meeting_room_line(
        signed_in_member(request), resource_id, to_manage=True
    )
    check_owner_mute(room, participant_id, muted=payload.muted)
    return _participants_out(room)


@conferences_router.get(
    "/{slug}",
    response={200: list[RoomOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("A company's conference rooms and who is in each now"),
)
def list_rooms(request: HttpRequest, slug: Text) -> list[RoomOut]:
    company = access_rooms_by_company_slug(signed_in_member(request), slug)
    return [_room_out(room) for room in company_rooms(company)]


@conferences_router.post(
    "/{slug}",
    response={201: RoomOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Make a conference room (the company's owners)"),
)
def add_room(request: HttpRequest, slug: Text, payload: RoomIn) -> Status[RoomOut]:
    company = access_rooms_by_company_slug(signed_in_member(request), slug, to_manage=True)
    room = check_save_room(
        company, RoomInput(payload.name, payload.number, payload.pin, payload.language)
    )
    return Status(201, _room_out(room))


@conferences_router.post(
    "/{slug}/{room_id}/participants/{participant_id}/mute",
    response={200: RoomOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Mute or unmute a caller in the room (the owners; within a second on the call)"),
)
def mute_participant(
    request: HttpRequest, slug: Text, room_id: int, participant_id: int, payload: MuteIn
) -> RoomOut:
    room = access_room_by_id(signed_in_member(request), slug, room_id, to_manage=True)
    check_owner_mute(room, participant_id, muted=payload.muted)
    return _room_out(room)


class MeetingRoomLineOut(Schema):
    resource_id: int
    name: str
    number: str
    pin: str
    language: str


def _line_out(room: Room, resource_id: int) -> MeetingRoomLineOut:
    return MeetingRoomLineOut(
        resource_id=resource_id,
        name=room.name,
        number=room.number,
        pin=room.pin,
        language=room.language,
    )


def _no_line() -> OfficinaError:
    return OfficinaError(gettext("This meeting room has no conference line."), ErrorCode.NOT_FOUND)


@conferences_router.get(
    "/meeting-rooms/{resource_id}",
    response={200: MeetingRoomLineOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("A meeting room's conference line: its number and PIN (who may book the room)"),
)
def get_meeting_room_line(request: HttpRequest, resource_id: int) -> MeetingRoomLineOut:
    resource = access_resource_by_id(signed_in_member(request), resource_id, to_book=True)
    line = meeting_room_line(resource)
    if line is None:
        raise _no_line()
    return _line_out(line, resource.pk)


@conferences_router.post(
    "/meeting-rooms/{resource_id}",
    response={200: MeetingRoomLineOut, 400: ErrorOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_(
        "Give a meeting room its conference line, or change it (the space's managers); "
        "whoever may book the meeting room may join"
    ),
)
def set_meeting_room_line(
    request: HttpRequest, resource_id: int, payload: RoomIn
) -> MeetingRoomLineOut:
    resource = access_resource_to_manage(signed_in_member(request), resource_id)
    line = check_save_meeting_room_line(
        resource, RoomInput(payload.name, payload.number, payload.pin, payload.language)
    )
    return _line_out(line, resource.pk)


@conferences_router.delete(
    "/meeting-rooms/{resource_id}",
    response={204: None, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Remove a meeting room's conference line (the space's managers)"),
)
def remove_meeting_room_line(request: HttpRequest, resource_id: int) -> Status[None]:
    resource = access_resource_to_manage(signed_in_member(request), resource_id)
    line = meeting_room_line(resource)
    if line is not None:
        do_delete_room(line)
    return Status(204, None)
