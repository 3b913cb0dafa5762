"""Bookable resources at Navigli (see officina/conftest.py for the people and spaces).

``room``: Sala Brera, 8 people, screen and whiteboard, open 08:00–20:00 every day,
4 hours at most, 60 days ahead. ``buffered_room``: Sala Darsena, 4 people, screen, 15
minutes kept free after each booking. ``tomorrow``: the local date after today at Navigli.
Imported by the conftest here and by the API's booking tests.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from officina.bookings.actions import check_book, check_create_resource

EVERY_DAY = {weekday: (time(8, 0), time(20, 0)) for weekday in range(7)}


def at(space: Any, day: date, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` on ``day`` where ``space`` is."""
    return datetime.combine(day, time(hour, minute), tzinfo=space.zone)


def five_booths_booked(manager: Any, space: Any, day: date, early: Any, late: Any) -> None:
    """Phone booths "Cabina 0" to "Cabina 4", open every day, each booked on ``day`` by
    ``early`` from 9:00 to 10:00 and by ``late`` from 11:00 to 12:00: many resources and
    bookings for the pages whose queries must not grow with them."""
    for number in range(5):
        booth = check_create_resource(
            manager, space, name=f"Cabina {number}", kind="booth", hours=EVERY_DAY
        )
        for member, hour in ((early, 9), (late, 11)):
            check_book(
                member, booth, starts_at=at(space, day, hour), ends_at=at(space, day, hour + 1)
            )


@pytest.fixture
def room(luca, navigli):
    return check_create_resource(
        luca,
        navigli,
        name="Sala Brera",
        kind="room",
        capacity=8,
        amenities=["screen", "whiteboard"],
        hours=EVERY_DAY,
    )


@pytest.fixture
def buffered_room(luca, navigli):
    return check_create_resource(
        luca,
        navigli,
        name="Sala Darsena",
        kind="room",
        capacity=4,
        amenities=["screen"],
        buffer_minutes=15,
        hours=EVERY_DAY,
    )


@pytest.fixture
def tomorrow(navigli: Any) -> date:
    return timezone.localtime(timezone.now(), navigli.zone).date() + timedelta(days=1)


def photo_bytes(image_format: str = "JPEG", size: tuple[int, int] = (800, 600)) -> bytes:
    """A real image of a room, as a camera or a phone would send it, with EXIF data."""
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make: must not survive the re-encoding
    Image.new("RGB", size, (30, 120, 200)).save(buffer, format=image_format, exif=exif)
    return buffer.getvalue()
