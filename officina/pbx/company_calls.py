"""A company's call history: every call of its people's extensions and of its numbers.

Read by the company's owners only (``access_company_calls_by_slug``), on its page and
through the API; both filter with ``CallFilters`` and page the same query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from officina.accounts.access import access_company_workings_by_slug
from officina.accounts.selectors import company_people
from officina.core.errors import ErrorCode, OfficinaError
from officina.pbx.models import CallRecord, Extension
from officina.trunks.selectors import owner_numbers

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member

CALLS_PER_PAGE = 50
# A CSV export holds at most this many calls (the newest): a year of a busy small office.
EXPORT_MAX_CALLS = 50_000
DIRECTIONS = ("in", "out", "internal")


def access_company_calls_by_slug(member: Member, slug: str) -> Company:
    """The company whose calls ``member`` may read: its owners (and superusers). Anyone
    else, like a company that does not exist, gets the same "not found"."""
    try:
        return access_company_workings_by_slug(member, slug, to_manage=True)
    except OfficinaError:
        raise OfficinaError(_("Company not found."), ErrorCode.NOT_FOUND) from None


@dataclass(frozen=True, slots=True)
class CallFilters:
    since: date | None = None  # days in the reader's time zone, both included
    until: date | None = None
    person_id: int | None = None  # a member of the company
    direction: str = ""  # "", or one of DIRECTIONS, as the company sees the call


@dataclass(frozen=True, slots=True)
class CompanyLines:
    """Who and what in the PBX is the company's: its people's extensions, its numbers."""

    extension_ids: list[int]
    extension_of_member: dict[int, int]
    numbers: list[str]

    def ours_calling(self) -> Q:
        return Q(caller_id__in=self.extension_ids) | Q(caller_number__in=self.numbers)

    def ours_called(self) -> Q:
        return Q(callee_id__in=self.extension_ids) | Q(callee_number__in=self.numbers)

    def direction_of(self, call: CallRecord) -> str:
        calling = call.caller_id in self.extension_ids or call.caller_number in self.numbers
        called = call.callee_id in self.extension_ids or call.callee_number in self.numbers
        if calling and called:
            return "internal"
        return "out" if calling else "in"


def company_lines(company: Company) -> CompanyLines:
    member_ids = [membership.member_id for membership in company_people(company)]
    extensions = dict(
        Extension.objects.filter(member_id__in=member_ids).values_list("member_id", "pk")
    )
    return CompanyLines(
        extension_ids=sorted(extensions.values()),
        extension_of_member=extensions,
        numbers=list(owner_numbers(company).values_list("e164", flat=True)),
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def company_calls(lines: CompanyLines, filters: CallFilters) -> QuerySet[CallRecord]:
    """The company's calls matching ``filters``, newest first."""
    calls = CallRecord.objects.filter(lines.ours_calling() | lines.ours_called())
    if filters.since is not None:
        calls = calls.filter(started_at__gte=_start_of(filters.since))
    if filters.until is not None:
        calls = calls.filter(started_at__lt=_start_of(filters.until + timedelta(days=1)))
    if filters.person_id is not None:
        extension_id = lines.extension_of_member.get(filters.person_id)
        if extension_id is None:
            return CallRecord.objects.none()
        calls = calls.filter(Q(caller_id=extension_id) | Q(callee_id=extension_id))
    if filters.direction == "in":
        calls = calls.filter(lines.ours_called()).exclude(lines.ours_calling())
    elif filters.direction == "out":
        calls = calls.filter(lines.ours_calling()).exclude(lines.ours_called())
    elif filters.direction == "internal":
        calls = calls.filter(lines.ours_calling()).filter(lines.ours_called())
    return calls.select_related("caller__member", "callee__member").order_by("-started_at", "-id")


def company_call_people(company: Company) -> list[tuple[int, str]]:
    """The people one may filter the company's calls by: (member id, name)."""
    return [
        (membership.member_id, membership.member.display_name)
        for membership in company_people(company)
    ]


__all__ = [
    "CALLS_PER_PAGE",
    "DIRECTIONS",
    "EXPORT_MAX_CALLS",
    "CallFilters",
    "CompanyLines",
    "access_company_calls_by_slug",
    "company_call_people",
    "company_calls",
    "company_lines",
]
