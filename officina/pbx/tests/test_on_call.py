"""What the live pages hear of members on a call: each member's last change since the
worker last ran, and only when it is news to them."""

from __future__ import annotations

from datetime import UTC, datetime

from officina.pbx.actions import CallRow
from officina.pbx.directory import Directory
from officina.pbx.on_call import OnCallAnnouncer
from officina.pbx.selectors import DirectoryEntry

MARCO, SARA, GIULIA = 11, 12, 13  # member ids


def announcer() -> OnCallAnnouncer:
    directory = Directory(node="test")
    for extension_id, member_id in ((1, MARCO), (2, SARA), (3, GIULIA)):
        directory.add_entry(
            DirectoryEntry(extension_id, str(200 + extension_id), "", "r", "", "", member_id)
        )
    return OnCallAnnouncer(directory)


def call(caller_id: int, callee_id: int) -> CallRow:
    return CallRow(
        call_id=f"{caller_id}-{callee_id}",
        caller_id=caller_id,
        caller_number=str(200 + caller_id),
        callee_id=callee_id,
        callee_number=str(200 + callee_id),
        devices_rung=[],
        answered_by="",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        answered_at=None,
        ended_at=None,
        outcome="answered",
        final_status=200,
    )


def test_a_call_is_told_when_answered_and_when_it_ends():
    told = announcer()
    row = call(1, 2)
    told.answered(row)
    assert sorted(told.take_news()) == [(MARCO, True), (SARA, True)]
    assert told.take_news() == []
    told.ended(row)
    assert sorted(told.take_news()) == [(MARCO, False), (SARA, False)]


def test_a_call_over_before_the_pages_heard_of_it_is_not_told():
    told = announcer()
    row = call(1, 2)
    told.answered(row)
    told.ended(row)
    assert told.take_news() == []
    assert told.shown_on_call == set()


def test_a_second_call_keeps_a_member_on_a_call_until_the_last_one_ends():
    told = announcer()
    first, second = call(1, 2), call(3, 1)
    told.answered(first)
    assert sorted(told.take_news()) == [(MARCO, True), (SARA, True)]
    told.answered(second)
    told.ended(first)
    assert sorted(told.take_news()) == [(SARA, False), (GIULIA, True)]
    told.ended(second)
    assert sorted(told.take_news()) == [(MARCO, False), (GIULIA, False)]


def test_a_member_back_on_a_call_within_a_batch_is_not_told_twice():
    told = announcer()
    first, second = call(1, 2), call(1, 3)
    told.answered(first)
    assert sorted(told.take_news()) == [(MARCO, True), (SARA, True)]
    told.ended(first)
    told.answered(second)
    assert sorted(told.take_news()) == [(SARA, False), (GIULIA, True)]
