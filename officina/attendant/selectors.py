"""Reads of the auto-attendant: a company's menus, and every menu as the PBX plays it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from officina.ringgroups.selectors import company_schedules

from .models import Menu, MenuOption

if TYPE_CHECKING:
    from officina.accounts.models import Company
    from officina.ringgroups.business_hours import Schedule


def company_menus(company: Company) -> QuerySet[Menu]:
    return Menu.objects.filter(company=company).prefetch_related(
        Prefetch("options", queryset=MenuOption.objects.order_by("key"))
    )


def menu_of_company(company: Company, menu_id: int) -> Menu | None:
    return company_menus(company).filter(pk=menu_id).first()


def company_menu_by_number(company: Company, number: str) -> Menu | None:
    return Menu.objects.filter(company=company, number=number).first()


def number_is_a_menu(number: str, *, except_menu: Menu | None = None) -> bool:
    menus = Menu.objects.filter(number=number)
    if except_menu is not None:
        menus = menus.exclude(pk=except_menu.pk)
    return menus.exists()


@dataclass(frozen=True, slots=True)
class MenuPlan:
    """One menu as the PBX plays it."""

    menu_id: int
    company_id: int
    number: str
    name: str
    language: str
    greeting: Path | None
    timeout_seconds: int
    options: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (kind, number)
    # Out of the company's hours the menu of this number answers instead (same company).
    schedule: Schedule | None = None
    out_of_hours_number: str = ""


def menu_plans() -> dict[str, MenuPlan]:
    """Every menu by its number, ready to answer. Four queries."""
    schedules = company_schedules()
    plans = {}
    for menu in Menu.objects.prefetch_related("options"):
        plans[menu.number] = MenuPlan(
            menu_id=menu.pk,
            company_id=menu.company_id,
            number=menu.number,
            name=menu.name,
            language=menu.language,
            greeting=Path(menu.greeting.path) if menu.greeting else None,
            timeout_seconds=menu.timeout_seconds,
            options={option.key: (option.kind, option.number) for option in menu.options.all()},
            schedule=schedules.get(menu.company_id) if menu.out_of_hours_number else None,
            out_of_hours_number=menu.out_of_hours_number,
        )
    return plans
