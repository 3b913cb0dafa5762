"""/api/me: who the token or session belongs to."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import COMMON_ERRORS, MemberRef, member_ref
from officina.api.schemas import translated_when_shown as _

router = Router(tags=["me"])


class MeOut(MemberRef):
    email: str
    language: str


@router.get("", response={200: MeOut, **COMMON_ERRORS}, summary=_("The calling member"))
def me(request: HttpRequest) -> MeOut:
    member = signed_in_member(request)
    return MeOut(
        **member_ref(member).dict(),
        email=member.email,
        language=member.language,
    )
