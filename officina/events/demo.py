"""Demo events: breakfasts, talks and workshops in the coming weeks, with answers.

``refresh`` (each ``officina demo`` on a loaded demo) schedules again each event that
has already taken place, so the calendar always looks ahead.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from officina.accounts.selectors import all_spaces, space_managers, space_members
from officina.core.demo import DemoContext

from .actions import check_create_event, check_rsvp
from .kinds import EventVisibility, RSVPStatus
from .models import Event

if TYPE_CHECKING:
    from officina.accounts.models import Space

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
    today = timezone.localdate()
    spaces = {space.slug: space for space in all_spaces()}
    for template in EVENTS:
        _schedule(context, spaces, template, today)


def refresh(context: DemoContext) -> None:
    """Each event that has taken place comes round again, as far ahead as when loaded."""
    today = timezone.localdate()
    spaces = {space.slug: space for space in all_spaces()}
    for template in EVENTS:
        slug, title = template[0], template[1]
        space = spaces.get(slug)
        if (
            space is not None
            and not Event.objects.filter(
                space=space, title=title, starts_at__gt=timezone.now()
            ).exists()
        ):
            _schedule(context, spaces, template, today)


def _schedule(
    context: DemoContext, spaces: dict[str, Space], template: tuple[Any, ...], today: date
) -> None:
    rng = context.random
    slug, title, description, in_days, starts, minutes, capacity, visibility = template
    space = spaces.get(slug)
    if space is None:
        return
    if in_days == NEXT_FRIDAY:
        in_days = (4 - today.weekday()) % 7 or 7
    start = datetime.combine(today + timedelta(days=in_days), starts, tzinfo=space.zone)
    people = list(space_members(space).order_by("pk"))
    managers = space_managers(space)
    organizer = managers[0] if managers else rng.choice(people)
    event = check_create_event(
        organizer,
        space,
        title=title,
        description=description,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        capacity=capacity,
        visibility=visibility,
    )
    # The organizer is going already; a full event leaves the late ones at "maybe".
    limit = capacity or 25
    going = 1
    pool = [member for member in people if member.pk != organizer.pk]
    for member in rng.sample(pool, min(len(pool), rng.randint(3, limit + 5))):
        status = rng.choice(
            [RSVPStatus.GOING, RSVPStatus.GOING, RSVPStatus.MAYBE, RSVPStatus.NOT_GOING]
        )
        if status == RSVPStatus.GOING:
            if going >= limit:
                status = RSVPStatus.MAYBE
            else:
                going += 1
        check_rsvp(member, event, status)
