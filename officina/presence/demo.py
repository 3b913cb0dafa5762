"""Demo presence: people in both spaces right now, remote sessions, two weeks of history.

Who is here depends on the hour: ``refresh`` (each ``officina demo`` on a loaded demo,
so each start of ``scripts/run``) ends the sessions left from before and checks people
in again as the spaces' local time says: desks busy in working hours on weekdays,
empty at night and at weekends, a few night owls in the digital space.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from officina.accounts.demo import DEMO_EMAIL
from officina.accounts.selectors import (
    all_spaces,
    companies_directory,
    find_member_by_email,
    space_members,
)
from officina.core.demo import DemoContext

from .actions import (
    PastSession,
    check_check_in,
    check_check_out,
    check_record_past_sessions,
    check_watch_arrival,
    do_close_expired_check_ins,
)
from .kinds import CheckInSource
from .selectors import current_check_ins

if TYPE_CHECKING:
    from officina.accounts.models import Member, Space

# When a physical space has people at its desks (local time, Monday to Friday).
OPENS, CLOSES = time(8, 30), time(19, 30)
# Share of a space's members checked in now: in working hours, and outside them.
PRESENT_SHARE = {"navigli": (0.35, 0.0), "san-salvario": (0.3, 0.0), "digital": (0.15, 0.02)}

REMOTE_NOTES = [
    "coworking remotely on the {client} website",
    "sul preventivo per {client}",
    "revisione del bilancio di {client}",
    "call con {client} alle 15",
    "scrivo la proposta per {client}",
    "nuovo logo per {client}",
    "testing the {client} app",
    "traduzione del catalogo {client}",
]
ON_SITE_NOTES = [
    "",
    "",
    "",
    "sala riunioni B dalle 11",
    "al tavolo vicino alla finestra",
    "in cabina per una call",
]


def populate(context: DemoContext) -> None:
    rng = context.random
    now = timezone.now()
    spaces = {space.slug: space for space in all_spaces()}
    by_space: dict[int, list[Member]] = {
        space.pk: list(space_members(space).order_by("pk")) for space in spaces.values()
    }
    clients = list(companies_directory().values_list("name", flat=True)[:40]) or ["Rossi"]
    demo = find_member_by_email(DEMO_EMAIL)

    # History: the last two weeks of closed sessions, for the admin and the reports;
    # nobody is in two places on one day.
    history: list[PastSession] = []
    for days_ago in range(14, 0, -1):
        day = now - timedelta(days=days_ago)
        if day.weekday() >= 5:
            continue
        busy: set[int] = set()
        for slug in ("navigli", "san-salvario", "digital"):
            space = spaces.get(slug)
            if space is None:
                continue
            people = by_space.get(space.pk, [])
            for member in rng.sample(people, min(len(people), rng.randint(8, 20))):
                if member.pk in busy:
                    continue
                busy.add(member.pk)
                start = day.replace(hour=8, minute=0) + timedelta(minutes=rng.randint(0, 150))
                end = start + timedelta(minutes=rng.randint(90, 540))
                history.append(PastSession(member, space, start, end))
    check_record_past_sessions(history, now=now)

    present = check_in_people_now(context, now, spaces, by_space, demo, clients)
    navigli = spaces.get("navigli")
    if demo is not None and navigli is not None:
        absent = [m for m in by_space[navigli.pk] if m.pk not in present and m != demo]
        for member in rng.sample(absent, min(2, len(absent))):
            check_watch_arrival(demo, member)


def _working_hours(space: Space, now: datetime) -> bool:
    local = now.astimezone(space.zone)
    return local.weekday() < 5 and OPENS <= local.time() < CLOSES


def check_in_people_now(
    context: DemoContext,
    now: datetime,
    spaces: dict[str, Space],
    by_space: dict[int, list[Member]],
    demo: Member | None,
    clients: list[str],
) -> set[int]:
    """Check people in as the hour in each space allows; the ids of those checked in."""
    rng = context.random
    present: set[int] = set()
    for slug, (day_share, night_share) in PRESENT_SHARE.items():
        space = spaces.get(slug)
        if space is None:
            continue
        open_now = _working_hours(space, now)
        people = [m for m in by_space.get(space.pk, []) if m.pk not in present and m != demo]
        count = int(len(people) * (day_share if open_now else night_share))
        if space.capacity is not None and not space.is_remote:
            # A big community does not fit its desks: leave a quarter of them free, so
            # that whoever logs in to the demo can still check in.
            count = min(count, space.capacity * 3 // 4)
        local = now.astimezone(space.zone)
        opened = datetime.combine(local.date(), OPENS, tzinfo=space.zone)
        closes = datetime.combine(local.date(), CLOSES, tzinfo=space.zone)
        for member in rng.sample(people, count):
            present.add(member.pk)
            remote = space.is_remote
            note = (
                rng.choice(REMOTE_NOTES).format(client=rng.choice(clients))
                if remote
                else rng.choice(ON_SITE_NOTES)
            )
            arrived = now - timedelta(minutes=rng.randint(10, 300))
            until = now + timedelta(minutes=rng.randint(60, 420))
            if not remote:
                # Nobody arrived before the doors opened or stays after they close.
                arrived = max(arrived, min(opened, now - timedelta(minutes=5)))
                until = min(until, closes)
            check_check_in(
                member,
                space,
                planned_until=until,
                note=note,
                source=CheckInSource.WEB
                if remote
                else rng.choice([CheckInSource.WEB, CheckInSource.KIOSK]),
                now=arrived,
            )
    return present


def refresh(context: DemoContext) -> None:
    """Who is here now, as of this hour, instead of as of when the demo was loaded."""
    now = timezone.now()
    demo = find_member_by_email(DEMO_EMAIL)
    do_close_expired_check_ins(now)
    for check_in in current_check_ins(now).exclude(member=demo).select_related("member"):
        check_check_out(check_in.member, now=now)
    spaces = {space.slug: space for space in all_spaces()}
    by_space: dict[int, list[Member]] = {
        space.pk: list(space_members(space).order_by("pk")) for space in spaces.values()
    }
    clients = list(companies_directory().values_list("name", flat=True)[:40]) or ["Rossi"]
    check_in_people_now(context, now, spaces, by_space, demo, clients)
