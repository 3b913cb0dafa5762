"""/api/spaces: spaces, who is here now, and checking in and out."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from officina.accounts.access import access_join_request_by_id, access_space_by_slug
from officina.accounts.actions import check_decide_join_request, check_join_space
from officina.accounts.selectors import all_spaces, member_space_ids, space_join_requests
from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import (
    COMMON_ERRORS,
    BodyIn,
    ErrorOut,
    JoinDecisionIn,
    JoinRequestOut,
    MemberRef,
    Text,
    member_ref,
)
from officina.api.schemas import translated_when_shown as _
from officina.presence.actions import check_check_in, check_check_out
from officina.presence.kinds import CheckInSource
from officina.presence.selectors import current_check_in, presence_counts, space_presence

if TYPE_CHECKING:
    from officina.presence.models import CheckIn

router = Router(tags=["presence"])


class SpaceOut(Schema):
    slug: str
    name: str
    kind: str
    city: str
    time_zone: str
    join_policy: str = Field(description="open, request (a manager approves) or invitation")
    is_member: bool
    present: int = Field(description="people checked in now (members of the space only)")


class PresentOut(Schema):
    member: MemberRef
    kind: str
    since: datetime
    until: datetime | None
    note: str
    desk: str = Field(description="the desk they claimed when checking in; empty if none")


class CheckInIn(BodyIn):
    until: datetime | None = Field(None, description="planned end; today's closing by default")
    note: Text = Field("", max_length=200, description="e.g. “working on the new catalogue”")
    claim_desk: bool = Field(
        False, description="also take the desk booked here for today (404 if there is none)"
    )


class CheckInOut(Schema):
    space: str
    kind: str
    since: datetime
    until: datetime | None
    ended_at: datetime | None


def _check_in_out(check_in: CheckIn) -> CheckInOut:
    return CheckInOut(
        space=check_in.space.slug,
        kind=check_in.kind,
        since=check_in.started_at,
        until=check_in.planned_until,
        ended_at=check_in.ended_at,
    )


@router.get("", response={200: list[SpaceOut], **COMMON_ERRORS}, summary=_("All spaces"))
def list_spaces(request: HttpRequest) -> list[SpaceOut]:
    member = signed_in_member(request)
    mine = member_space_ids(member)
    counts = presence_counts(member, sorted(mine))
    return [
        SpaceOut(
            slug=space.slug,
            name=space.name,
            kind=space.kind,
            city=space.city,
            time_zone=space.time_zone,
            join_policy=space.join_policy,
            is_member=space.pk in mine,
            # Who is around is for the space's own members only.
            present=counts.get(space.pk, 0),
        )
        for space in all_spaces()
    ]


@router.get(
    "/{slug}/presence",
    response={200: list[PresentOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Who is here now (members of the space only)"),
)
def who_is_here(request: HttpRequest, slug: Text) -> list[PresentOut]:
    viewer = signed_in_member(request)
    space = access_space_by_slug(viewer, slug, as_member=True)
    return [
        PresentOut(
            member=member_ref(present.check_in.member),
            kind=present.check_in.kind,
            since=present.check_in.started_at,
            until=present.check_in.planned_until,
            note=present.check_in.note,
            desk=present.desk,
        )
        for present in space_presence(viewer, space)
    ]


@router.post(
    "/{slug}/check-in",
    response={201: CheckInOut, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Check in at a space (on site, or remote in the digital space)"),
)
def check_in(request: HttpRequest, slug: Text, payload: CheckInIn) -> Status[CheckInOut]:
    member = signed_in_member(request)
    space = access_space_by_slug(member, slug, as_member=True)
    until = payload.until
    if until is not None and until.tzinfo is None:
        # "18:00" without an offset means 18:00 where the space is.
        until = until.replace(tzinfo=ZoneInfo(space.time_zone))
    session = check_check_in(
        member,
        space,
        planned_until=until,
        note=payload.note,
        source=CheckInSource.API,
        claim_desk=payload.claim_desk,
    )
    return Status(201, _check_in_out(session))


@router.post(
    "/check-out",
    response={200: CheckInOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("End the current session, wherever it is"),
)
def check_out(request: HttpRequest) -> CheckInOut:
    return _check_in_out(check_check_out(signed_in_member(request)))


@router.get(
    "/me/current",
    response={200: CheckInOut | None, **COMMON_ERRORS},
    summary=_("My open session, or null"),
)
def my_session(request: HttpRequest) -> CheckInOut | None:
    session = current_check_in(signed_in_member(request))
    return _check_in_out(session) if session else None


class JoinIn(BodyIn):
    message: Text = Field("", max_length=300, description="a word for the managers")


class JoinOut(Schema):
    joined: bool = Field(description="true: a member now; false: the request waits for a manager")


@router.post(
    "/{slug}/join",
    response={200: JoinOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Join an open space, or ask to join one on request"),
)
def join(request: HttpRequest, slug: Text, payload: JoinIn | None = None) -> JoinOut:
    member = signed_in_member(request)
    space = access_space_by_slug(member, slug)
    return JoinOut(
        joined=check_join_space(member, space, message=payload.message if payload else "")
    )


@router.get(
    "/{slug}/join-requests",
    response={200: list[JoinRequestOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Who asks to join (managers of the space only)"),
)
def join_requests(request: HttpRequest, slug: Text) -> list[JoinRequestOut]:
    space = access_space_by_slug(signed_in_member(request), slug, to_manage=True)
    return [JoinRequestOut.of(join_request) for join_request in space_join_requests(space)]


@router.post(
    "/{slug}/join-requests/{request_id}",
    response={204: None, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Approve or refuse a request to join (the requester is notified)"),
)
def decide_join_request(
    request: HttpRequest, slug: Text, request_id: int, payload: JoinDecisionIn
) -> Status[None]:
    manager = signed_in_member(request)
    space = access_space_by_slug(manager, slug, to_manage=True)
    join_request = access_join_request_by_id(manager, space, request_id)
    check_decide_join_request(manager, join_request, approve=payload.approve)
    return Status(204, None)
