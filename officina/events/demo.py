"""Demo events: breakfasts, talks and workshops in the coming weeks, with answers."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from officina.accounts.models import Space, SpaceMembership, SpaceRole
from officina.core.demo import DemoContext

from .models import RSVP, Event, EventVisibility, RSVPStatus

NEXT_FRIDAY = -1  # in_days placeholder: the Friday breakfast must fall on a Friday

EVENTS = [
    (
        "navigli",
        "Colazione del venerdì",
        "Cornetti del panificio e due chiacchiere prima di iniziare.",
        NEXT_FRIDAY,
        time(9, 0),
        60,
        None,
        EventVisibility.SPACE,
    ),
    (
        "navigli",
        "Talk: fatturazione elettronica per freelance",
        "Cosa cambia quest'anno, con lo Studio Commercialisti del secondo piano.",
        6,
        time(18, 30),
        90,
        40,
        EventVisibility.COMMUNITY,
    ),
    (
        "navigli",
        "Aperitivo sul Naviglio",
        "Chi c'è, c'è: ci vediamo in cucina.",
        9,
        time(19, 0),
        120,
        None,
        EventVisibility.COMMUNITY,
    ),
    (
        "navigli",
        "Workshop Figma: dai wireframe al prototipo",
        "Due ore pratiche, portate il portatile.",
        13,
        time(14, 30),
        120,
        12,
        EventVisibility.COMMUNITY,
    ),
    (
        "san-salvario",
        "Pizza & Python",
        "Serata di coding insieme: ognuno porta un problema, si risolve in coppia.",
        5,
        time(19, 0),
        150,
        20,
        EventVisibility.COMMUNITY,
    ),
    (
        "san-salvario",
        "Colazione di benvenuto ai nuovi",
        "Presentiamo chi è arrivato questo mese.",
        8,
        time(9, 30),
        60,
        None,
        EventVisibility.SPACE,
    ),
    (
        "san-salvario",
        "Sportello legale: contratti con i clienti",
        "Mezz'ora a testa con lo Studio Legale, su prenotazione.",
        12,
        time(10, 0),
        180,
        6,
        EventVisibility.SPACE,
    ),
    (
        "san-salvario",
        "Mercatino dei makers nel cortile",
        "Sartoria, illustrazione, ceramica: vendiamo quello che facciamo.",
        16,
        time(10, 0),
        420,
        None,
        EventVisibility.COMMUNITY,
    ),
    (
        "digital",
        "Pomodoro insieme (online)",
        "Quattro sessioni da 25 minuti in videochiamata, microfoni spenti.",
        2,
        time(9, 30),
        120,
        None,
        EventVisibility.SPACE,
    ),
    (
        "digital",
        "Remote retro: come lavoriamo a distanza",
        "Cosa funziona e cosa no, con gli strumenti che usiamo.",
        10,
        time(17, 0),
        60,
        30,
        EventVisibility.COMMUNITY,
    ),
    (
        "navigli",
        "Portfolio review",
        "Tre designer senior guardano i vostri lavori.",
        20,
        time(16, 0),
        120,
        10,
        EventVisibility.COMMUNITY,
    ),
    (
        "san-salvario",
        "Corso base di fotografia di prodotto",
        "Luce, sfondi e smartphone: con Fotografia del primo piano.",
        23,
        time(15, 0),
        180,
        15,
        EventVisibility.COMMUNITY,
    ),
]


def populate(context: DemoContext) -> None:
    rng = context.random
    today = timezone.localdate()
    spaces = {space.slug: space for space in Space.objects.all()}
    members_of: dict[int, list[int]] = {}
    organizers: dict[int, int] = {}
    for member_id, space_id, role in SpaceMembership.objects.values_list(
        "member_id", "space_id", "role"
    ):
        members_of.setdefault(space_id, []).append(member_id)
        if role == SpaceRole.MANAGER:
            organizers.setdefault(space_id, member_id)

    events: list[Event] = []
    for slug, title, description, in_days, starts, minutes, capacity, visibility in EVENTS:
        space = spaces.get(slug)
        if space is None:
            continue
        if in_days == NEXT_FRIDAY:
            in_days = (4 - today.weekday()) % 7 or 7
        start = datetime.combine(today + timedelta(days=in_days), starts, tzinfo=space.zone)
        events.append(
            Event(
                space=space,
                title=title,
                description=description,
                starts_at=start,
                ends_at=start + timedelta(minutes=minutes),
                organizer_id=organizers.get(space.pk) or rng.choice(members_of[space.pk]),
                capacity=capacity,
                visibility=visibility,
            )
        )
    events = Event.objects.bulk_create(events)

    answers: list[RSVP] = []
    for event in events:
        pool = [m for m in members_of.get(event.space_id, []) if m != event.organizer_id]
        limit = event.capacity or 25
        chosen = rng.sample(pool, min(len(pool), rng.randint(3, limit + 5)))
        going = 0
        if event.organizer_id is not None:
            # The organizer goes to their own event, as check_create_event records.
            answers.append(RSVP(event=event, member_id=event.organizer_id, status=RSVPStatus.GOING))
            going = 1
        for member_id in chosen:
            status = rng.choice(
                [RSVPStatus.GOING, RSVPStatus.GOING, RSVPStatus.MAYBE, RSVPStatus.NOT_GOING]
            )
            if status == RSVPStatus.GOING:
                if going >= limit:
                    status = RSVPStatus.MAYBE
                else:
                    going += 1
            answers.append(RSVP(event=event, member_id=member_id, status=status))
    RSVP.objects.bulk_create(answers, ignore_conflicts=True)
