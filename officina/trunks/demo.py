"""Demo trunk: the space the demo member manages (Navigli) has a line from a provider
(by address, so it registers nowhere) with one number, routed to the space's menu
(``attendant/demo.py``): its managers see both from the space's page."""

from __future__ import annotations

from officina.accounts.demo import DEMO_EMAIL
from officina.accounts.selectors import find_member_by_email
from officina.attendant.demo import demo_space
from officina.attendant.selectors import owner_menus
from officina.core.demo import DemoContext

from .actions import NumberInput, TrunkInput, check_save_number, check_save_trunk
from .kinds import RouteKind, TrunkMode
from .selectors import owner_trunks

DEMO_SPACE_NUMBER = "02 8088 0510"


def populate(context: DemoContext) -> None:
    member = find_member_by_email(DEMO_EMAIL)
    space = demo_space(member) if member is not None else None
    menu = owner_menus(space).first() if space is not None else None
    if space is None or menu is None or owner_trunks(space).exists():
        return
    trunk = check_save_trunk(
        space,
        TrunkInput(name=f"Linea di {space.name}", host="sip.provider.example", mode=TrunkMode.PEER),
    )
    check_save_number(space, NumberInput(DEMO_SPACE_NUMBER, trunk.pk, RouteKind.MENU, menu.number))
