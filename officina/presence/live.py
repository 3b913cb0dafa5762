"""Live "who's here": one Channels group per space; arrivals and departures are pushed to it.

Payloads carry data, not HTML: each page renders them in its own language. Each
group message names the member it is about; the consumer of each listener decides,
by the same rule as the pages (``selectors.shown_to``), whether that listener hears it.
A member who changes who may see them is sent again as a "presence" of their open
session, so that pages which may no longer show them drop them.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.urls import NoReverseMatch, reverse

from .models import CheckIn

if TYPE_CHECKING:
    from officina.accounts.models import Member


def space_group(space_id: int) -> str:
    return f"presence.space.{space_id}"


_PLACEHOLDER_ID = 987654321


@cache
def _profile_url_pattern() -> str:
    """The profile URL with a placeholder id: one reverse() per process, not per person."""
    try:
        return reverse("social:profile", args=[_PLACEHOLDER_ID])
    except NoReverseMatch:
        return ""


def _profile_url(member_id: int) -> str:
    return _profile_url_pattern().replace(str(_PLACEHOLDER_ID), str(member_id))


def member_payload(check_in: CheckIn, company_name: str = "", desk: str = "") -> dict[str, Any]:
    member: Member = check_in.member
    until = check_in.planned_until
    if until is not None and until.astimezone(check_in.space.zone).strftime("%H:%M") == "00:00":
        until = None  # the default end of the space's day says nothing worth showing
    return {
        "id": member.pk,
        "name": member.display_name,
        "initials": member.initials,
        "company": company_name,
        # The desk they claimed when checking in (bookings), so others find where they sit.
        "desk": desk,
        "kind": check_in.kind,
        "note": check_in.note,
        # Moments, not texts: each page writes them in its reader's language and clock
        # (the |clock filter, web/moments.js), as one push reaches readers of both.
        "since_at": check_in.started_at.isoformat(),
        "until_at": until.isoformat() if until else "",
        # The page drops the person by itself when this passes, clean-up or not.
        "ends_at": check_in.planned_until.isoformat() if check_in.planned_until else "",
        "profile_url": _profile_url(member.pk),
    }


def _send(space_id: int, member_id: int, arrival: dict[str, Any] | None) -> None:
    """``arrival`` is the member's session as pages show it, None when they left."""
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        space_group(space_id),
        {"type": "presence.event", "member_id": member_id, "arrival": arrival},
    )


def broadcast_arrival(check_in: CheckIn, company_name: str = "", desk: str = "") -> None:
    """Also for a session already announced whose audience changed (visibility), or
    whose member took their desk."""
    _send(check_in.space_id, check_in.member_id, member_payload(check_in, company_name, desk))


def broadcast_departure(space_id: int, member_id: int) -> None:
    _send(space_id, member_id, None)


def broadcast_on_call(member_id: int, on_call: bool) -> None:
    """The member's phone went on a call or off it: told to the spaces where they are
    checked in (each listener's consumer applies the member's visibility)."""
    layer = get_channel_layer()
    if layer is None:
        return
    spaces = CheckIn.objects.filter(member_id=member_id, ended_at__isnull=True).values_list(
        "space_id", flat=True
    )
    for space_id in set(spaces):
        async_to_sync(layer.group_send)(
            space_group(space_id),
            {"type": "presence.phone", "member_id": member_id, "on_call": on_call},
        )
