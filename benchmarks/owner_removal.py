"""Removing a space with a long booking history: what listing its stored files costs.

    .venv/bin/python benchmarks/owner_removal.py                      # 20,000 bookings
    .venv/bin/python benchmarks/owner_removal.py --bookings 2000 --resources 5

Seeds a scratch SQLite database (its own temporary directory; never var/) with one space,
``--resources`` resources (each with a photo), one member and ``--bookings`` past
bookings spread over the resources. Then removes the space as the admin does
(``hold_owners_for_removal`` then ``accounts.actions.do_remove_owners`` in one
transaction) and prints, for the file listing alone (``_stored_files_going_with``) and for
the whole removal: the queries, the wall time and the peak of Python memory (tracemalloc),
and that every photo was deleted on commit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=20_000)
    parser.add_argument("--resources", type=int, default=20)
    return parser.parse_args(argv)


def setup_django(database_url: str, var_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "officina.settings.dev"
    os.environ["DEBUG"] = "false"
    os.environ["DATABASE_URL"] = database_url
    os.environ["OFFICINA_VAR_DIR"] = str(var_dir)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    (var_dir / "static").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


def seed(args: argparse.Namespace) -> Any:
    """The space, with its resources' photos stored and its bookings written in bulk."""
    from django.core.files.base import ContentFile

    from officina.accounts.models import Member, Space, SpaceMembership
    from officina.bookings.models import Booking, Resource, ResourcePhoto

    member = Member.objects.create(email="member@bench.test", first_name="Bench")
    space = Space.objects.create(name="Bench space", slug="bench-space")
    SpaceMembership.objects.create(member=member, space=space)
    resources = []
    for n in range(args.resources):
        resource = Resource.objects.create(space=space, name=f"Room {n}", kind="room", capacity=4)
        photo = ResourcePhoto(resource=resource, caption=f"Room {n}")
        photo.image.save(f"room-{n}.png", ContentFile(b"\x89PNG not really"), save=True)
        resources.append(resource)
    start = datetime(2024, 1, 1, 9, tzinfo=UTC)
    Booking.objects.bulk_create(
        (
            Booking(
                resource=resources[n % len(resources)],
                member=member,
                starts_at=(at := start + timedelta(hours=n)),
                ends_at=at + timedelta(minutes=30),
                blocked_until=at + timedelta(minutes=30),
            )
            for n in range(args.bookings)
        ),
        batch_size=2000,
    )
    return space


def measured(label: str, work: Callable[[], object]) -> object:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tracemalloc.start()
    began = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = work()
    elapsed = time.perf_counter() - began
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label}: {len(queries.captured_queries)} queries, {elapsed * 1000:.0f} ms, "
        f"peak {peak / 1024 / 1024:.1f} MiB"
    )
    return result


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    directory = Path(tempfile.mkdtemp(prefix="officina-bench-removal-"))
    try:
        setup_django(f"sqlite:///{directory / 'bench.sqlite3'}", directory / "var")
        from django.core.management import call_command
        from django.db import transaction

        from officina.accounts import actions
        from officina.trunks.actions import hold_owners_for_removal

        call_command("migrate", verbosity=0)
        space = seed(args)
        photos = list((directory / "var").rglob("room-*.png"))
        print(f"{args.bookings} bookings over {args.resources} resources, {len(photos)} photos")
        files = measured("list the files", lambda: actions._stored_files_going_with([space]))
        assert isinstance(files, list) and len(files) == args.resources, files

        def remove() -> None:
            with transaction.atomic():
                hold_owners_for_removal([space])
                actions.do_remove_owners([space])

        measured("the whole removal", remove)
        left = [photo for photo in photos if photo.exists()]
        print(f"photos left in storage: {len(left)}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
