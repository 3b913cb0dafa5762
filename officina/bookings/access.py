"""The one path to bookings data.

Resources are seen by the members of their space; a resource limited to some companies
is booked only by their people (others still see it busy or free). A booking is its
member's, and its space managers'. "Missing" and "not yours" raise the same error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from officina.accounts.access import is_space_manager
from officina.accounts.kinds import SpaceRole
from officina.accounts.selectors import (
    company_ids_of_members,
    member_companies,
    member_space_roles,
    space_member_roles,
    superuser_ids,
)
from officina.core.errors import ErrorCode, OfficinaError

from .models import Booking, BookingSeries, Resource, ResourcePhoto

if TYPE_CHECKING:
    from officina.accounts.models import Member, Space


def _resource_not_found() -> OfficinaError:
    return OfficinaError(_("Resource not found."), ErrorCode.NOT_FOUND)


def _booking_not_found() -> OfficinaError:
    return OfficinaError(_("Booking not found."), ErrorCode.NOT_FOUND)


def _is_signed_in(member: Member) -> bool:
    return bool(member.is_authenticated and member.is_active)


def visible_resources(member: Member) -> QuerySet[Resource]:
    """Active resources of the spaces the member belongs to (every one for a superuser)."""
    if not _is_signed_in(member):
        return Resource.objects.none()
    resources = Resource.objects.filter(is_active=True)
    if member.is_superuser:
        return resources
    return resources.filter(space_id__in=list(member_space_roles(member)))


def space_resources(member: Member, space: Space) -> QuerySet[Resource]:
    """The resources of ``space`` the member sees; none unless they belong to it."""
    return visible_resources(member).filter(space=space)


def _open_to(resource: Resource, company_ids: set[int]) -> bool:
    """Whether people of these companies pass the resource's company limit, if any
    (read through the prefetched ``only_companies``)."""
    limited_to = {company.pk for company in resource.only_companies.all()}
    return not limited_to or bool(limited_to & company_ids)


def _company_ids(member: Member) -> set[int]:
    return {membership.company_id for membership in member_companies(member)}


def may_book(member: Member, resource: Resource) -> bool:
    """Whether the member may book ``resource``, which they can already see."""
    if member.is_superuser or is_space_manager(member, resource.space):
        return True
    if not resource.only_companies.all():
        return True
    return _open_to(resource, _company_ids(member))


def member_ids_who_may_book(resource: Resource) -> frozenset[int]:
    """Everyone ``may_book`` lets book ``resource`` and ``visible_resources`` lets see it,
    at once, by member id (the PBX checks a caller of the meeting room's line by it):
    nobody while it is inactive; else the superusers, the space's managers, and its
    other people within the resource's company limit."""
    if not resource.is_active:
        return frozenset()
    roles = space_member_roles(resource.space_id)
    allowed = superuser_ids() | {
        member_id for member_id, role in roles.items() if role == SpaceRole.MANAGER
    }
    limited_to = {company.pk for company in resource.only_companies.all()}
    companies = company_ids_of_members(list(roles)) if limited_to else {}
    for member_id in roles:
        if not limited_to or limited_to & set(companies.get(member_id, ())):
            allowed.add(member_id)
    return frozenset(allowed)


def bookable_resources(member: Member, space: Space) -> QuerySet[Resource]:
    """The resources of ``space`` the member may book (``may_book``'s rule, in SQL): all
    they see for a manager; else those limited to no company or to one of theirs."""
    resources = space_resources(member, space)
    if member.is_superuser or is_space_manager(member, space):
        return resources
    limits = Resource.only_companies.through.objects.filter(resource_id=OuterRef("pk"))
    return resources.filter(
        ~Exists(limits) | Exists(limits.filter(company_id__in=_company_ids(member)))
    )


def resources_to_book(member: Member, space: Space) -> list[Resource]:
    """The resources of ``space`` the member may book, in a fixed number of queries."""
    return list(
        bookable_resources(member, space).select_related("space").prefetch_related("only_companies")
    )


def access_resource_by_id(member: Member, resource_id: int, *, to_book: bool = False) -> Resource:
    resource = (
        visible_resources(member)
        .select_related("space")
        .prefetch_related("only_companies")
        .filter(pk=resource_id)
        .first()
    )
    if resource is None:
        raise _resource_not_found()
    if to_book and not may_book(member, resource):
        raise _resource_not_found()
    return resource


def access_resource_to_manage(member: Member, resource_id: int) -> Resource:
    """Any resource (active or not) of a space the member manages."""
    if not _is_signed_in(member):
        raise _resource_not_found()
    resource = (
        Resource.objects.select_related("space")
        .prefetch_related("hours", "only_companies")
        .filter(pk=resource_id)
        .first()
    )
    if resource is None or not is_space_manager(member, resource.space):
        raise _resource_not_found()
    return resource


def access_resource_photo_by_id(member: Member, photo_id: int) -> ResourcePhoto:
    """A photo of a resource the member sees, or of any resource of a space they manage
    (a resource not bookable yet is shown to its managers)."""
    if not _is_signed_in(member):
        raise _resource_not_found()
    photo = ResourcePhoto.objects.select_related("resource__space").filter(pk=photo_id).first()
    if photo is None:
        raise _resource_not_found()
    if visible_resources(member).filter(pk=photo.resource_id).exists():
        return photo
    if is_space_manager(member, photo.resource.space):
        return photo
    raise _resource_not_found()


def can_manage_booking(member: Member, booking: Booking) -> bool:
    return is_space_manager(member, booking.resource.space)


def access_booking_by_id(member: Member, booking_id: int) -> Booking:
    """A booking of the member's own, or of a space they manage."""
    if not _is_signed_in(member):
        raise _booking_not_found()
    booking = (
        Booking.objects.select_related("resource__space", "member").filter(pk=booking_id).first()
    )
    if booking is None:
        raise _booking_not_found()
    if booking.member_id != member.pk and not can_manage_booking(member, booking):
        raise _booking_not_found()
    return booking


def access_series_by_id(member: Member, series_id: int) -> BookingSeries:
    """A booking series of the member's own, or of a space they manage."""
    if not _is_signed_in(member):
        raise _booking_not_found()
    series = (
        BookingSeries.objects.select_related("resource__space", "member")
        .filter(pk=series_id)
        .first()
    )
    if series is None:
        raise _booking_not_found()
    if series.member_id != member.pk and not is_space_manager(member, series.resource.space):
        raise _booking_not_found()
    return series
