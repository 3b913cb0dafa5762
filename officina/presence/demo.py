"""Demo presence: people in both spaces right now, remote sessions, two weeks of history."""

from __future__ import annotations

from datetime import timedelta
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
    check_record_past_sessions,
    check_watch_arrival,
)
from .kinds import CheckInSource

if TYPE_CHECKING:
    from officina.accounts.models import Member

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

    # Now: people in both spaces, and remote sessions in the digital one.
    present: set[int] = set()
    plan = [("navigli", 0.35), ("san-salvario", 0.3), ("digital", 0.15)]
    for slug, share in plan:
        space = spaces.get(slug)
        if space is None:
            continue
        people = [m for m in by_space.get(space.pk, []) if m.pk not in present and m != demo]
        count = int(len(people) * share)
        if space.capacity is not None and not space.is_remote:
            # A big community does not fit its desks: leave a quarter of them free, so
            # that whoever logs in to the demo can still check in.
            count = min(count, space.capacity * 3 // 4)
        for member in rng.sample(people, count):
            present.add(member.pk)
            remote = space.is_remote
            note = (
                rng.choice(REMOTE_NOTES).format(client=rng.choice(clients))
                if remote
                else rng.choice(ON_SITE_NOTES)
            )
            check_check_in(
                member,
                space,
                planned_until=now + timedelta(minutes=rng.randint(60, 420)),
                note=note,
                source=CheckInSource.WEB
                if remote
                else rng.choice([CheckInSource.WEB, CheckInSource.KIOSK]),
                now=now - timedelta(minutes=rng.randint(10, 300)),
            )

    navigli = spaces.get("navigli")
    if demo is not None and navigli is not None:
        absent = [m for m in by_space[navigli.pk] if m.pk not in present and m != demo]
        for member in rng.sample(absent, min(2, len(absent))):
            check_watch_arrival(demo, member)
