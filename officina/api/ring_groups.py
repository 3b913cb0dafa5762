"""/api/ring-groups/{company}: a company's ring groups; its owners set them up, each
person listed says whether the group's calls ring them (do not disturb otherwise).
/api/space-ring-groups/{space}: a space's ring groups, for its managers; a member of the
space listed in one says whether its calls ring them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

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
from officina.ringgroups.access import (
    access_own_place_by_id,
    access_ring_group_by_id,
    access_ring_group_owner_by_slug,
)
from officina.ringgroups.actions import (
    RingGroupInput,
    check_delete_ring_group,
    check_save_ring_group,
    check_set_availability,
)
from officina.ringgroups.kinds import (
    MAX_LISTED_MEMBERS,
    NAME_MAX_LENGTH,
    NUMBER_MAX_DIGITS,
    RING_SECONDS_DEFAULT,
    RING_SECONDS_MAX,
    RING_SECONDS_MIN,
    RingStrategy,
    RingTargets,
)
from officina.ringgroups.selectors import owner_ring_groups, ring_group_of_owner

if TYPE_CHECKING:
    from officina.ringgroups.models import RingGroup

router = Router(tags=["ring groups"])

StrategyName = Literal[tuple(RingStrategy.values)]  # type: ignore[valid-type]
TargetsName = Literal[tuple(RingTargets.values)]  # type: ignore[valid-type]


class PlaceOut(Schema):
    member: MemberRef
    position: int
    available: bool


class RingGroupOut(Schema):
    id: int
    name: str
    number: str
    strategy: str
    targets: str
    ring_seconds: int
    members: list[PlaceOut]


class RingGroupIn(BodyIn):
    name: Text = Field(max_length=NAME_MAX_LENGTH)
    number: Text = Field(
        max_length=NUMBER_MAX_DIGITS, description="digits, dialled like an extension"
    )
    strategy: StrategyName = "ring_all"  # type: ignore[valid-type]
    targets: TargetsName = "listed"  # type: ignore[valid-type]
    ring_seconds: int = Field(RING_SECONDS_DEFAULT, ge=RING_SECONDS_MIN, le=RING_SECONDS_MAX)
    members: list[int] = Field(
        default_factory=list,
        max_length=MAX_LISTED_MEMBERS,
        description="member ids, in ringing order",
    )


class AvailabilityIn(BodyIn):
    available: bool


def _group_out(group: RingGroup) -> RingGroupOut:
    return RingGroupOut(
        id=group.pk,
        name=group.name,
        number=group.number,
        strategy=group.strategy,
        targets=group.targets,
        ring_seconds=group.ring_seconds,
        members=[
            PlaceOut(
                member=member_ref(place.member), position=place.position, available=place.available
            )
            for place in group.members.all()
        ],
    )


def _group_input(payload: RingGroupIn) -> RingGroupInput:
    return RingGroupInput(
        name=payload.name,
        number=payload.number,
        strategy=payload.strategy,
        targets=payload.targets,
        ring_seconds=payload.ring_seconds,
        member_ids=payload.members,
    )


# The same endpoints for a company (``/ring-groups/{company}``: its people read, its
# owners change) and a space (``/space-ring-groups/{space}``: its managers): registered
# once per owner.
_SUMMARIES = {
    "company": {
        "list_ring_groups": _("A company's ring groups"),
        "add_ring_group": _("Make a ring group (the company's owners)"),
        "set_availability": _("Say whether the group's calls ring me (false: do not disturb)"),
        "change_ring_group": _(
            "Change a ring group: every setting and the people, in order (the owners)"
        ),
        "remove_ring_group": _("Remove a ring group (the owners)"),
    },
    "space": {
        "list_ring_groups": _("A space's ring groups (its managers)"),
        "add_ring_group": _("Make a ring group of the space's members (its managers)"),
        "set_availability": _(
            "Say whether a space group's calls ring me (false: do not disturb; its members in it)"
        ),
        "change_ring_group": _(
            "Change a space's ring group: every setting and the members, in order (its managers)"
        ),
        "remove_ring_group": _("Remove a space's ring group (its managers)"),
    },
}


def _add_owner_routes(router: Router, owner: str) -> None:
    """The ring group endpoints of a company (``owner="company"``) or a space."""
    summaries = _SUMMARIES[owner]

    def operation_id(name: str) -> str | None:
        return owner_operation_id(owner, name)

    @router.get(
        "/{slug}",
        response={200: list[RingGroupOut], 404: ErrorOut, **COMMON_ERRORS},
        summary=summaries["list_ring_groups"],
        operation_id=operation_id("list_ring_groups"),
    )
    def list_ring_groups(request: HttpRequest, slug: Text) -> list[RingGroupOut]:
        found = access_ring_group_owner_by_slug(signed_in_member(request), slug, owner=owner)
        return [_group_out(group) for group in owner_ring_groups(found)]

    @router.post(
        "/{slug}",
        response={201: RingGroupOut, 404: ErrorOut, **COMMON_ERRORS},
        summary=summaries["add_ring_group"],
        operation_id=operation_id("add_ring_group"),
    )
    def add_ring_group(
        request: HttpRequest, slug: Text, payload: RingGroupIn
    ) -> Status[RingGroupOut]:
        found = access_ring_group_owner_by_slug(
            signed_in_member(request), slug, owner=owner, to_manage=True
        )
        group = check_save_ring_group(found, _group_input(payload))
        saved = ring_group_of_owner(found, group.pk)
        assert saved is not None
        return Status(201, _group_out(saved))

    @router.post(
        "/{slug}/{group_id}/availability",
        response={200: RingGroupOut, 404: ErrorOut, **COMMON_ERRORS},
        summary=summaries["set_availability"],
        operation_id=operation_id("set_availability"),
    )
    def set_availability(
        request: HttpRequest, slug: Text, group_id: int, payload: AvailabilityIn
    ) -> RingGroupOut:
        member = signed_in_member(request)
        group = access_own_place_by_id(member, slug, group_id, owner=owner)
        check_set_availability(member, group, available=payload.available)
        return _group_out(access_own_place_by_id(member, slug, group_id, owner=owner))

    @router.post(
        "/{slug}/{group_id}",
        response={200: RingGroupOut, 404: ErrorOut, **COMMON_ERRORS},
        summary=summaries["change_ring_group"],
        operation_id=operation_id("change_ring_group"),
    )
    def change_ring_group(
        request: HttpRequest, slug: Text, group_id: int, payload: RingGroupIn
    ) -> RingGroupOut:
        member = signed_in_member(request)
        group = access_ring_group_by_id(member, slug, group_id, owner=owner, to_manage=True)
        check_save_ring_group(group.owner, _group_input(payload), group)
        return _group_out(access_ring_group_by_id(member, slug, group_id, owner=owner))

    @router.delete(
        "/{slug}/{group_id}",
        response={204: None, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
        summary=summaries["remove_ring_group"],
        operation_id=operation_id("remove_ring_group"),
    )
    def remove_ring_group(request: HttpRequest, slug: Text, group_id: int) -> Status[None]:
        group = access_ring_group_by_id(
            signed_in_member(request), slug, group_id, owner=owner, to_manage=True
        )
        check_delete_ring_group(group, seen_by=group.owner)
        return Status(204, None)


_add_owner_routes(router, "company")
space_router = Router(tags=["ring groups"])
_add_owner_routes(space_router, "space")
