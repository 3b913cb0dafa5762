"""/api/companies: the directory and one company with its people and relations."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from officina.accounts.access import access_company_by_slug
from officina.accounts.selectors import companies_directory, company_people, company_relations
from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import (
    COMMON_ERRORS,
    CompanyRef,
    ErrorOut,
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
