"""The one path to a member's PBX data. Reads only: provisioning is an action."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.accounts.access import access_phone_owner_by_slug
from officina.accounts.selectors import member_by_id, owner_people, owner_people_ids
from officina.core.errors import ErrorCode, OfficinaError
from officina.pbx.selectors import extensions_with_forwarding, get_member_extension

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.pbx.models import Extension, Forwarding


def access_own_extension_by_member(member: Member) -> Extension:
    """The signed-in member's own active extension."""
    if not member.is_authenticated or not member.is_active:
        raise OfficinaError(_("No such extension."), ErrorCode.NOT_FOUND)
    extension = get_member_extension(member)
    if extension is None or not extension.is_active:
        raise OfficinaError(_("No such extension."), ErrorCode.NOT_FOUND)
    return extension


def access_person_extension_by_id(
    viewer: Member, owner_field: str, slug: str, member_id: int
) -> Extension:
    """The active extension of ``member_id``, one of the people of the company (its
    owners read it) or of the space (its managers) that ``owner_field`` and ``slug``
    name; "no such company", "not yours" and "not one of its people" look the same."""
    owner = access_phone_owner_by_slug(viewer, owner_field, slug, to_manage=True)
    person = member_by_id(member_id) if member_id in owner_people_ids(owner) else None
    extension = get_member_extension(person) if person is not None else None
    if extension is None or not extension.is_active:
        raise OfficinaError(_("No such extension."), ErrorCode.NOT_FOUND)
    return extension


def access_owner_extensions_by_slug(
    viewer: Member, owner_field: str, slug: str
) -> list[tuple[Member, Extension, Forwarding | None]]:
    """Those of the people of the company (its owners read them) or of the members of the
    space (its managers) that ``owner_field`` and ``slug`` name who have an active
    extension, as ring groups order them, each with that extension and its stored
    forwarding; "no such company" and "not yours" look the same. The people
    ``access_person_extension_by_id`` finds, no more: who has no extension has no
    forwarding to read."""
    owner = access_phone_owner_by_slug(viewer, owner_field, slug, to_manage=True)
    people = owner_people(owner)
    extensions = extensions_with_forwarding(people)
    return [(person, *extensions[person.pk]) for person in people if person.pk in extensions]
