"""What writing call records costs the PBX's database thread, per record.

    .venv/bin/python benchmarks/call_records.py [--batch 150] [--rounds 5]

Starts from a fresh SQLite database as `benchmarks/sip.py` does, then times
``do_write_call_records`` (thread CPU time) inserting ``--batch`` answered calls at a
time, and closing as many records already written (their end, as a hang-up after the
insert gives it). The writer behind the proxy writes about half a second of calls at a
time; under SIPp most answered calls end after their record was inserted, so both halves
are paid for nearly every call.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

STARTED = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def measure(batch: int, rounds: int) -> None:
    from officina.pbx.actions import CallRow, do_write_call_records
    from officina.pbx.models import CallRecord

    def answered(call_id: str) -> CallRow:
        return CallRow(
            call_id=call_id,
            caller_id=None,
            caller_number="201",
            callee_id=None,
            callee_number="202",
            devices_rung=["sip:202@127.0.0.1:5999"],
            answered_by="SIPp",
            started_at=STARTED,
            answered_at=STARTED + timedelta(seconds=1),
            ended_at=None,
            outcome="answered",
            final_status=200,
            caller_tag="t",
        )

    do_write_call_records([answered("warm-up")], [])
    print(f"{batch} records a write, thread CPU per record:")
    for number in range(rounds):
        rows = [answered(f"{number}-{index}") for index in range(batch)]
        started = time.thread_time()
        do_write_call_records(rows, [])
        inserted = time.thread_time() - started
        for row in rows:
            row.ended_at = STARTED + timedelta(seconds=30)
            row.ended_by = CallRecord.EndedBy.CALLER
        started = time.thread_time()
        do_write_call_records([], rows)
        closed = time.thread_time() - started
        print(f"  insert {inserted / batch * 1e6:6.0f} us   close {closed / batch * 1e6:6.0f} us")
    written = CallRecord.objects.filter(ended_by=CallRecord.EndedBy.CALLER).count()
    assert written == batch * rounds, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    import sip

    with tempfile.TemporaryDirectory(prefix="officina-call-records-") as temp:
        os.environ.update(sip.prepare_officina_database(Path(temp)))
        import django

        django.setup()
        measure(args.batch, args.rounds)


if __name__ == "__main__":
    main()
