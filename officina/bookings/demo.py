"""Demo resources: meeting rooms, phone booths, desks and a 3D printer in each physical
space, and a week of bookings, all made through the booking actions.

``refresh`` (each ``officina demo`` on a loaded demo) books the days that came into the
coming week since, so the calendars never run dry."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from officina.accounts.selectors import all_spaces, space_managers, space_members
from officina.core.demo import DemoContext
from officina.core.errors import OfficinaError

from .actions import check_book, check_create_resource
from .kinds import Amenity, ResourceKind
from .models import Booking, Resource

if TYPE_CHECKING:
    from officina.accounts.models import Member, Space

WORKDAYS = range(5)
ROOM_HOURS = {weekday: (time(8, 30), time(19, 0)) for weekday in WORKDAYS}
DESK_HOURS = {weekday: (time(8, 0), time(20, 0)) for weekday in range(6)}
LAB_HOURS = {weekday: (time(9, 0), time(18, 0)) for weekday in WORKDAYS}

RESOURCES: list[dict[str, Any]] = [
    {
        "name": "Sala Brera",
        "kind": ResourceKind.ROOM,
        "capacity": 8,
        "amenities": [Amenity.SCREEN, Amenity.WHITEBOARD, Amenity.VIDEO_CALLS],
        "buffer_minutes": 15,
        "credits_per_hour": Decimal(4),
        "price_per_hour": Decimal(25),
        "hours": ROOM_HOURS,
    },
    {
        "name": "Sala Darsena",
        "kind": ResourceKind.ROOM,
        "capacity": 4,
        "amenities": [Amenity.SCREEN],
        "credits_per_hour": Decimal(2),
        "hours": ROOM_HOURS,
    },
    {
        "name": "Sala Grande",
        "kind": ResourceKind.ROOM,
        "capacity": 20,
        "amenities": [Amenity.PROJECTOR, Amenity.SPEAKERPHONE, Amenity.ACCESSIBLE],
        "approval_required": True,
        "buffer_minutes": 30,
        "min_notice_minutes": 24 * 60,
        "price_per_hour": Decimal(60),
        "hours": ROOM_HOURS,
    },
    *(
        {
            "name": f"Cabina {number}",
            "kind": ResourceKind.BOOTH,
            "capacity": 1,
            "amenities": [Amenity.ACCESSIBLE] if number == 1 else [],
            "max_minutes": 60,
            "hours": DESK_HOURS,
        }
        for number in (1, 2)
    ),
    *(
        {
            "name": f"Postazione {number}",
            "kind": ResourceKind.DESK,
            "capacity": 1,
            "amenities": [Amenity.MONITOR] + ([Amenity.STANDING] if number % 3 == 0 else []),
            "max_minutes": 12 * 60,
            "credits_per_hour": Decimal("0.5"),
            "hours": DESK_HOURS,
        }
        for number in range(1, 7)
    ),
    {
        "name": "Stampante 3D Prusa",
        "kind": ResourceKind.EQUIPMENT,
        "description": "Prusa MK4, PLA e PETG. Chiedete al manager per i materiali.",
        "capacity": 1,
        "max_minutes": 8 * 60,
        "approval_required": True,
        "hours": LAB_HOURS,
    },
]

TITLES = ["Riunione cliente", "Call con fornitore", "Sprint planning", "Colloquio", ""]


def populate(context: DemoContext) -> None:
    today = timezone.localdate()
    for space in all_spaces():
        if space.is_remote:
            continue
        managers = space_managers(space)
        people = list(space_members(space)[:40])
        if not managers or not people:
            continue
        resources = [check_create_resource(managers[0], space, **dict(spec)) for spec in RESOURCES]
        for in_days in range(1, 8):
            _book_day(context, space, resources, people, today + timedelta(days=in_days))


def refresh(context: DemoContext) -> None:
    """The coming week is as busy as when the demo was loaded: days with no booking yet
    (those that came into the window since) get theirs."""
    today = timezone.localdate()
    for space in all_spaces():
        resources = list(Resource.objects.filter(space=space).order_by("pk"))
        people = list(space_members(space)[:40])
        if space.is_remote or not resources or not people:
            continue
        for in_days in range(1, 8):
            day = today + timedelta(days=in_days)
            day_starts = datetime.combine(day, time(0, 0), tzinfo=space.zone)
            if not Booking.objects.filter(
                resource__space=space,
                starts_at__gte=day_starts,
                starts_at__lt=day_starts + timedelta(days=1),
            ).exists():
                _book_day(context, space, resources, people, day)


def _book_day(
    context: DemoContext,
    space: Space,
    resources: list[Resource],
    people: list[Member],
    day: date,
) -> None:
    rng = context.random
    for resource in rng.sample(resources, min(6, len(resources))):
        start = datetime.combine(day, time(rng.randint(9, 16), rng.choice([0, 30])))
        try:
            check_book(
                rng.choice(people),
                resource,
                starts_at=start.replace(tzinfo=space.zone),
                ends_at=start.replace(tzinfo=space.zone)
                + timedelta(minutes=rng.choice([30, 60, 90])),
                title=rng.choice(TITLES),
            )
        except OfficinaError:
            continue  # closed that day, too long, or already taken: a real calendar
