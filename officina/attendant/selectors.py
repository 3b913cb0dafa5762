"""Reads of the auto-attendant: a company's or a space's menus, and every menu as the PBX
plays it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet

from officina.accounts.selectors import owned_by_any, owner_field
from officina.ringgroups.selectors import company_schedules, space_schedules

from .kinds import OptionKind
from .models import Menu, MenuOption

if TYPE_CHECKING:
    from collections.abc import Iterable

    from officina.accounts.selectors import PhoneOwner
    from officina.ringgroups.business_hours import Schedule


def owner_menus(owner: PhoneOwner) -> QuerySet[Menu]:
    """The menus of a company or of a space, each with its options."""
    return Menu.objects.filter(**{owner_field(owner): owner}).prefetch_related(
        Prefetch("options", queryset=MenuOption.objects.order_by("key"))
    )


def menu_of_owner(owner: PhoneOwner, menu_id: int) -> Menu | None:
    return owner_menus(owner).filter(pk=menu_id).first()


def owner_menu_by_number(owner: PhoneOwner, number: str) -> Menu | None:
    return Menu.objects.filter(**{owner_field(owner): owner}, number=number).first()


def menu_routes_to(kind: str, number: str) -> list[tuple[str, str, int | None, int | None]]:
    """(menu number, key, its company's id, its space's id) of every menu key that sends a
    caller to ``number`` as ``kind`` (an ``OptionKind``), and (menu number, "", …) of
    every menu whose out-of-hours menu it is. Two queries."""
    keys = MenuOption.objects.filter(kind=kind, number=number).order_by("menu__number", "key")
    routes: list[tuple[str, str, int | None, int | None]] = list(
        keys.values_list("menu__number", "key", "menu__company_id", "menu__space_id")
    )
    if kind == OptionKind.MENU:
        closed = Menu.objects.filter(out_of_hours_number=number).order_by("number")
        routes += [
            (menu, "", company_id, space_id)
            for menu, company_id, space_id in closed.values_list("number", "company_id", "space_id")
        ]
    return routes


def lock_menus(
    numbers: Iterable[str], *, menu_id: int | None = None, owners: Iterable[PhoneOwner] = ()
) -> dict[int, str]:
    """Row-lock, until the transaction ends, the menus numbered ``numbers``, the menu
    ``menu_id`` and every menu of ``owners``, by id (one order for every caller, so two
    never wait for each other); their id → number as they are now. A no-op lock on
    SQLite, whose write transactions are serialised already."""
    menus = Menu.objects.select_for_update().filter(
        Q(number__in=list(numbers)) | Q(pk=menu_id) | owned_by_any(owners)
    )
    return dict(menus.order_by("pk").values_list("pk", "number"))


def menu_numbered(number: str) -> Menu | None:
    """The menu whose extension is ``number``, if any."""
    return Menu.objects.filter(number=number).first()


def number_is_a_menu(number: str, *, except_menu: Menu | None = None) -> bool:
    menus = Menu.objects.filter(number=number)
    if except_menu is not None:
        menus = menus.exclude(pk=except_menu.pk)
    return menus.exists()


@dataclass(frozen=True, slots=True)
class MenuPlan:
    """One menu as the PBX plays it."""

    menu_id: int
    company_id: int | None
    number: str
    name: str
    language: str
    greeting: Path | None
    timeout_seconds: int
    options: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (kind, number)
    space_id: int | None = None
    # Out of its owner's hours the menu of this number answers instead (same owner).
    schedule: Schedule | None = None
    out_of_hours_number: str = ""


def menu_plans() -> dict[str, MenuPlan]:
    """Every menu by its number, ready to answer. Six queries."""
    schedules, of_spaces = company_schedules(), space_schedules()
    plans = {}
    for menu in Menu.objects.prefetch_related("options"):
        schedule = (
            schedules.get(menu.company_id)
            if menu.company_id is not None
            else of_spaces.get(menu.space_id or 0)
        )
        plans[menu.number] = MenuPlan(
            menu_id=menu.pk,
            company_id=menu.company_id,
            space_id=menu.space_id,
            number=menu.number,
            name=menu.name,
            language=menu.language,
            greeting=Path(menu.greeting.path) if menu.greeting else None,
            timeout_seconds=menu.timeout_seconds,
            options={option.key: (option.kind, option.number) for option in menu.options.all()},
            schedule=schedule if menu.out_of_hours_number else None,
            out_of_hours_number=menu.out_of_hours_number,
        )
    return plans
