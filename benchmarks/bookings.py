"""Bookings benchmark: a space with 200 resources and a year of bookings.

    .venv/bin/python benchmarks/bookings.py                       # 200 resources, 365 days
    .venv/bin/python benchmarks/bookings.py --resources 20 --days 30 --requests 20 --bookings 100
    .venv/bin/python benchmarks/bookings.py --in-process-only     # no server: steps 1 and 2
    .venv/bin/python benchmarks/bookings.py --in-process-only --database /tmp/bookings.sqlite3
                                                                  # seeded once, then reused

1. Seeds a scratch SQLite database (its own temporary directory, or ``--database`` when
   given, seeded only if it has no space yet, and kept; never var/): one space,
   ``--resources`` resources (rooms, booths, desks, equipment, open 08:00–20:00 on
   weekdays) and ``--per-day`` bookings per resource and weekday over ``--days`` days,
   half of them past, half to come.
2. Times in process, ``--requests`` times each on random days: a day's availability of
   every resource (``day_of_resources``), and finding a slot ("6 people, a screen,
   between 10 and 12, for an hour", ``find_slots``). Prints p50/p95/max ms against the
   target (p95 < 20 ms).
3. Starts ``officina serve`` with ``--workers`` web worker processes and books
   through POST /api/bookings from ``--clients`` concurrent clients, ``--bookings`` in
   all, each on a free hour of its own: prints the rate achieved and the answers.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import latency  # benchmarks/latency.py: wall-clock and CPU times of each run

TARGET_P95_MS = 20.0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--days", type=int, default=365, help="days of bookings, half past")
    parser.add_argument("--per-day", type=int, default=3, help="bookings per resource and day")
    parser.add_argument("--requests", type=int, default=200, help="timed queries of each kind")
    parser.add_argument("--bookings", type=int, default=1000, help="bookings through the server")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--in-process-only", action="store_true", help="skip booking through the server"
    )
    parser.add_argument(
        "--database",
        type=Path,
        help="SQLite file to seed when new and keep (with --in-process-only: seeding a year "
        "takes minutes, the timing seconds; the server's bookings would change it)",
    )
    return parser.parse_args(argv)


def setup_django(database_url: str, var_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "officina.settings.dev"
    os.environ["DEBUG"] = "false"
    os.environ["DATABASE_URL"] = database_url
    os.environ["OFFICINA_VAR_DIR"] = str(var_dir)
    (var_dir / "static").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("LOG_LEVEL", "ERROR")  # refusals are answers, not news
    import django

    django.setup()


def seed(args: argparse.Namespace, rng: random.Random) -> tuple[Any, Any, date]:
    """The space, its manager, and the first day of the year of bookings."""
    from django.utils import timezone

    from officina.accounts.kinds import SpaceRole
    from officina.accounts.models import Member, Space, SpaceMembership
    from officina.bookings.kinds import Amenity, ResourceKind
    from officina.bookings.models import Booking, OpeningHours, Resource

    space = Space.objects.create(name="Bench", slug="bench", time_zone="Europe/Rome")
    manager = Member.objects.create_user("manager@bench.test", "bench-password")
    people = [Member(email=f"member{i}@bench.test") for i in range(50)]
    Member.objects.bulk_create(people)
    people = list(Member.objects.exclude(pk=manager.pk))
    SpaceMembership.objects.create(member=manager, space=space, role=SpaceRole.MANAGER)
    SpaceMembership.objects.bulk_create(SpaceMembership(member=m, space=space) for m in people)
    kinds = [ResourceKind.ROOM, ResourceKind.BOOTH, ResourceKind.DESK, ResourceKind.EQUIPMENT]
    resources = Resource.objects.bulk_create(
        Resource(
            space=space,
            name=f"Resource {number}",
            kind=kinds[number % 4],
            capacity=rng.choice([1, 2, 4, 6, 8, 12]),
            amenities=rng.sample(list(Amenity.values), rng.randint(0, 3)),
            max_minutes=480,
            max_days_ahead=366,
            buffer_minutes=rng.choice([0, 0, 10, 15]),
        )
        for number in range(args.resources)
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(resource=resource, weekday=weekday, opens=clock(8), closes=clock(20))
        for resource in resources
        for weekday in range(5)
    )
    first_day = timezone.localdate() - timedelta(days=args.days // 2)
    batch: list[Booking] = []
    for offset in range(args.days):
        day = first_day + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for resource in resources:
            # Starts two hours apart, the last at 16:00: no overlap, buffers included, and
            # 18:00–20:00 stays free for the bookings made through the server.
            for hour in sorted(rng.sample(range(8, 18, 2), args.per_day)):
                start = datetime.combine(day, clock(hour), tzinfo=space.zone)
                end = start + timedelta(minutes=rng.choice([30, 60, 90]))
                batch.append(
                    Booking(
                        resource=resource,
                        member=rng.choice(people),
                        starts_at=start,
                        ends_at=end,
                        blocked_until=end + timedelta(minutes=resource.buffer_minutes),
                    )
                )
        if len(batch) > 20_000:
            Booking.objects.bulk_create(batch)
            batch.clear()
    Booking.objects.bulk_create(batch)
    return space, manager, first_day


def in_process(args: argparse.Namespace, space: Any, manager: Any, rng: random.Random) -> None:
    from django.utils import timezone

    from officina.bookings.access import bookable_resources, space_resources
    from officina.bookings.selectors import (
        SlotRequest,
        day_of_resources,
        find_slots,
        resource_rows,
    )

    today = timezone.localdate()
    weekdays = [
        today + timedelta(days=offset)
        for offset in range(1, 120)
        if (today + timedelta(days=offset)).weekday() < 5
    ]
    days = [rng.choice(weekdays) for _ in range(args.requests + 3)]

    def availability(run: int) -> object:
        return day_of_resources(resource_rows(space_resources(manager, space)), days[run])

    def slot(run: int) -> object:
        # As the page reads them: the resources the manager may book.
        resources = resource_rows(bookable_resources(manager, space))
        request = SlotRequest(
            day=days[run],
            earliest=clock(10),
            latest=clock(12),
            minutes=60,
            people=6,
            amenities=("screen",),
        )
        return find_slots(resources, request)

    for label, query in (
        (f"availability of a day ({args.resources} res.)", availability),
        ("find a slot (6 people, screen, 10–12)", slot),
    ):
        spent = latency.measure(query, args.requests, warmups=3)
        print(latency.summary(label, spent, target_p95_ms=TARGET_P95_MS))


def through_the_server(
    args: argparse.Namespace, database_url: str, var_dir: Path, manager: Any, space: Any
) -> None:
    from django.utils import timezone

    from officina.api.actions import check_create_api_token
    from officina.bookings.models import Booking, Resource
    from officina.bookings.tests.served import post_booking, served_in_processes, token_headers

    _token, plain = check_create_api_token(manager, "bench")
    credentials = token_headers(plain)
    resources = list(Resource.objects.filter(space=space).values_list("pk", flat=True))
    zone = space.zone
    # 18:30–19:15 is never seeded: one such booking per resource and weekday.
    day = timezone.localdate() + timedelta(days=1)
    payloads: list[dict[str, Any]] = []
    while len(payloads) < args.bookings:
        if day.weekday() < 5:
            for resource in resources:
                start = datetime.combine(day, clock(18, 30), tzinfo=zone)
                payloads.append(
                    {
                        "resource": resource,
                        "starts_at": start.isoformat(),
                        "ends_at": (start + timedelta(minutes=45)).isoformat(),
                    }
                )
        day += timedelta(days=1)
    payloads = payloads[: args.bookings]
    before = Booking.objects.count()

    with served_in_processes(
        database_url=database_url,
        var_dir=var_dir,
        workers=args.workers,
    ) as url:
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            answers = list(
                pool.map(lambda payload: post_booking(url, credentials, payload), payloads)
            )
        elapsed = time.perf_counter() - started
    statuses = Counter(status for status, _body in answers)
    unexpected = [body for status, body in answers if status not in {201, 409}]
    made = Booking.objects.count() - before
    print(
        f"booking through the server           {len(payloads) / elapsed:7.1f} requests/s, "
        f"{made / elapsed:7.1f} bookings/s ({args.clients} clients, {args.workers} workers); "
        f"answers {dict(statuses)}"
    )
    if unexpected:
        print(f"first unexpected answer: {unexpected[0]}")
        print(f"the server's log ends: {(var_dir / 'serve.log').read_text()[-3000:]}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    if args.database is not None and not args.in_process_only:
        sys.exit("--database keeps a seeded database for --in-process-only runs")
    directory = Path(tempfile.mkdtemp(prefix="officina-bench-bookings-"))
    database_file = args.database or directory / "bench.sqlite3"
    database_url = f"sqlite:///{database_file.resolve()}"
    try:
        setup_django(database_url, directory)
        from django.core.management import call_command

        from officina.accounts.models import Member, Space
        from officina.bookings.models import Booking

        # Migrated each time, so that a kept database gets the code's new indexes.
        call_command("migrate", verbosity=0)
        space = Space.objects.filter(slug="bench").first()
        if space is None:
            started = time.perf_counter()
            space, manager, _first_day = seed(args, rng)
            print(
                f"Seeded {args.resources} resources and {Booking.objects.count():,} bookings "
                f"in {time.perf_counter() - started:.1f}s "
                f"(SQLite, load {os.getloadavg()[0]:.2f})"
            )
        else:
            manager = Member.objects.get(email="manager@bench.test")
            print(
                f"Reusing {database_file}: {Booking.objects.count():,} bookings "
                f"(SQLite, load {os.getloadavg()[0]:.2f})"
            )
        in_process(args, space, manager, rng)
        if not args.in_process_only:
            through_the_server(args, database_url, directory, manager, space)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
