"""Demo conference room: the demo member's company has a room on 800 (or the next free
number) with the PIN 2026, its prompts in Italian."""

from __future__ import annotations

from officina.accounts.demo import DEMO_EMAIL
from officina.accounts.selectors import find_member_by_email, primary_company
from officina.attendant.demo import free_number
from officina.core.demo import DemoContext

from .actions import RoomInput, check_save_room
from .selectors import company_rooms

DEMO_ROOM_NUMBER = 800
DEMO_ROOM_PIN = "2026"


def populate(context: DemoContext) -> None:
    member = find_member_by_email(DEMO_EMAIL)
    company = primary_company(member) if member is not None else None
    if company is None or company_rooms(company).exists():
        return
    check_save_room(
        company,
        RoomInput(
            name="Sala riunioni",
            number=free_number(DEMO_ROOM_NUMBER),
            pin=DEMO_ROOM_PIN,
            language="it",
        ),
    )
