"""/api/me: who the token or session belongs to."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from officina.api.schemas import COMMON_ERRORS, MemberRef, member_ref

router = Router(tags=["me"])


class MeOut(MemberRef):
    email: str
    language: str


@router.get("", response={200: MeOut, **COMMON_ERRORS}, summary="The calling member")
def me(request: HttpRequest) -> MeOut:
    member = request.user
    return MeOut(
        **member_ref(member).dict(),  # type: ignore[arg-type]
        email=member.email,  # type: ignore[union-attr]
        language=member.language,  # type: ignore[union-attr]
    )
