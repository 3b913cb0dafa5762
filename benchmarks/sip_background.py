"""What the PBX's periodic database reads cost, per read and per second, without a call.

    .venv/bin/python benchmarks/sip_background.py [--rounds 10]

Starts from a fresh SQLite database as `benchmarks/sip.py` does (500 extensions with
credentials) and times, in thread CPU time, each read the PBX repeats on its database
threads whatever the calls: the directory's refresh (extensions and credentials, other
nodes' registrations, the sweep of expired ones), the companies of members (busy
lamps), address books (caller names), ring groups with who is present, trunks,
forwarding, conference rooms, auto-attendant menus and voicemail boxes. It prints the
CPU of one read, how often the PBX makes it and what that costs per second.

Under cProfile these reads look several times dearer than they are (Django's ORM makes
many small Python calls, each charged the profiler's own overhead): this measures them
without it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))


def periodic_reads() -> list[tuple[str, float, Callable[[], object]]]:
    """(what, seconds between two reads, the read) as the PBX's tasks make them."""
    from officina.accounts.selectors import company_ids_of_members
    from officina.attendant.selectors import menu_plans
    from officina.contacts.selectors import caller_book
    from officina.pbx import caller_names, dialog_events, forwarding, ring_groups, trunk_calls
    from officina.pbx.actions import do_delete_expired_registrations
    from officina.pbx.media import attendant, conference, desk
    from officina.pbx.selectors import directory_entries, forwarding_rules, live_registrations
    from officina.pbx.trunk_calls import read_providers
    from officina.voicemail.selectors import box_plans

    members = [entry.member_id for entry in directory_entries() if entry.member_id]
    now = datetime.now(UTC)
    directory = 5.0  # Directory.run_maintenance's default
    return [
        ("directory: extensions and credentials", directory, directory_entries),
        (
            "directory: other nodes' registrations",
            directory,
            lambda: live_registrations(now, except_node="elsewhere"),
        ),
        (
            "directory: expired registrations swept",
            directory,
            lambda: do_delete_expired_registrations(now - timedelta(seconds=1)),
        ),
        (
            "busy lamps: companies of members",
            dialog_events.REFRESH,
            lambda: company_ids_of_members(members),
        ),
        ("caller names: address books", caller_names.REFRESH_SECONDS, caller_book),
        (
            "ring groups and who is present",
            ring_groups.REFRESH_SECONDS,
            ring_groups.RingGroups().load,
        ),
        ("trunks", trunk_calls.REFRESH_SECONDS, read_providers),
        ("forwarding", forwarding.REFRESH_SECONDS, forwarding_rules),
        ("conference rooms and mutes", conference.REFRESH_SECONDS, conference.Conferences().load),
        ("auto-attendant menus", attendant.REFRESH_SECONDS, menu_plans),
        ("voicemail boxes", desk.PLANS_REFRESH, box_plans),
    ]


def measure(rounds: int) -> None:
    print(f"thread CPU per read (mean of {rounds}), and per second at the PBX's pace:")
    total = 0.0
    for name, every, read in periodic_reads():
        read()  # first use: caches, prepared statements
        started = time.thread_time()
        for _ in range(rounds):
            read()
        milliseconds = 1000 * (time.thread_time() - started) / rounds
        total += milliseconds / every
        print(
            f"  {name:42}{milliseconds:7.2f} ms every {every:g} s {milliseconds / every:7.2f} ms/s"
        )
    print(f"  {'all of them':42}{'':21}{total:7.2f} ms/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    import sip

    with tempfile.TemporaryDirectory(prefix="officina-sip-background-") as temp:
        os.environ.update(sip.prepare_officina_database(Path(temp)))
        import django

        django.setup()
        measure(args.rounds)


if __name__ == "__main__":
    main()
