"""/api/trunks/{company}: a company's SIP trunks, its numbers (DIDs) and where they ring,
and what each of its people may call out to (the toll-fraud guard's classes and minutes);
/api/space-trunks/{space}: a space's trunks and numbers, the same way.

Only the company's owners (the space's managers) use it, reading as well as changing:
the trunks' credentials and the allowances are an admin's business. A trunk's password
is written, never read: answers say only whether one is set, and a change without one
keeps it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from officina.accounts.selectors import company_people
from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import (
    COMMON_ERRORS,
    BodyIn,
    ErrorOut,
    MemberRef,
    Text,
    member_ref,
    owner_operation_id,
)
from officina.api.schemas import translated_when_shown as _
from officina.core.errors import ErrorCode, OfficinaError
from officina.trunks.access import (
    access_number_by_id,
    access_trunk_by_id,
    access_trunk_owner_by_slug,
    access_trunks_by_company_slug,
)
from officina.trunks.actions import (
    NumberInput,
    PermissionInput,
    TrunkInput,
    check_save_number,
    check_save_trunk,
    check_set_permission,
    do_delete_number,
    do_delete_trunk,
)
from officina.trunks.kinds import (
    DAILY_MINUTES_DEFAULT,
    DAILY_MINUTES_MAX,
    FORWARD_KIND_VALUES,
    FORWARD_SECONDS_DEFAULT,
    MAX_PEER_ADDRESSES,
    NAME_MAX_LENGTH,
    REGISTER_SECONDS_DEFAULT,
    REGISTER_SECONDS_MAX,
    REGISTER_SECONDS_MIN,
    CallerIdHeader,
    NumberForward,
    RouteKind,
    TrunkMode,
)
from officina.trunks.selectors import company_permissions, owner_numbers, owner_trunks

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member
    from officina.accounts.selectors import PhoneOwner
    from officina.trunks.models import OutboundPermission, PhoneNumber, Trunk

router = Router(tags=["trunks"])

ModeName = Literal[tuple(TrunkMode.values)]  # type: ignore[valid-type]
CallerIdName = Literal[tuple(CallerIdHeader.values)]  # type: ignore[valid-type]
RouteName = Literal[tuple(RouteKind.values)]  # type: ignore[valid-type]
AfterHoursName = Literal[("", *RouteKind.values)]  # type: ignore[valid-type]
ForwardWhenName = Literal[tuple(NumberForward.values)]  # type: ignore[valid-type]
ForwardKindName = Literal[("", *sorted(FORWARD_KIND_VALUES))]  # type: ignore[valid-type]


class TrunkOut(Schema):
    id: int
    name: str
    mode: str
    host: str
    port: int
    username: str
    has_password: bool
    register_seconds: int
    peer_addresses: list[str]
    caller_id_header: str
    country: str
    members_call_out: bool
    status: str
    last_response: str
    registered_until: datetime | None


class TrunkIn(BodyIn):
    name: Text = Field(max_length=NAME_MAX_LENGTH)
    mode: ModeName = "register"  # type: ignore[valid-type]
    host: Text = Field(max_length=255, description="the provider's server: a name or address")
    port: int = Field(5060, ge=1, le=65535)
    username: Text = Field("", max_length=128)
    password: Text = Field(
        "", max_length=128, description="write-only; empty on a change keeps the one set"
    )
    register_seconds: int = Field(
        REGISTER_SECONDS_DEFAULT, ge=REGISTER_SECONDS_MIN, le=REGISTER_SECONDS_MAX
    )
    peer_addresses: list[Text] = Field(
        default_factory=list,
        max_length=MAX_PEER_ADDRESSES,
        description="IP addresses the provider's calls come from",
    )
    caller_id_header: CallerIdName = "pai"  # type: ignore[valid-type]
    country: Text = Field("IT", min_length=2, max_length=2)
    members_call_out: bool = Field(
        False,
        description="a space's trunk only: its members without a company trunk call out "
        "through it, with the space's number as caller ID",
    )


class NumberOut(Schema):
    id: int
    number: str
    trunk: int
    route_kind: str
    route_target: str
    after_hours_kind: str
    after_hours_target: str
    presented: bool
    forward_when: str
    forward_seconds: int
    forward_kind: str
    forward_target: str


class NumberIn(BodyIn):
    number: Text = Field(max_length=40, description="any usual form; stored in E.164")
    trunk: int
    route_kind: RouteName  # type: ignore[valid-type]
    route_target: Text = Field(max_length=8, description="an extension or a ring group")
    after_hours_kind: AfterHoursName = ""
    after_hours_target: Text = Field("", max_length=8)
    presented: bool = Field(False, description="the caller ID of calls out through the trunk")
    forward_when: ForwardWhenName = Field(  # type: ignore[valid-type]
        "", description='"" never, "always" instead of the routes, "no_answer" after them'
    )
    forward_seconds: int = Field(
        FORWARD_SECONDS_DEFAULT, description="no_answer: how long the route rings first"
    )
    forward_kind: ForwardKindName = ""  # type: ignore[valid-type]
    forward_target: Text = Field(
        "", max_length=24, description="an extension, a ring group, or a number outside"
    )


class PermissionOut(Schema):
    member: MemberRef
    national: bool
    mobile: bool
    international: bool
    premium: bool
    satellite: bool
    daily_minutes: int
    set_by_owner: bool


class PermissionIn(BodyIn):
    national: bool = True
    mobile: bool = True
    international: bool = False
    premium: bool = False
    satellite: bool = False
    daily_minutes: int = Field(DAILY_MINUTES_DEFAULT, ge=0, le=DAILY_MINUTES_MAX)


def _owned_company(request: HttpRequest, slug: str) -> Company:
    return access_trunks_by_company_slug(signed_in_member(request), slug, to_manage=True)


def _trunk_out(trunk: Trunk) -> TrunkOut:
    return TrunkOut(
        id=trunk.pk,
        name=trunk.name,
        mode=trunk.mode,
        host=trunk.host,
        port=trunk.port,
        username=trunk.username,
        has_password=bool(trunk.password),
        register_seconds=trunk.register_seconds,
        peer_addresses=[part.strip() for part in trunk.peer_addresses.split(",") if part.strip()],
        caller_id_header=trunk.caller_id_header,
        country=trunk.country,
        members_call_out=trunk.members_call_out,
        status=trunk.status,
        last_response=trunk.last_response,
        registered_until=trunk.registered_until,
    )


def _trunk_input(payload: TrunkIn) -> TrunkInput:
    return TrunkInput(
        name=payload.name,
        host=payload.host,
        mode=payload.mode,
        port=payload.port,
        username=payload.username,
        password=payload.password,
        register_seconds=payload.register_seconds,
        peer_addresses=", ".join(payload.peer_addresses),
        caller_id_header=payload.caller_id_header,
        country=payload.country,
        members_call_out=payload.members_call_out,
    )


def _number_out(number: PhoneNumber) -> NumberOut:
    return NumberOut(
        id=number.pk,
        number=number.e164,
        trunk=number.trunk_id,
        route_kind=number.route_kind,
        route_target=number.route_target,
        after_hours_kind=number.after_hours_kind,
        after_hours_target=number.after_hours_target,
        presented=number.presented,
        forward_when=number.forward_when,
        forward_seconds=number.forward_seconds,
        forward_kind=number.forward_kind,
        forward_target=number.forward_target,
    )


def _number_input(payload: NumberIn) -> NumberInput:
    return NumberInput(
        number=payload.number,
        trunk_id=payload.trunk,
        route_kind=payload.route_kind,
        route_target=payload.route_target,
        after_hours_kind=payload.after_hours_kind,
        after_hours_target=payload.after_hours_target,
        presented=payload.presented,
        forward_when=payload.forward_when,
        forward_seconds=payload.forward_seconds,
        forward_kind=payload.forward_kind,
        forward_target=payload.forward_target,
    )


def _permission_out(member: Member, permission: OutboundPermission | None) -> PermissionOut:
    if permission is None:
        default = PermissionInput()
        return PermissionOut(
            member=member_ref(member), national=default.national, mobile=default.mobile,
            international=default.international, premium=default.premium,
            satellite=default.satellite, daily_minutes=default.daily_minutes, set_by_owner=False,
        )  # fmt: skip
    return PermissionOut(
        member=member_ref(member), national=permission.national, mobile=permission.mobile,
        international=permission.international, premium=permission.premium,
        satellite=permission.satellite, daily_minutes=permission.daily_minutes,
        set_by_owner=True,
    )  # fmt: skip


# ------------------------------------------------------------ trunks and numbers
# The same endpoints for a company (``/trunks/{company}``, its owners) and a space
# (``/space-trunks/{space}``, its managers): registered once per owner.
_SUMMARIES = {
    "company": {
        "list_trunks": _("A company's SIP trunks (the owners)"),
        "add_trunk": _("Add a SIP trunk (the owners)"),
        "change_trunk": _("Change a SIP trunk; an empty password keeps the one set (the owners)"),
        "remove_trunk": _("Remove a SIP trunk and its numbers (the owners)"),
        "list_numbers": _("A company's numbers and where they ring (the owners)"),
        "add_number": _("Add a number on one of the company's trunks (the owners)"),
        "change_number": _("Change a number and where it rings (the owners)"),
        "remove_number": _("Remove a number (the owners)"),
    },
    "space": {
        "list_trunks": _("A space's SIP trunks (its managers)"),
        "add_trunk": _("Add a SIP trunk of the space (its managers)"),
        "change_trunk": _(
            "Change a space's SIP trunk; an empty password keeps the one set (its managers)"
        ),
        "remove_trunk": _("Remove a space's SIP trunk and its numbers (its managers)"),
        "list_numbers": _("A space's numbers and where they ring (its managers)"),
        "add_number": _("Add a number on one of the space's trunks (its managers)"),
        "change_number": _("Change a space's number and where it rings (its managers)"),
        "remove_number": _("Remove a space's number (its managers)"),
    },
}


def _add_owner_routes(router: Router, owner: str) -> None:
    """The trunk and number endpoints of a company (``owner="company"``) or a space."""
    summaries = _SUMMARIES[owner]

    def operation_id(name: str) -> str | None:
        return owner_operation_id(owner, name)

    def owned(request: HttpRequest, slug: str) -> PhoneOwner:
        return access_trunk_owner_by_slug(
            signed_in_member(request), slug, owner=owner, to_manage=True
        )

    @router.get(
        "/{slug}",
        response={200: list[TrunkOut], 404: ErrorOut, **COMMON_ERRORS},
        summary=summaries["list_trunks"],
        operation_id=operation_id("list_trunks"),
    )
    def list_trunks(request: HttpRequest, slug: Text) -> list[TrunkOut]:
        return [_trunk_out(trunk) for trunk in owner_trunks(owned(request, slug))]

    @router.post(
        "/{slug}",
        response={201: TrunkOut, 404: ErrorOut, **COMMON_ERRORS},
        summary=summaries["add_trunk"],
        operation_id=operation_id("add_trunk"),
    )
    def add_trunk(request: HttpRequest, slug: Text, payload: TrunkIn) -> Status[TrunkOut]:
        trunk = check_save_trunk(owned(request, slug), _trunk_input(payload))
        return Status(201, _trunk_out(trunk))

    @router.post(
        "/{slug}/trunks/{trunk_id}",
        response={200: TrunkOut, 404: ErrorOut, **COMMON_ERRORS},
        summary=summaries["change_trunk"],
        operation_id=operation_id("change_trunk"),
    )
    def change_trunk(request: HttpRequest, slug: Text, trunk_id: int, payload: TrunkIn) -> TrunkOut:
        trunk = access_trunk_by_id(
            signed_in_member(request), slug, trunk_id, owner=owner, to_manage=True
        )
        return _trunk_out(check_save_trunk(trunk.owner, _trunk_input(payload), trunk))

    @router.delete(
        "/{slug}/trunks/{trunk_id}",
        response={204: None, 404: ErrorOut, **COMMON_ERRORS},
        summary=summaries["remove_trunk"],
        operation_id=operation_id("remove_trunk"),
    )
    def remove_trunk(request: HttpRequest, slug: Text, trunk_id: int) -> Status[None]:
        do_delete_trunk(
            access_trunk_by_id(
                signed_in_member(request), slug, trunk_id, owner=owner, to_manage=True
            )
        )
        return Status(204, None)

    @router.get(
        "/{slug}/numbers",
        response={200: list[NumberOut], 404: ErrorOut, **COMMON_ERRORS},
        summary=summaries["list_numbers"],
        operation_id=operation_id("list_numbers"),
    )
    def list_numbers(request: HttpRequest, slug: Text) -> list[NumberOut]:
        return [_number_out(number) for number in owner_numbers(owned(request, slug))]

    @router.post(
        "/{slug}/numbers",
        response={201: NumberOut, 404: ErrorOut, **COMMON_ERRORS},
        summary=summaries["add_number"],
        operation_id=operation_id("add_number"),
    )
    def add_number(request: HttpRequest, slug: Text, payload: NumberIn) -> Status[NumberOut]:
        number = check_save_number(owned(request, slug), _number_input(payload))
        return Status(201, _number_out(number))

    @router.post(
        "/{slug}/numbers/{number_id}",
        response={200: NumberOut, 404: ErrorOut, **COMMON_ERRORS},
        summary=summaries["change_number"],
        operation_id=operation_id("change_number"),
    )
    def change_number(
        request: HttpRequest, slug: Text, number_id: int, payload: NumberIn
    ) -> NumberOut:
        number = access_number_by_id(
            signed_in_member(request), slug, number_id, owner=owner, to_manage=True
        )
        return _number_out(check_save_number(number.trunk.owner, _number_input(payload), number))

    @router.delete(
        "/{slug}/numbers/{number_id}",
        response={204: None, 404: ErrorOut, **COMMON_ERRORS},
        summary=summaries["remove_number"],
        operation_id=operation_id("remove_number"),
    )
    def remove_number(request: HttpRequest, slug: Text, number_id: int) -> Status[None]:
        do_delete_number(
            access_number_by_id(
                signed_in_member(request), slug, number_id, owner=owner, to_manage=True
            )
        )
        return Status(204, None)


_add_owner_routes(router, "company")
space_router = Router(tags=["trunks"])
_add_owner_routes(space_router, "space")


# ---------------------------------------------------------------------- calls out
@router.get(
    "/{slug}/calls-out",
    response={200: list[PermissionOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("What each of the company's people may call out to (the owners)"),
)
def list_permissions(request: HttpRequest, slug: Text) -> list[PermissionOut]:
    company = _owned_company(request, slug)
    permissions = company_permissions(company)
    return [
        _permission_out(membership.member, permissions.get(membership.member_id))
        for membership in company_people(company)
    ]


@router.post(
    "/{slug}/calls-out/{member_id}",
    response={200: PermissionOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Set what one person may call out to, and their minutes a day (the owners)"),
)
def set_permission(
    request: HttpRequest, slug: Text, member_id: int, payload: PermissionIn
) -> PermissionOut:
    company = _owned_company(request, slug)
    person = next((m.member for m in company_people(company) if m.member_id == member_id), None)
    if person is None:
        raise OfficinaError(_("No such person in this company."), ErrorCode.NOT_FOUND)
    permission = check_set_permission(
        company,
        person,
        PermissionInput(
            national=payload.national, mobile=payload.mobile,
            international=payload.international, premium=payload.premium,
            satellite=payload.satellite, daily_minutes=payload.daily_minutes,
        ),
    )  # fmt: skip
    return _permission_out(person, permission)
