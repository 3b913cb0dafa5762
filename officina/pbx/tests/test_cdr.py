"""Call records written behind the proxy: a call that ends before its record is written
is inserted with its end; one that ends after is closed by an update."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from officina.pbx.actions import CallRow
from officina.pbx.cdr import CallRecordWriter
from officina.pbx.models import CallRecord

pytestmark = pytest.mark.django_db

STARTED = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def answered(call_id: str) -> CallRow:
    return CallRow(
        call_id=call_id,
        caller_id=None,
        caller_number="201",
        callee_id=None,
        callee_number="202",
        devices_rung=[],
        answered_by="",
        started_at=STARTED,
        answered_at=STARTED + timedelta(seconds=3),
        ended_at=None,
        outcome="answered",
        final_status=200,
    )


def test_a_call_ended_before_its_record_was_written_is_inserted_with_its_end():
    writer = CallRecordWriter()
    early, other = answered("early"), answered("other")
    writer.add(other)
    writer.add(early)
    early.ended_at = STARTED + timedelta(seconds=40)
    writer.ended(early)
    writer.flush_now()
    assert CallRecord.objects.get(call_id="early").ended_at == early.ended_at
    assert CallRecord.objects.get(call_id="other").ended_at is None


def test_a_call_ended_after_its_record_was_written_is_closed_by_an_update():
    writer = CallRecordWriter()
    row = answered("later")
    writer.add(row)
    writer.flush_now()
    assert row.record_id is not None
    row.ended_at = STARTED + timedelta(seconds=60)
    writer.ended(row)
    assert writer.take() == ([], [row])
    writer.ended(row)
    writer.flush_now()
    assert CallRecord.objects.get(pk=row.record_id).ended_at == row.ended_at


def test_the_update_writes_every_closing_field_of_each_record_and_no_other_record():
    writer = CallRecordWriter()
    transferred, to_voicemail, untouched = answered("a"), answered("b"), answered("c")
    for row in (transferred, to_voicemail, untouched):
        writer.add(row)
    writer.flush_now()
    transferred.ended_at = STARTED + timedelta(seconds=61)
    transferred.ended_by = CallRecord.EndedBy.CALLEE
    transferred.transferred_to = "305"
    to_voicemail.ended_at = STARTED + timedelta(seconds=62)
    to_voicemail.voicemail = True
    to_voicemail.reason = "busy"
    writer.ended(transferred)
    writer.ended(to_voicemail)
    writer.flush_now()
    first = CallRecord.objects.get(call_id="a")
    assert (first.ended_at, first.ended_by, first.transferred_to, first.voicemail) == (
        transferred.ended_at,
        CallRecord.EndedBy.CALLEE,
        "305",
        False,
    )
    second = CallRecord.objects.get(call_id="b")
    assert (second.ended_at, second.voicemail, second.reason, second.transferred_to) == (
        to_voicemail.ended_at,
        True,
        "busy",
        "",
    )
    third = CallRecord.objects.get(call_id="c")
    assert (third.ended_at, third.voicemail, third.ended_by) == (None, False, "")
