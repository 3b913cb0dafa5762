"""/api/calls/{company}: a company's call history, for its owners: the page's filters
(days in the reader's time zone, a person, a direction), 50 calls a page, and the same
CSV the page exports. Anyone else gets the 404 of a company that does not exist."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field, model_validator

from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import COMMON_ERRORS, ErrorOut, PageMeta, Text
from officina.api.schemas import translated_when_shown as _
from officina.pbx.call_export import write_calls_csv
from officina.pbx.company_calls import (
    CALLS_PER_PAGE,
    EXPORT_MAX_CALLS,
    CallFilters,
    access_company_calls_by_slug,
    company_calls,
    company_lines,
)

if TYPE_CHECKING:
    from officina.pbx.company_calls import CompanyLines
    from officina.pbx.models import CallRecord

router = Router(tags=["calls"])


class CallQuery(Schema):
    since: date | None = Field(None, description="first day, in your time zone")
    until: date | None = Field(None, description="last day, in your time zone")
    person: int | None = Field(None, ge=1, description="a member of the company (id)")
    direction: Literal["in", "out", "internal"] | None = None
    page: int = Field(1, ge=1, le=100_000)

    @model_validator(mode="after")
    def _days_in_order(self) -> CallQuery:
        if self.since and self.until and self.until < self.since:
            raise ValueError("until comes before since")
        return self

    def filters(self) -> CallFilters:
        return CallFilters(self.since, self.until, self.person, self.direction or "")


class CallOut(Schema):
    id: int
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    direction: Literal["in", "out", "internal"]
    caller_number: str
    caller_name: str
    callee_number: str
    callee_name: str
    outcome: str
    voicemail: bool  # the callee's voicemail took the call; outcome says why it went there
    reason: str
    talk_seconds: int | None
    transferred_by: str
    transferred_to: str


class CallList(Schema):
    meta: PageMeta
    calls: list[CallOut]


def _name(extension: object) -> str:
    member = getattr(extension, "member", None)
    return member.display_name if member is not None else ""


def _call_out(call: CallRecord, lines: CompanyLines) -> CallOut:
    duration = call.duration
    return CallOut(
        id=call.pk,
        started_at=call.started_at,
        answered_at=call.answered_at,
        ended_at=call.ended_at,
        direction=lines.direction_of(call),  # type: ignore[arg-type]
        caller_number=call.caller_number,
        caller_name=_name(call.caller),
        callee_number=call.callee_number,
        callee_name=_name(call.callee),
        outcome=call.outcome,
        voicemail=call.voicemail,
        reason=call.reason,
        talk_seconds=None if duration is None else round(duration.total_seconds()),
        transferred_by=call.transferred_by,
        transferred_to=call.transferred_to,
    )


@router.get(
    "/{slug}",
    response={200: CallList, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("A company's calls, newest first (its owners)"),
)
def list_calls(request: HttpRequest, slug: Text, query: Query[CallQuery]) -> CallList:
    company = access_company_calls_by_slug(signed_in_member(request), slug)
    lines = company_lines(company)
    page = Paginator(company_calls(lines, query.filters()), CALLS_PER_PAGE).get_page(query.page)
    return CallList(
        meta=PageMeta(page=page.number, pages=page.paginator.num_pages, count=page.paginator.count),
        calls=[_call_out(call, lines) for call in page],
    )


@router.get(
    "/{slug}/csv",
    response={200: str, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("A company's calls as CSV, in your time zone (its owners)"),
)
def export_calls(request: HttpRequest, slug: Text, query: Query[CallQuery]) -> HttpResponse:
    company = access_company_calls_by_slug(signed_in_member(request), slug)
    lines = company_lines(company)
    calls = company_calls(lines, query.filters())[:EXPORT_MAX_CALLS]
    response = HttpResponse(write_calls_csv(calls, lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{company.slug}-calls.csv"'
    return response
