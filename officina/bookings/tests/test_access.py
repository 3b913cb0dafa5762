"""Who sees which resources and bookings: "missing" and "not yours" look the same."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from officina.bookings.access import (
    access_booking_by_id,
    access_resource_by_id,
    access_resource_to_manage,
    visible_resources,
)
from officina.bookings.actions import check_book
from officina.bookings.tests.fixtures import at
from officina.core.errors import ErrorCode, OfficinaError

pytestmark = pytest.mark.django_db


def not_found(call: Callable[[], object]) -> str:
    with pytest.raises(OfficinaError) as caught:
        call()
    assert caught.value.code == ErrorCode.NOT_FOUND
    return str(caught.value)


def test_members_of_the_space_see_its_resources_and_nobody_else(
    giulia, sara, outsider, admin, room
):
    assert list(visible_resources(giulia)) == [room]
    assert access_resource_by_id(giulia, room.pk) == room
    assert access_resource_by_id(admin, room.pk) == room
    for stranger in (sara, outsider):
        assert not visible_resources(stranger).exists()
        assert not_found(partial(access_resource_by_id, stranger, room.pk)) == not_found(
            partial(access_resource_by_id, stranger, 999_999)
        )


def test_only_managers_reach_a_resource_to_manage(luca, giulia, room):
    assert access_resource_to_manage(luca, room.pk) == room
    not_found(lambda: access_resource_to_manage(giulia, room.pk))


def test_a_booking_is_its_member_s_and_the_managers(
    giulia, marco, luca, sara, room, navigli, tomorrow
):
    booking = check_book(
        giulia, room, starts_at=at(navigli, tomorrow, 10), ends_at=at(navigli, tomorrow, 11)
    )
    assert access_booking_by_id(giulia, booking.pk) == booking
    assert access_booking_by_id(luca, booking.pk) == booking
    for other in (marco, sara):
        not_found(partial(access_booking_by_id, other, booking.pk))
