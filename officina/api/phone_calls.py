"""/api/phone/calls: click-to-call. The PBX rings your own phones, and once you answer
puts you through to the number you gave, as a call of your extension (the call-out rules
of your company apply, and it is in your call history). Then follow the call by asking
for its state, and end it (cancelled while a phone rings, hung up once answered)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from officina.accounts.signed_in import signed_in_member, signed_in_member_of
from officina.api.schemas import COMMON_ERRORS, BodyIn, ErrorOut, Text
from officina.api.schemas import translated_when_shown as _
from officina.pbx.call_requests import CallState
from officina.pbx.click_to_call import (
    NAME_MAX_LENGTH,
    check_call_progress,
    check_click_to_call,
    check_end_call,
    check_throttle,
    state_message,
)

router = Router(tags=["phone"])

StateName = Literal[tuple(str(state) for state in CallState)]  # type: ignore[valid-type]


class CallIn(BodyIn):
    target: Text = Field(
        max_length=40,
        description="an extension, a ring group, or a telephone number (+ in front for abroad)",
        examples=["202", "+390212345678"],
    )
    name: Text = Field("", max_length=NAME_MAX_LENGTH, description="whom you call, as shown")


class PlacedCallOut(Schema):
    ticket: str = Field(description="the call's name, to ask for its state")
    state: StateName  # type: ignore[valid-type]
    message: str


class CallStateOut(Schema):
    state: StateName  # type: ignore[valid-type]
    message: str
    final: bool = Field(description="the call is over, or was never made: no need to ask again")


@router.post(
    "",
    response={
        201: PlacedCallOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        429: ErrorOut,
        **COMMON_ERRORS,
    },
    summary=_("Call someone from your own phone"),
    description=_(
        "Your registered phones ring; the first you answer is put through to the target. "
        "403: your company does not let you call that number out; 404: you have no "
        "extension; 409: none of your phones is connected, or the phone system is not "
        "answering; 429: too many calls asked for in a minute."
    ),
)
def place_call(request: HttpRequest, payload: CallIn) -> Status[PlacedCallOut]:
    member = signed_in_member(request)
    check_throttle(request)
    placed = check_click_to_call(member, payload.target, payload.name)
    message = state_message(placed.state, payload.name)
    return Status(201, PlacedCallOut(ticket=placed.ticket, state=placed.state, message=message))


# A call's state, or why not: not yours (404), the phone system not answering (409).
STATE_ANSWERS = {200: CallStateOut, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS}


def state_out(state: CallState, name: str) -> CallStateOut:
    return CallStateOut(state=state, message=state_message(state, name[:60]), final=state.final)


@router.get(
    "/{ticket}",
    response=STATE_ANSWERS,
    summary=_("How your call is going"),
    description=_(
        "Answers as soon as the call's state is no longer `known` (or after 25 seconds "
        "with the same state): ask again until `final`."
    ),
)
async def call_progress(
    request: HttpRequest,
    ticket: Text,
    known: StateName = "ringing",  # type: ignore[valid-type]
    name: Text = "",
) -> CallStateOut:
    member = signed_in_member_of(request.auth)  # type: ignore[attr-defined]
    return state_out(await check_call_progress(member, ticket, known), name)


@router.delete(
    "/{ticket}",
    response=STATE_ANSWERS,
    summary=_("End your call"),
    description=_(
        "While your phones, or the target, still ring, the ringing phones are cancelled "
        "and the state is `cancelled`; once answered, both phones are hung up and the "
        "state is `hung-up`. A call already over keeps its state. 404: no such call of "
        "yours (or one over for more than a minute); 409: the phone system is not "
        "answering."
    ),
)
async def end_call(request: HttpRequest, ticket: Text, name: Text = "") -> CallStateOut:
    member = signed_in_member_of(request.auth)  # type: ignore[attr-defined]
    return state_out(await check_end_call(member, ticket), name)
