"""/api/spaces: spaces, who is here now, and checking in and out."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from officina.accounts.access import access_space_by_slug
from officina.accounts.selectors import all_spaces, member_space_ids
from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import COMMON_ERRORS, BodyIn, ErrorOut, MemberRef, Text, member_ref
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
    is_member: bool
    present: int = Field(description="people checked in now (members of the space only)")


class PresentOut(Schema):
    member: MemberRef
    kind: str
    since: datetime
    until: datetime | None
    note: str


class CheckInIn(BodyIn):
    until: datetime | None = Field(None, description="planned end; today's closing by default")
    note: Text = Field("", max_length=200, description="e.g. “working on the new catalogue”")


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
    mine = member_space_ids(signed_in_member(request))
    counts = presence_counts(sorted(mine))
    return [
        SpaceOut(
            slug=space.slug,
            name=space.name,
            kind=space.kind,
            city=space.city,
            time_zone=space.time_zone,
            is_member=space.pk in mine,
            # Who is around is for the space's own members only.
            present=counts.get(space.pk, 0) if space.pk in mine else 0,
        )
        for space in all_spaces()
    ]


@router.get(
    "/{slug}/presence",
    response={200: list[PresentOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Who is here now (members of the space only)"),
)
def who_is_here(request: HttpRequest, slug: Text) -> list[PresentOut]:
    space = access_space_by_slug(signed_in_member(request), slug, as_member=True)
    return [
        PresentOut(
            member=member_ref(present.check_in.member),
            kind=present.check_in.kind,
            since=present.check_in.started_at,
            until=present.check_in.planned_until,
            note=present.check_in.note,
        )
        for present in space_presence(space)
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
