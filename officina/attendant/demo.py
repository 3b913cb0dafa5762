"""Demo auto-attendant: the demo member's company answers on 500 (or the next free
number) with a menu spoken in Italian: 1 for a colleague, 2 for the company's reception
group when it has one, 9 for the owner's voicemail. The space the demo member manages
answers on 510 (or the next free number): 1 for her, 2 for the space's reception group
(its number routes there, ``trunks/demo.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from officina.accounts.demo import DEMO_EMAIL
from officina.accounts.kinds import CompanyRole
from officina.accounts.selectors import (
    company_people,
    find_member_by_email,
    manages_space,
    member_spaces_by_name,
    primary_company,
)
from officina.conferences.selectors import number_is_a_room
from officina.core.demo import DemoContext
from officina.pbx.selectors import extension_number_exists, get_member_extension
from officina.ringgroups.selectors import number_is_a_ring_group, owner_ring_groups

from .actions import MenuInput, check_save_menu
from .kinds import OptionKind
from .selectors import number_is_a_menu, owner_menus

if TYPE_CHECKING:
    from officina.accounts.models import Member, Space

DEMO_MENU_NUMBER = 500
DEMO_SPACE_MENU_NUMBER = 510


def free_number(first: int) -> str:
    """``first``, or the next number no extension, group, menu or room has."""
    number = first
    while (
        extension_number_exists(str(number))
        or number_is_a_ring_group(str(number))
        or number_is_a_menu(str(number))
        or number_is_a_room(str(number))
    ):
        number += 1
    return str(number)


def demo_space(member: Member) -> Space | None:
    """The physical space the demo member manages (Navigli)."""
    return next(
        (
            space
            for space in member_spaces_by_name(member)
            if not space.is_remote and manages_space(member.pk, space.pk)
        ),
        None,
    )


def populate(context: DemoContext) -> None:
    member = find_member_by_email(DEMO_EMAIL)
    if member is None:
        return
    _company_menu(member)
    _space_menu(member)


def _space_menu(member: Member) -> None:
    space = demo_space(member)
    group = owner_ring_groups(space).first() if space is not None else None
    extension = get_member_extension(member)
    if space is None or group is None or extension is None or owner_menus(space).exists():
        return
    check_save_menu(
        space,
        MenuInput(
            name="Reception",
            number=free_number(DEMO_SPACE_MENU_NUMBER),
            language="it",
            greeting_text=(
                f"Benvenuti a {space.name}. Per parlare con {member.first_name}, premete 1. "
                "Per la reception dello spazio, premete 2."
            ),
            options={
                "1": (OptionKind.EXTENSION, extension.number),
                "2": (OptionKind.RING_GROUP, group.number),
            },
        ),
    )


def _company_menu(member: Member) -> None:
    company = primary_company(member)
    if company is None or owner_menus(company).exists():
        return
    people = company_people(company)
    owner = next((p.member for p in people if p.role == CompanyRole.OWNER), people[0].member)
    options: dict[str, tuple[str, str]] = {}
    colleague = next(
        (
            extension
            for person in people
            if person.member != owner
            and (extension := get_member_extension(person.member)) is not None
        ),
        None,
    )
    if colleague is not None:
        options["1"] = (OptionKind.EXTENSION, colleague.number)
    group = owner_ring_groups(company).first()
    if group is not None:
        options["2"] = (OptionKind.RING_GROUP, group.number)
    owner_extension = get_member_extension(owner)
    if owner_extension is not None:
        options["9"] = (OptionKind.VOICEMAIL, owner_extension.number)
    said = ["Benvenuti in " + company.name + "."]
    if "1" in options:
        said.append("Per parlare con un collega, premete 1.")
    if "2" in options:
        said.append("Per la reception, premete 2.")
    if "9" in options:
        said.append("Per lasciare un messaggio, premete 9.")
    check_save_menu(
        company,
        MenuInput(
            name="Centralino",
            number=free_number(DEMO_MENU_NUMBER),
            language="it",
            greeting_text=" ".join(said),
            options=options,
        ),
    )
