"""Shapes shared by several API routers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

from django.utils.translation import gettext_lazy
from ninja import Schema
from pydantic import Field, StringConstraints, ValidationInfo, model_validator
from pydantic.config import JsonDict, JsonValue
from pydantic.functional_validators import ModelWrapValidatorHandler


def translated_when_shown(text: str) -> str:
    """A lazy translation for the API reference (summaries), typed as the ``str`` that
    django-ninja's decorators declare: the schema is built per request, so each reader
    gets it in their language. Imported as ``_`` so that makemessages finds the texts."""
    return cast(str, gettext_lazy(text))


if TYPE_CHECKING:
    from officina.accounts.models import Company, Member
    from officina.skills.models import Skill

# PostgreSQL cannot store or compare text holding a NUL character (it answers with an error,
# which would be a 500): every text the API takes refuses it, and the schema says so.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^[^\x00]*\S[^\x00]*$"
Text = Annotated[str, StringConstraints(pattern=NO_NUL)]


class BodyIn(Schema):
    """A request body: a JSON object.

    ninja's Schema would take a list, a string or a number for an object with every field
    missing (and its defaults): a body is an object or nothing.
    """

    # Same name as ninja's own wrap validator, so it replaces it: that one reads any value
    # through its attributes, which a body has no use for.
    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, value: Any, handler: ModelWrapValidatorHandler[BodyIn], info: ValidationInfo
    ) -> Any:
        if not isinstance(value, dict | cls):
            raise ValueError("the body must be a JSON object")
        return handler(value)


class ErrorOut(Schema):
    code: str = Field(examples=["NOT_FOUND"])
    message: str = Field(examples=["Question not found."])


class ValidationDetail(Schema):
    location: list[str]
    message: str
    type: str


class ValidationErrorOut(ErrorOut):
    details: list[ValidationDetail]


def owner_operation_id(owner: str, name: str) -> str | None:
    """The operation id of an endpoint registered once per owner of a phone system
    (``owner``: "company" or "space"): the company's keep the ids they always had (None:
    the function's name), a space's are ``space_<name>``."""
    return None if owner == "company" else f"space_{name}"


def enforced_by_the_action(**rules: JsonValue) -> JsonDict:
    """JSON Schema keywords for a rule the action checks (one rule for the web and the API).

    Published, so a client built from the schema sends what is accepted; checked by the
    action, whose translated 400 names the field, as on the web form.
    """
    return rules


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


class JoinRequestOut(Schema):
    """A request to join a space or a company, as its managers (or owners) read it."""

    id: int
    member: MemberRef
    message: str
    created_at: datetime

    @classmethod
    def of(cls, join_request: Any) -> JoinRequestOut:
        return cls(
            id=join_request.pk,
            member=member_ref(join_request.member),
            message=join_request.message,
            created_at=join_request.created_at,
        )


class JoinDecisionIn(BodyIn):
    approve: bool = Field(description="true takes the member in, false refuses")
