"""Who sees which resources and bookings: "missing" and "not yours" look the same."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from officina.bookings.access import (
    access_booking_by_id,
    access_resource_by_id,
    access_resource_to_manage,
    bookable_resources,
    may_book,
    resources_to_book,
    space_resources,
    visible_resources,
)
from officina.bookings.actions import check_book, check_create_resource
from officina.bookings.tests.fixtures import EVERY_DAY, at
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


def test_the_resources_one_may_book_are_those_may_book_lets_book(
    giulia, marco, luca, admin, make_member, navigli, studio_rossi, panificio, room
):
    """The company limit in SQL (``bookable_resources``, read by finding a slot) and in
    Python (``may_book``, checked by each booking) say the same; a resource limited to
    two companies comes once."""
    for name, companies in (
        ("Rossi only", [studio_rossi]),
        ("Panificio only", [panificio]),
        ("Both", [studio_rossi, panificio]),
    ):
        check_create_resource(
            luca, navigli, name=name, kind="room", hours=EVERY_DAY, only_companies=companies
        )
    loner = make_member("loner@example.test")
    navigli.memberships.create(member=loner)
    expected = {
        giulia: {"Sala Brera", "Rossi only", "Both"},
        marco: {"Sala Brera", "Rossi only", "Both"},
        loner: {"Sala Brera"},
        luca: {"Sala Brera", "Rossi only", "Panificio only", "Both"},
        admin: {"Sala Brera", "Rossi only", "Panificio only", "Both"},
    }
    for member, names in expected.items():
        bookable = list(bookable_resources(member, navigli))
        assert sorted(r.name for r in bookable) == sorted(names)
        assert bookable == resources_to_book(member, navigli)
        assert {r.name for r in space_resources(member, navigli) if may_book(member, r)} == names


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
