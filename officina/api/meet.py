"""People to meet, here today, and double opt-in introductions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router, Schema, Status
from pydantic import Field

from officina.accounts.selectors import visible_member_by_id
from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import (
    COMMON_ERRORS,
    BodyIn,
    ErrorOut,
    MemberRef,
    SpaceRef,
    member_ref,
)
from officina.api.schemas import translated_when_shown as _
from officina.core.errors import ErrorCode, OfficinaError
from officina.matchmaking.access import access_introduction_by_id
from officina.matchmaking.actions import (
    check_answer_introduction,
    check_ask_introduction,
    check_decline_suggestion,
    do_record_shown,
)
from officina.matchmaking.cards import PersonCard, introduction_cards, suggestion_cards
from officina.matchmaking.kinds import IntroductionStatus
from officina.matchmaking.people import here_today, introductions_of, people_to_meet

if TYPE_CHECKING:
    from officina.matchmaking.models import Introduction

people_router = Router(tags=["people to meet"])
introductions_router = Router(tags=["people to meet"])


class ReasonOut(Schema):
    kind: Literal["offers", "knows", "answered", "shared_work", "shared_interest"] = Field(
        description="complementary: offers, knows (giver gives the skill the other needs), "
        "answered (giver answered count of the other's questions); "
        "similar: shared_work, shared_interest"
    )
    text: str = Field(description="the reason in the reader's language, from their side")
    skill_id: int | None
    tag: str | None = Field(
        default=None, description="a free tag instead of a skill: its text as the member wrote it"
    )
    giver_id: int | None = Field(description="who gives, or who answered")
    count: int


class PersonOut(Schema):
    member: MemberRef
    complementary: bool
    similar: bool
    score: float | None = Field(description="reciprocal score (harmonic mean of both sides)")
    reasons: list[ReasonOut]


class HereTodayOut(Schema):
    space: SpaceRef | None = Field(description="where the reader is checked in; null: nowhere")
    remote: bool
    people: list[PersonOut]


class IntroductionOut(Schema):
    id: int
    member: MemberRef = Field(description="the other member")
    asked_by_me: bool
    status: Literal["pending", "accepted"] = Field(
        description="a request the other declined stays pending to the one who asked"
    )
    reasons: list[ReasonOut]
    conversation_id: int | None
    meet_space: SpaceRef | None = Field(description="suggested place, when there is one")
    meet_at: datetime | None = Field(description="suggested time, when there is one")


class IntroductionsOut(Schema):
    requests: list[IntroductionOut] = Field(description="waiting for the reader's answer")
    asked: list[IntroductionOut] = Field(description="the reader asked; not yet accepted")
    introduced: list[IntroductionOut]


class IntroductionIn(BodyIn):
    member_id: int = Field(ge=1, le=2**63 - 1)


def _reasons_out(card: PersonCard) -> list[ReasonOut]:
    return [
        ReasonOut(
            kind=reason.kind.value,
            text=text,
            skill_id=reason.skill_id,
            tag=reason.tag or None,
            giver_id=reason.giver_id,
            count=reason.count,
        )
        for reason, text in zip(card.data, card.reasons, strict=True)
    ]


def _person_out(card: PersonCard) -> PersonOut:
    return PersonOut(
        member=member_ref(card.member),
        complementary=card.complementary,
        similar=card.similar,
        score=card.score,
        reasons=_reasons_out(card),
    )


def _introduction_out(viewer_id: int, card: PersonCard) -> IntroductionOut:
    row = card.introduction
    assert row is not None
    space = row.meet_space
    return IntroductionOut(
        id=row.pk,
        member=member_ref(card.member),
        asked_by_me=row.asked_by_id == viewer_id,
        status="accepted" if row.status == IntroductionStatus.ACCEPTED else "pending",
        reasons=_reasons_out(card),
        conversation_id=row.conversation_id,
        meet_space=SpaceRef(slug=space.slug, name=space.name) if space else None,
        meet_at=row.meet_at,
    )


def _one(viewer_id: int, row: Introduction) -> IntroductionOut:
    return _introduction_out(viewer_id, introduction_cards_of(viewer_id, row))


def introduction_cards_of(viewer_id: int, row: Introduction) -> PersonCard:
    viewer = row.asked_by if row.asked_by_id == viewer_id else row.asked_of
    (card,) = introduction_cards(viewer, [row])
    return card


@people_router.get(
    "",
    response={200: list[PersonOut], **COMMON_ERRORS},
    summary=_("People to meet, best first, each with reasons (reciprocal, exposure-damped)"),
)
def list_people(request: HttpRequest) -> list[PersonOut]:
    viewer = signed_in_member(request)
    suggestions = people_to_meet(viewer)
    do_record_shown(viewer, [each.member.pk for each in suggestions])
    return [_person_out(card) for card in suggestion_cards(viewer, suggestions)]


@people_router.get(
    "/here-today",
    response={200: HereTodayOut, **COMMON_ERRORS},
    summary=_("People to meet among those checked in where the reader is now"),
)
def list_here_today(request: HttpRequest) -> HereTodayOut:
    viewer = signed_in_member(request)
    today = here_today(viewer)
    if today is None:
        return HereTodayOut(space=None, remote=False, people=[])
    return HereTodayOut(
        space=SpaceRef(slug=today.space.slug, name=today.space.name),
        remote=today.remote,
        people=[_person_out(card) for card in suggestion_cards(viewer, today.suggestions)],
    )


@people_router.post(
    "/{member_id}/decline",
    response={204: None, 400: ErrorOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Not now: neither is suggested to the other again (the other is not told)"),
)
def decline_person(request: HttpRequest, member_id: int) -> Status[None]:
    viewer = signed_in_member(request)
    other = visible_member_by_id(member_id)
    if other is None:
        raise OfficinaError(gettext("Member not found."), ErrorCode.NOT_FOUND)
    check_decline_suggestion(viewer, other)
    return Status(204, None)


@introductions_router.get(
    "", response={200: IntroductionsOut, **COMMON_ERRORS}, summary=_("The reader's introductions")
)
def list_introductions(request: HttpRequest) -> IntroductionsOut:
    viewer = signed_in_member(request)
    rows = introductions_of(viewer)
    return IntroductionsOut(
        requests=[
            _introduction_out(viewer.pk, c) for c in introduction_cards(viewer, rows.requests)
        ],
        asked=[_introduction_out(viewer.pk, c) for c in introduction_cards(viewer, rows.asked)],
        introduced=[
            _introduction_out(viewer.pk, c) for c in introduction_cards(viewer, rows.introduced)
        ],
    )


@introductions_router.post(
    "",
    response={201: IntroductionOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Ask to meet a member; if they had asked you, you are introduced at once"),
)
def ask_introduction(request: HttpRequest, payload: IntroductionIn) -> Status[IntroductionOut]:
    viewer = signed_in_member(request)
    other = visible_member_by_id(payload.member_id)
    if other is None:
        raise OfficinaError(gettext("Member not found."), ErrorCode.NOT_FOUND)
    introduction = check_ask_introduction(viewer, other)
    return Status(201, _one(viewer.pk, introduction))


@introductions_router.post(
    "/{introduction_id}/accept",
    response={200: IntroductionOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Accept a request (the member asked only): a conversation with both opens"),
)
def accept_introduction(request: HttpRequest, introduction_id: int) -> IntroductionOut:
    viewer = signed_in_member(request)
    introduction = access_introduction_by_id(viewer, introduction_id)
    accepted = check_answer_introduction(viewer, introduction, accept=True)
    return _one(viewer.pk, accepted)


@introductions_router.post(
    "/{introduction_id}/decline",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Decline a request, quietly (the member asked only)"),
)
def decline_introduction(request: HttpRequest, introduction_id: int) -> Status[None]:
    viewer = signed_in_member(request)
    introduction = access_introduction_by_id(viewer, introduction_id)
    check_answer_introduction(viewer, introduction, accept=False)
    return Status(204, None)
