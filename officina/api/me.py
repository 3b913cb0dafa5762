"""/api/me: who the token or session belongs to."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router
from pydantic import Field

from officina.accounts.actions import check_set_presence_visibility
from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import COMMON_ERRORS, BodyIn, MemberRef, member_ref
from officina.api.schemas import translated_when_shown as _

router = Router(tags=["me"])


class MeOut(MemberRef):
    email: str
    language: str
    presence_visibility: str = Field(
        description="who sees that I am checked in: spaces, companies or nobody"
    )


class PrivacyIn(BodyIn):
    presence_visibility: Literal["spaces", "companies", "nobody"] = Field(
        description="everyone in my spaces, people of my companies only, or nobody"
    )


@router.get("", response={200: MeOut, **COMMON_ERRORS}, summary=_("The calling member"))
def me(request: HttpRequest) -> MeOut:
    member = signed_in_member(request)
    return MeOut(
        **member_ref(member).dict(),
        email=member.email,
        language=member.language,
        presence_visibility=member.presence_visibility,
    )


@router.post(
    "/privacy",
    response={200: MeOut, **COMMON_ERRORS},
    summary=_("Choose who sees that I am checked in"),
)
def set_privacy(request: HttpRequest, payload: PrivacyIn) -> MeOut:
    check_set_presence_visibility(signed_in_member(request), payload.presence_visibility)
    return me(request)
