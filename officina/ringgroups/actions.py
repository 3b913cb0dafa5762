"""Set up a company's ring groups and say whether one is available for a group's calls.

``check_*`` validate everything first and change nothing on an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from officina.accounts.selectors import company_ids_of_members
from officina.core.errors import ErrorCode, OfficinaError
from officina.pbx.selectors import extension_number_exists

from .kinds import (
    MAX_LISTED_MEMBERS,
    NAME_MAX_LENGTH,
    NUMBER_MAX_DIGITS,
    NUMBER_MIN_DIGITS,
    RING_SECONDS_MAX,
    RING_SECONDS_MIN,
    RingStrategy,
    RingTargets,
)
from .models import RingGroup, RingGroupMember
from .selectors import number_is_a_ring_group

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member


@dataclass
class RingGroupInput:
    name: str
    number: str
    strategy: str = RingStrategy.RING_ALL
    targets: str = RingTargets.LISTED
    ring_seconds: int = 15
    member_ids: list[int] = field(default_factory=list)  # in ringing order


def _check(company: Company, data: RingGroupInput, group: RingGroup | None) -> RingGroupInput:
    name = " ".join(data.name.split())
    if not name:
        raise OfficinaError.invalid_input(_("Give the group a name."), field="name")
    if len(name) > NAME_MAX_LENGTH or any(ord(c) < 32 for c in name):
        raise OfficinaError.invalid_input(
            _("At most %(limit)s characters, on one line.") % {"limit": NAME_MAX_LENGTH},
            field="name",
        )
    number = data.number.strip()
    if not (number.isascii() and number.isdigit()) or not (
        NUMBER_MIN_DIGITS <= len(number) <= NUMBER_MAX_DIGITS
    ):
        raise OfficinaError.invalid_input(
            _("The number is %(min)s to %(max)s digits.")
            % {"min": NUMBER_MIN_DIGITS, "max": NUMBER_MAX_DIGITS},
            field="number",
        )
    if extension_number_exists(number) or number_is_a_ring_group(number, except_group=group):
        raise OfficinaError.invalid_input(
            _("%(number)s is already taken: choose another number.") % {"number": number},
            field="number",
        )
    if data.strategy not in RingStrategy.values:
        raise OfficinaError.invalid_input(_("Unknown way of ringing."), field="strategy")
    if data.targets not in RingTargets.values:
        raise OfficinaError.invalid_input(_("Unknown choice of whom to ring."), field="targets")
    if not RING_SECONDS_MIN <= data.ring_seconds <= RING_SECONDS_MAX:
        raise OfficinaError.invalid_input(
            _("Between %(min)s and %(max)s seconds.")
            % {"min": RING_SECONDS_MIN, "max": RING_SECONDS_MAX},
            field="ring_seconds",
        )
    member_ids = list(dict.fromkeys(data.member_ids))
    if len(member_ids) > MAX_LISTED_MEMBERS:
        raise OfficinaError.invalid_input(
            _("At most %(count)s people in a group.") % {"count": MAX_LISTED_MEMBERS},
            field="members",
        )
    companies = company_ids_of_members(member_ids) if member_ids else {}
    if any(company.pk not in companies.get(member_id, ()) for member_id in member_ids):
        raise OfficinaError.invalid_input(
            _("Only people of %(company)s can be in its groups.") % {"company": company.name},
            field="members",
        )
    if data.targets == RingTargets.LISTED and not member_ids:
        raise OfficinaError.invalid_input(_("List at least one person."), field="members")
    return RingGroupInput(name, number, data.strategy, data.targets, data.ring_seconds, member_ids)


def check_save_ring_group(
    company: Company, data: RingGroupInput, group: RingGroup | None = None
) -> RingGroup:
    """Create a ring group of ``company`` or change ``group``; the listed people keep
    whether they were available."""
    clean = _check(company, data, group)
    try:
        with transaction.atomic():
            if group is None:
                group = RingGroup(company=company)
            group.name = clean.name
            group.number = clean.number
            group.strategy = clean.strategy
            group.targets = clean.targets
            group.ring_seconds = clean.ring_seconds
            group.save()
            was_available = dict(
                RingGroupMember.objects.filter(group=group).values_list("member_id", "available")
            )
            RingGroupMember.objects.filter(group=group).delete()
            RingGroupMember.objects.bulk_create(
                [
                    RingGroupMember(
                        group=group,
                        member_id=member_id,
                        position=position,
                        available=was_available.get(member_id, True),
                    )
                    for position, member_id in enumerate(clean.member_ids, start=1)
                ]
            )
    except IntegrityError:
        raise OfficinaError.invalid_input(
            _("%(number)s was just taken: choose another number.") % {"number": clean.number},
            field="number",
        ) from None
    return group


def do_delete_ring_group(group: RingGroup) -> None:
    group.delete()


def check_set_availability(member: Member, group: RingGroup, *, available: bool) -> None:
    """Say whether ``member`` takes ``group``'s calls (do not disturb when not)."""
    updated = RingGroupMember.objects.filter(group=group, member=member).update(available=available)
    if not updated:
        raise OfficinaError(_("You are not in this group."), ErrorCode.NOT_FOUND)
