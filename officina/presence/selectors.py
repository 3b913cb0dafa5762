"""Who is here: reads of open sessions, cheap enough for the PBX to call on every call.

An open session whose ``planned_until`` has passed is treated as ended here,
before any clean-up closes it (see ``actions.do_close_expired_check_ins``).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from officina.accounts.models import CompanyMembership, Member, Space

from .models import ArrivalWatch, CheckIn, CheckInKind


def _current(now: datetime | None = None) -> Q:
    now = now or timezone.now()
    return Q(ended_at__isnull=True) & (Q(planned_until__isnull=True) | Q(planned_until__gt=now))


def current_check_ins(now: datetime | None = None) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(_current(now))


def present_member_ids(space: Space | None = None, *, now: datetime | None = None) -> set[int]:
    """Ids of the members checked in now (on site or remotely), in one indexed query."""
    sessions = current_check_ins(now)
    if space is not None:
        sessions = sessions.filter(space=space)
    return set(sessions.values_list("member_id", flat=True))


def is_member_present(member: Member, *, now: datetime | None = None) -> bool:
    return current_check_ins(now).filter(member=member).exists()


def current_check_in(member: Member, *, now: datetime | None = None) -> CheckIn | None:
    if not member.is_authenticated:
        return None
    return current_check_ins(now).filter(member=member).select_related("space").first()


def space_presence(space: Space, *, now: datetime | None = None) -> list[CheckIn]:
    """Open sessions of a space with each member and their main company: two queries."""
    primary = Prefetch(
        "member__company_memberships",
        queryset=CompanyMembership.objects.filter(is_primary=True).select_related("company"),
        to_attr="primary_memberships",
    )
    return list(
        current_check_ins(now)
        .filter(space=space)
        .select_related("member", "space")
        .prefetch_related(primary)
        .order_by("-started_at", "-id")
    )


def split_by_kind(check_ins: list[CheckIn]) -> tuple[list[CheckIn], list[CheckIn]]:
    on_site = [c for c in check_ins if c.kind == CheckInKind.ON_SITE]
    remote = [c for c in check_ins if c.kind == CheckInKind.REMOTE]
    return on_site, remote


def presence_counts(
    space_ids: list[int] | None = None, *, now: datetime | None = None
) -> dict[int, int]:
    sessions = current_check_ins(now)
    if space_ids is not None:
        sessions = sessions.filter(space_id__in=space_ids)
    return {
        row["space_id"]: row["count"]
        for row in sessions.values("space_id").annotate(count=Count("id"))
    }


def present_in_spaces(
    space_ids: list[int], *, limit_per_space: int = 12, now: datetime | None = None
) -> dict[int, list[CheckIn]]:
    """A few of the people present in each space, for the dashboard."""
    result: dict[int, list[CheckIn]] = {space_id: [] for space_id in space_ids}
    sessions = (
        current_check_ins(now)
        .filter(space_id__in=space_ids)
        .select_related("member", "space")
        .order_by("-started_at", "-id")
    )
    for check_in in sessions[: limit_per_space * max(len(space_ids), 1) * 4]:
        bucket = result[check_in.space_id]
        if len(bucket) < limit_per_space:
            bucket.append(check_in)
    return result


def watched_member_ids(watcher: Member) -> set[int]:
    return set(ArrivalWatch.objects.filter(watcher=watcher).values_list("member_id", flat=True))


def expired_open_check_ins(now: datetime | None = None) -> QuerySet[CheckIn]:
    now = now or timezone.now()
    return CheckIn.objects.filter(ended_at__isnull=True, planned_until__lte=now)
