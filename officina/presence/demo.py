"""Demo presence: people in both spaces right now, remote sessions, two weeks of history."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from officina.accounts.models import Member, Space, SpaceMembership
from officina.core.demo import DemoContext

from .models import ArrivalWatch, CheckIn, CheckInKind, CheckInSource

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
    spaces = {space.slug: space for space in Space.objects.all()}
    by_space: dict[int, list[int]] = {}
    for member_id, space_id in SpaceMembership.objects.values_list("member_id", "space_id"):
        by_space.setdefault(space_id, []).append(member_id)
    clients = _company_names()

    sessions: list[CheckIn] = []
    present: set[int] = set()
    plan = [("navigli", 0.35), ("san-salvario", 0.3), ("digital", 0.15)]
    demo = Member.objects.filter(email="giulia@officina.demo").values_list("id", flat=True).first()
    for slug, share in plan:
        space = spaces.get(slug)
        if space is None:
            continue
        ids = [i for i in by_space.get(space.pk, []) if i not in present and i != demo]
        for member_id in rng.sample(ids, int(len(ids) * share)):
            present.add(member_id)
            started = now - timedelta(minutes=rng.randint(10, 300))
            remote = space.is_remote
            note = (
                rng.choice(REMOTE_NOTES).format(client=rng.choice(clients))
                if remote
                else rng.choice(ON_SITE_NOTES)
            )
            sessions.append(
                CheckIn(
                    member_id=member_id,
                    space=space,
                    kind=CheckInKind.REMOTE if remote else CheckInKind.ON_SITE,
                    started_at=started,
                    planned_until=now + timedelta(minutes=rng.randint(60, 420)),
                    note=note,
                    source=rng.choice([CheckInSource.WEB, CheckInSource.KIOSK])
                    if not remote
                    else CheckInSource.WEB,
                )
            )

    # History: the last two weeks of closed sessions, for the admin and the reports.
    for days_ago in range(1, 15):
        day = now - timedelta(days=days_ago)
        if day.weekday() >= 5:
            continue
        for slug in ("navigli", "san-salvario", "digital"):
            space = spaces.get(slug)
            if space is None:
                continue
            ids = by_space.get(space.pk, [])
            for member_id in rng.sample(ids, min(len(ids), rng.randint(8, 20))):
                start = day.replace(hour=8, minute=0) + timedelta(minutes=rng.randint(0, 150))
                end = start + timedelta(minutes=rng.randint(90, 540))
                sessions.append(
                    CheckIn(
                        member_id=member_id,
                        space=space,
                        kind=CheckInKind.REMOTE if space.is_remote else CheckInKind.ON_SITE,
                        started_at=start,
                        ended_at=end,
                        planned_until=end,
                    )
                )
    CheckIn.objects.bulk_create(sessions, batch_size=500)

    if demo is not None:
        absent = [
            i for i in by_space.get(spaces["navigli"].pk, []) if i not in present and i != demo
        ]
        ArrivalWatch.objects.bulk_create(
            [
                ArrivalWatch(watcher_id=demo, member_id=i)
                for i in rng.sample(absent, min(2, len(absent)))
            ]
        )


def _company_names() -> list[str]:
    from officina.accounts.models import Company

    return list(Company.objects.values_list("name", flat=True)[:40]) or ["Rossi"]
