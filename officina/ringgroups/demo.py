"""Demo ring groups: every company with three people or more has a reception group (600
and on) that hunts through them in business hours (weekdays, a lunch break) and rings
its owner out of hours; every physical space has a reception group of its managers,
rung all at once (the space's menu sends callers there, ``attendant/demo.py``)."""

from __future__ import annotations

from datetime import time

from officina.accounts.kinds import CompanyRole
from officina.accounts.selectors import (
    all_spaces,
    companies_directory,
    company_people,
    space_managers,
)
from officina.core.demo import DemoContext
from officina.pbx.selectors import extension_number_exists, get_member_extension

from .actions import (
    BusinessHoursInput,
    RingGroupInput,
    check_save_business_hours,
    check_save_ring_group,
)
from .kinds import RingStrategy

OFFICE_HOURS = [[(time(9), time(13)), (time(14), time(18))]] * 5 + [[], []]
FIRST_GROUP_NUMBER = 600


def populate(context: DemoContext) -> None:
    number = FIRST_GROUP_NUMBER
    for company in companies_directory():
        people = company_people(company)
        if len(people) < 3:
            continue
        owner = next((p.member for p in people if p.role == CompanyRole.OWNER), people[0].member)
        owner_extension = get_member_extension(owner)
        check_save_business_hours(company, BusinessHoursInput("Europe/Rome", True, OFFICE_HOURS))
        while extension_number_exists(str(number)):  # a big demo's extensions reach 600
            number += 1
        check_save_ring_group(
            company,
            RingGroupInput(
                name="Reception",
                number=str(number),
                strategy=context.random.choice(list(RingStrategy.values)),
                member_ids=[p.member.pk for p in people[:5]],
                in_hours_only=True,
                out_of_hours_number=owner_extension.number if owner_extension else "",
            ),
        )
        number += 1
    for space in all_spaces():
        managers = space_managers(space)
        if space.is_remote or not managers:
            continue
        while extension_number_exists(str(number)):
            number += 1
        check_save_ring_group(
            space,
            RingGroupInput(
                name="Reception",
                number=str(number),
                strategy=RingStrategy.RING_ALL,
                member_ids=[manager.pk for manager in managers],
            ),
        )
        number += 1
