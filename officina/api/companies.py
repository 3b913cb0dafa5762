"""/api/companies: the directory and one company with its people and relations."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from officina.accounts.access import access_company_by_slug, access_company_join_request_by_id
from officina.accounts.actions import (
    check_answer_company_invitation,
    check_ask_to_join_company,
    check_decide_company_join_request,
)
from officina.accounts.selectors import (
    companies_directory,
    company_join_requests,
    company_people,
    company_relations,
)
from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import (
    COMMON_ERRORS,
    BodyIn,
    CompanyRef,
    ErrorOut,
    JoinDecisionIn,
    JoinRequestOut,
    MemberRef,
    PageMeta,
    SpaceRef,
    Text,
    company_ref,
    member_ref,
)
from officina.api.schemas import translated_when_shown as _

router = Router(tags=["companies"])
COMPANIES_PER_PAGE = 30


class CompanyFilters(Schema):
    q: Text = Field("", max_length=200, description="words of the name, city or description")
    page: int = Field(1, ge=1, le=100_000)


class CompanyListItem(CompanyRef):
    city: str
    people: int
    space: SpaceRef | None


class CompanyList(Schema):
    meta: PageMeta
    companies: list[CompanyListItem]


class PersonOut(MemberRef):
    role: str


class RelationsOut(Schema):
    clients: list[CompanyRef]
    suppliers: list[CompanyRef]
    partners: list[CompanyRef]


class CompanyDetail(CompanyRef):
    description: str
    website: str
    city: str
    space: SpaceRef | None
    people: list[PersonOut]
    relations: RelationsOut


@router.get("", response={200: CompanyList, **COMMON_ERRORS}, summary=_("List companies"))
def list_companies(request: HttpRequest, filters: Query[CompanyFilters]) -> CompanyList:
    page = Paginator(companies_directory(filters.q), COMPANIES_PER_PAGE).get_page(filters.page)
    return CompanyList(
        meta=PageMeta(page=page.number, pages=page.paginator.num_pages, count=page.paginator.count),
        companies=[
            CompanyListItem(
                slug=company.slug,
                name=company.name,
                city=company.city,
                people=company.people_count,  # type: ignore[attr-defined]
                space=SpaceRef(slug=company.space.slug, name=company.space.name)
                if company.space
                else None,
            )
            for company in page
        ],
    )


@router.get(
    "/{slug}",
    response={200: CompanyDetail, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("A company with its people and its clients, suppliers and partners"),
)
def get_company(request: HttpRequest, slug: Text) -> CompanyDetail:
    company = access_company_by_slug(signed_in_member(request), slug)
    relations = company_relations(company)
    return CompanyDetail(
        slug=company.slug,
        name=company.name,
        description=company.description,
        website=company.website,
        city=company.city,
        space=SpaceRef(slug=company.space.slug, name=company.space.name) if company.space else None,
        people=[
            PersonOut(**member_ref(each.member).dict(), role=each.role)
            for each in company_people(company)
        ],
        relations=RelationsOut(
            clients=[company_ref(each.company) for each in relations.clients],
            suppliers=[company_ref(each.company) for each in relations.suppliers],
            partners=[company_ref(each.company) for each in relations.partners],
        ),
    )


class InvitationAnswerIn(BodyIn):
    accept: bool = Field(description="true joins the company, false declines")


@router.post(
    "/{slug}/invitation",
    response={204: None, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Accept or decline my invitation to a company"),
)
def answer_invitation(
    request: HttpRequest, slug: Text, payload: InvitationAnswerIn
) -> Status[None]:
    member = signed_in_member(request)
    company = access_company_by_slug(member, slug)
    check_answer_company_invitation(member, company, accept=payload.accept)
    return Status(204, None)


class CompanyJoinIn(BodyIn):
    message: Text = Field("", max_length=300, description="a word for the owners")


@router.post(
    "/{slug}/join",
    response={204: None, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Ask a company's owners to take me in (they are notified)"),
)
def ask_to_join(
    request: HttpRequest, slug: Text, payload: CompanyJoinIn | None = None
) -> Status[None]:
    member = signed_in_member(request)
    company = access_company_by_slug(member, slug)
    check_ask_to_join_company(member, company, message=payload.message if payload else "")
    return Status(204, None)


@router.get(
    "/{slug}/join-requests",
    response={200: list[JoinRequestOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Who asks to join (owners of the company only)"),
)
def join_requests(request: HttpRequest, slug: Text) -> list[JoinRequestOut]:
    company = access_company_by_slug(signed_in_member(request), slug, to_manage=True)
    return [JoinRequestOut.of(join_request) for join_request in company_join_requests(company)]


@router.post(
    "/{slug}/join-requests/{request_id}",
    response={204: None, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Approve or refuse a request to join (the requester is notified)"),
)
def decide_join_request(
    request: HttpRequest, slug: Text, request_id: int, payload: JoinDecisionIn
) -> Status[None]:
    owner = signed_in_member(request)
    company = access_company_by_slug(owner, slug, to_manage=True)
    join_request = access_company_join_request_by_id(owner, company, request_id)
    check_decide_company_join_request(owner, join_request, approve=payload.approve)
    return Status(204, None)
