"""Who is here: reads of open sessions, cheap enough for the PBX to call on every call.

An open session whose ``planned_until`` has passed is treated as ended here,
before any clean-up closes it (see ``actions.do_close_expired_check_ins``).

Every read that shows someone's presence takes the ``viewer`` and keeps only the
sessions that viewer may see (``shown_to``): in spaces they belong to, of members
whose choice of visibility includes them (see ``accounts.selectors``). The few
reads without a viewer say why in their name or docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from officina.accounts.kinds import PresenceVisibility
from officina.accounts.selectors import (
    presence_shown_to_q,
    presence_spaces_q,
    primary_company_names,
    visible_members_q,
)
from officina.bookings.selectors import claimed_desk_names

from .kinds import CheckInKind
from .models import ArrivalWatch, CheckIn

if TYPE_CHECKING:
    from officina.accounts.models import Member, Space


def _current(now: datetime | None = None) -> Q:
    now = now or timezone.now()
    return Q(ended_at__isnull=True) & (Q(planned_until__isnull=True) | Q(planned_until__gt=now))


def current_check_ins(now: datetime | None = None) -> QuerySet[CheckIn]:
    """Every open session, whoever may see it: for the rules of check-in (capacity, one
    session each) and clean-up, never for showing people."""
    return CheckIn.objects.filter(_current(now))


def shown_to(viewer: Member) -> Q:
    """Sessions ``viewer`` may see: in their spaces, of members who let them see it."""
    return presence_spaces_q(viewer) & presence_shown_to_q(viewer, "member")


def current_check_ins_shown_to(viewer: Member, now: datetime | None = None) -> QuerySet[CheckIn]:
    return current_check_ins(now).filter(shown_to(viewer))


def present_member_ids(
    viewer: Member, space: Space | None = None, *, now: datetime | None = None
) -> set[int]:
    """Ids of the members checked in now (on site or remotely) whom ``viewer`` may see."""
    sessions = current_check_ins_shown_to(viewer, now)
    if space is not None:
        sessions = sessions.filter(space=space)
    return set(sessions.values_list("member_id", flat=True))


def present_member_ids_at_kiosk(space: Space, *, now: datetime | None = None) -> set[int]:
    """Who the tablet at the door may show as here: anyone in the hall can read it, so
    only members who show their presence to everyone in the space."""
    return set(
        current_check_ins(now)
        .filter(space=space, member__presence_visibility=PresenceVisibility.SPACES)
        .filter(visible_members_q("member"))
        .values_list("member_id", flat=True)
    )


def is_member_present(member: Member, *, now: datetime | None = None) -> bool:
    """Whether the member is checked in anywhere: for routing calls to them, which shows
    nobody where they are; pages use the viewer's reads above."""
    return current_check_ins(now).filter(member=member).exists()


def present_member_ids_for_routing(*, now: datetime | None = None) -> dict[int, set[int]]:
    """space id → ids of the members checked in there now, for ringing whoever is here:
    a call that rings them tells nobody where they are, so no viewer's choice applies;
    pages use the viewer's reads above."""
    present: dict[int, set[int]] = {}
    for space_id, member_id in current_check_ins(now).values_list("space_id", "member_id"):
        present.setdefault(space_id, set()).add(member_id)
    return present


def current_check_in(member: Member, *, now: datetime | None = None) -> CheckIn | None:
    if not member.is_authenticated:
        return None
    return current_check_ins(now).filter(member=member).select_related("space").first()


@dataclass
class PresentMember:
    """A session on the who's-here page, with the member's main company name and the
    desk they claimed (bookings), if any."""

    check_in: CheckIn
    company_name: str
    desk: str = ""


def space_presence(
    viewer: Member, space: Space, *, now: datetime | None = None
) -> list[PresentMember]:
    """Open sessions of a space that ``viewer`` may see, with each member, their main
    company and the desk they claimed: three queries (the rules are subqueries of the
    first; desks are asked for the people shown only).

    Hot page: only the member columns the page shows are loaded, the space is the one
    we already hold, and company names come as plain values.
    """
    check_ins = list(
        current_check_ins_shown_to(viewer, now)
        .filter(space=space)
        .select_related("member")
        .only(
            "id",
            "kind",
            "note",
            "started_at",
            "planned_until",
            "space_id",
            "member_id",
            "member__id",
            "member__first_name",
            "member__last_name",
            "member__email",
        )
        .order_by("-started_at", "-id")
    )
    member_ids = [c.member_id for c in check_ins]
    companies = primary_company_names(member_ids)
    desks = claimed_desk_names(space, member_ids, now=now) if member_ids else {}
    for check_in in check_ins:
        check_in.space = space
    return [
        PresentMember(c, companies.get(c.member_id, ""), desks.get(c.member_id, ""))
        for c in check_ins
    ]


def split_by_kind(people: list[PresentMember]) -> tuple[list[PresentMember], list[PresentMember]]:
    on_site = [p for p in people if p.check_in.kind == CheckInKind.ON_SITE]
    remote = [p for p in people if p.check_in.kind == CheckInKind.REMOTE]
    return on_site, remote


def presence_counts(
    viewer: Member, space_ids: list[int] | None = None, *, now: datetime | None = None
) -> dict[int, int]:
    """space id → how many people ``viewer`` sees there now (nothing for spaces they do not
    belong to)."""
    sessions = current_check_ins_shown_to(viewer, now)
    if space_ids is not None:
        sessions = sessions.filter(space_id__in=space_ids)
    return {
        row["space_id"]: row["count"]
        for row in sessions.values("space_id").annotate(count=Count("id"))
    }


def present_in_spaces(
    viewer: Member,
    space_ids: list[int],
    *,
    limit_per_space: int = 12,
    now: datetime | None = None,
) -> dict[int, list[CheckIn]]:
    """A few of the people ``viewer`` sees present in each of their spaces, for the
    dashboard.

    One small LIMIT query per space: a member belongs to a handful of spaces, and this
    reads a dozen rows each instead of every open session.
    """
    result: dict[int, list[CheckIn]] = {}
    for space_id in space_ids:
        result[space_id] = list(
            current_check_ins_shown_to(viewer, now)
            .filter(space_id=space_id)
            .select_related("member")
            .only(
                "id",
                "note",
                "kind",
                "started_at",
                "space_id",
                "member_id",
                "member__id",
                "member__first_name",
                "member__last_name",
                "member__email",
            )
            .order_by("-started_at", "-id")[:limit_per_space]
        )
    return result


def watched_member_ids(watcher: Member) -> set[int]:
    return set(ArrivalWatch.objects.filter(watcher=watcher).values_list("member_id", flat=True))


def expired_open_check_ins(now: datetime | None = None) -> QuerySet[CheckIn]:
    now = now or timezone.now()
    return CheckIn.objects.filter(ended_at__isnull=True, planned_until__lte=now)
