"""Local wall-clock times: DST gaps and folds are refused, not guessed."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from officina.bookings.local_times import instant_on, local_to_instant, zone_named
from officina.core.errors import ErrorCode, OfficinaError

ROME = ZoneInfo("Europe/Rome")


def test_an_ordinary_local_time_is_that_instant_in_the_zone():
    instant = local_to_instant(datetime(2027, 1, 11, 10, 0), ROME, field="starts_at")
    assert instant.astimezone(UTC) == datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


def test_a_time_with_an_offset_is_kept():
    given = datetime(2027, 1, 11, 10, 0, tzinfo=UTC)
    assert local_to_instant(given, ROME, field="starts_at") is given


def test_a_local_time_in_the_spring_gap_does_not_exist():
    with pytest.raises(OfficinaError) as caught:
        local_to_instant(datetime(2027, 3, 28, 2, 30), ROME, field="starts_at")
    assert caught.value.code == ErrorCode.INVALID_INPUT
    assert caught.value.details["field"] == "starts_at"
    assert "does not exist" in str(caught.value)


def test_a_local_time_in_the_autumn_fold_happens_twice():
    with pytest.raises(OfficinaError) as caught:
        local_to_instant(datetime(2027, 10, 31, 2, 30), ROME, field="ends_at")
    assert caught.value.details["field"] == "ends_at"
    assert "happens twice" in str(caught.value)


def test_unknown_zone_names_are_input_errors():
    with pytest.raises(OfficinaError) as caught:
        zone_named("Mars/Olympus_Mons")
    assert caught.value.code == ErrorCode.INVALID_INPUT
    with pytest.raises(OfficinaError):
        zone_named("../../etc/passwd")
    assert zone_named("Europe/Rome") == ROME


def test_opening_hours_in_a_gap_move_on_and_in_a_fold_take_the_first():
    gap = instant_on(datetime(2027, 3, 28).date(), datetime(2027, 1, 1, 2, 30).time(), ROME)
    assert gap.astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    fold = instant_on(datetime(2027, 10, 31).date(), datetime(2027, 1, 1, 2, 30).time(), ROME)
    assert fold.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("year", [1, 1999, 2101, 9999])
def test_dates_far_from_now_are_input_errors_not_overflows(year):
    with pytest.raises(OfficinaError) as caught:
        local_to_instant(datetime(year, 1, 1, 0, 30), ROME, field="starts_at")
    assert caught.value.details["field"] == "starts_at"
    with pytest.raises(OfficinaError):
        local_to_instant(datetime(year, 12, 31, 23, 30, tzinfo=UTC), ROME, field="ends_at")
