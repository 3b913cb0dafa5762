"""The one path to the ring groups of a company or a space: a company's people see them
(and say whether they are available), its owners set them up, its space's managers see
them too; a space's managers set up and see the space's own, and a space's member listed
in one of its groups reaches that group alone, to say whether its calls ring them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.accounts.access import (
    access_phone_owner_by_slug,
    access_space_by_slug,
    may_manage_phone_owner,
)
from officina.core.errors import ErrorCode, OfficinaError

from .selectors import is_listed_in, ring_group_of_owner

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.accounts.selectors import PhoneOwner

    from .models import RingGroup


def _not_found() -> OfficinaError:
    return OfficinaError(_("Ring group not found."), ErrorCode.NOT_FOUND)


def may_manage_ring_groups(member: Member, owner: PhoneOwner) -> bool:
    return may_manage_phone_owner(member, owner)


def access_ring_group_owner_by_slug(
    member: Member, slug: str, *, owner: str = "company", to_manage: bool = False
) -> PhoneOwner:
    """The company (``owner="company"``) or space (``"space"``) called ``slug``."""
    try:
        return access_phone_owner_by_slug(member, owner, slug, to_manage=to_manage)
    except OfficinaError:
        raise _not_found() from None


def access_ring_group_by_id(
    member: Member, slug: str, group_id: int, *, owner: str = "company", to_manage: bool = False
) -> RingGroup:
    found = access_ring_group_owner_by_slug(member, slug, owner=owner, to_manage=to_manage)
    group = ring_group_of_owner(found, group_id)
    if group is None:
        raise _not_found()
    return group


def access_own_place_by_id(
    member: Member, slug: str, group_id: int, *, owner: str = "company"
) -> RingGroup:
    """A group of the company or space ``slug`` that lists ``member``, for them to say
    whether its calls ring them: a company's as its people see its groups; a space's for
    its members, though only its managers see the space's groups (any other: not found,
    as a group that does not exist)."""
    if owner == "space":
        try:
            found: PhoneOwner = access_space_by_slug(member, slug, as_member=True)
        except OfficinaError:
            raise _not_found() from None
    else:
        found = access_ring_group_owner_by_slug(member, slug, owner=owner)
    group = ring_group_of_owner(found, group_id)
    if group is None or not is_listed_in(member, group):
        raise _not_found()
    return group
