"""Shapes shared by several API routers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ninja import Schema
from pydantic import Field

if TYPE_CHECKING:
    from officina.accounts.models import Company, Member
    from officina.skills.models import Skill


class ErrorOut(Schema):
    code: str = Field(examples=["NOT_FOUND"])
    message: str = Field(examples=["Question not found."])


class ValidationDetail(Schema):
    location: list[str]
    message: str
    type: str


class ValidationErrorOut(ErrorOut):
    details: list[ValidationDetail]


# Every authenticated operation can answer these besides its own codes.
COMMON_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 422: ValidationErrorOut}


class MemberRef(Schema):
    id: int
    name: str


class CompanyRef(Schema):
    slug: str
    name: str


class SpaceRef(Schema):
    slug: str
    name: str


class SkillOut(Schema):
    slug: str
    name_en: str
    name_it: str
    category: str


class PageMeta(Schema):
    page: int
    pages: int
    count: int


class Timestamped(Schema):
    created_at: datetime


def member_ref(member: Member) -> MemberRef:
    return MemberRef(id=member.pk, name=member.display_name)


def company_ref(company: Company) -> CompanyRef:
    return CompanyRef(slug=company.slug, name=company.name)


def skill_out(skill: Skill) -> SkillOut:
    return SkillOut(
        slug=skill.slug, name_en=skill.name_en, name_it=skill.name_it, category=skill.category
    )
