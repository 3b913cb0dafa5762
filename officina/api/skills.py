"""/api/skills: members' free tags (add, remove), endorsing another member's skill or
free tag, and, for space managers, merging a free tag into a taxonomy skill or renaming
it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as gettext_now
from ninja import Router, Schema, Status
from pydantic import Field, StringConstraints

from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import COMMON_ERRORS, BodyIn, ErrorOut, SkillOut, skill_out
from officina.api.schemas import translated_when_shown as _
from officina.core.errors import ErrorCode, OfficinaError
from officina.skills.access import (
    access_free_tag_by_id,
    access_member_free_tag_by_id,
    access_member_skill_by_id,
    access_own_free_tag_by_id,
    may_curate_free_tags,
)
from officina.skills.actions import (
    check_add_free_tag,
    check_endorse,
    check_rename_free_tag,
    do_merge_free_tag,
    do_remove_free_tag,
    do_withdraw_endorsement,
)
from officina.skills.selectors import free_tags_in_use, skills_by_slugs

if TYPE_CHECKING:
    from officina.skills.models import FreeTag, MemberFreeTag, MemberSkill

router = Router(tags=["skills"])

TagText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=80)]
Kind = Literal["skill", "talent", "interest", "offer", "need"]


class FreeTagOut(Schema):
    id: int
    text: str
    language: str
    members: int = Field(description="how many members list it")


class FreeTagIn(BodyIn):
    text: TagText
    kind: Kind
    level: int | None = Field(None, ge=1, le=4)
    language: Literal["en", "it"] | None = Field(
        None, description="the language it is written in; the request's language by default"
    )


class ListedOut(Schema):
    """What was listed: the taxonomy skill the text names, or a free tag."""

    skill: SkillOut | None
    free_tag: FreeTagOut | None
    listing_id: int
    kind: str


class MergeIn(BodyIn):
    skill: str = Field(min_length=1, max_length=80, description="the taxonomy skill's slug")


class MergeOut(Schema):
    skill: SkillOut
    moved: int = Field(description="listings moved to the skill")
    folded: int = Field(description="listings folded into one the member had already")
    synonym: str = Field(description="the tag's text, now a synonym of the skill")


class RenameIn(BodyIn):
    text: TagText


def _free_tag_out(tag: FreeTag) -> FreeTagOut:
    return FreeTagOut(id=tag.pk, text=tag.text, language=tag.language, members=tag.listings.count())


@router.post(
    "/mine/free-tags",
    response={201: ListedOut, **COMMON_ERRORS},
    summary=_("List something the taxonomy lacks, as a free tag (or the skill it names)"),
)
def add_free_tag(request: HttpRequest, payload: FreeTagIn) -> Status[ListedOut]:
    member = signed_in_member(request)
    language = payload.language or (get_language() or "en").split("-")[0]
    listed = check_add_free_tag(member, payload.text, payload.kind, language, level=payload.level)
    return Status(
        201,
        ListedOut(
            skill=skill_out(listed.skill) if listed.skill is not None else None,
            free_tag=_free_tag_out(listed.tag) if listed.tag is not None else None,
            listing_id=listed.listing.pk,
            kind=listed.listing.kind,
        ),
    )


@router.delete(
    "/mine/free-tags/{listing_id}",
    response={204: None, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Remove one of my free tags"),
)
def remove_free_tag(request: HttpRequest, listing_id: int) -> Status[None]:
    do_remove_free_tag(access_own_free_tag_by_id(signed_in_member(request), listing_id))
    return Status(204, None)


@router.get(
    "/free-tags",
    response={200: list[FreeTagOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("The free tags in use, most used first (space managers)"),
)
def free_tags(request: HttpRequest) -> list[FreeTagOut]:
    if not may_curate_free_tags(signed_in_member(request)):
        raise OfficinaError(gettext_now("Not found."), ErrorCode.NOT_FOUND)
    return [
        FreeTagOut(id=tag.pk, text=tag.text, language=tag.language, members=tag.members)  # type: ignore[attr-defined]
        for tag in free_tags_in_use()
    ]


@router.post(
    "/free-tags/{tag_id}/merge",
    response={200: MergeOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Merge a free tag into a taxonomy skill (space managers)"),
)
def merge_free_tag(request: HttpRequest, tag_id: int, payload: MergeIn) -> MergeOut:
    tag = access_free_tag_by_id(signed_in_member(request), tag_id)
    found = skills_by_slugs([payload.skill.strip()])
    if not found:
        raise OfficinaError.invalid_input(
            gettext_now("Unknown skill: %(slugs)s") % {"slugs": payload.skill}
        )
    merged = do_merge_free_tag(tag, found[0])
    return MergeOut(
        skill=skill_out(merged.skill),
        moved=merged.moved,
        folded=merged.folded,
        synonym=merged.synonym,
    )


@router.post(
    "/free-tags/{tag_id}/rename",
    response={200: FreeTagOut, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Correct a free tag's text (space managers)"),
)
def rename_free_tag(request: HttpRequest, tag_id: int, payload: RenameIn) -> FreeTagOut:
    tag = access_free_tag_by_id(signed_in_member(request), tag_id)
    return _free_tag_out(check_rename_free_tag(tag, payload.text))


class EndorsementOut(Schema):
    endorsements: int = Field(description="how many members endorse the listing now")


def _endorsed(request: HttpRequest, listing: MemberSkill | MemberFreeTag) -> Status[EndorsementOut]:
    check_endorse(signed_in_member(request), listing)
    return Status(201, EndorsementOut(endorsements=listing.endorsements.count()))


ENDORSEMENT_ERRORS: dict[int, type[Schema]] = {404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS}


@router.post(
    "/member-skills/{listing_id}/endorsement",
    response={201: EndorsementOut, **ENDORSEMENT_ERRORS},
    summary=_("Endorse another member's skill, talent or offer"),
)
def endorse_member_skill(request: HttpRequest, listing_id: int) -> Status[EndorsementOut]:
    """``listing_id`` is the ``id`` of a skill in ``GET /api/members/{id}``. ``400`` your
    own, an interest or a need; ``409`` endorsed already."""
    return _endorsed(request, access_member_skill_by_id(signed_in_member(request), listing_id))


@router.delete(
    "/member-skills/{listing_id}/endorsement",
    response={204: None, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Withdraw my endorsement of a member's skill"),
)
def withdraw_member_skill_endorsement(request: HttpRequest, listing_id: int) -> Status[None]:
    member = signed_in_member(request)
    do_withdraw_endorsement(member, access_member_skill_by_id(member, listing_id))
    return Status(204, None)


@router.post(
    "/member-free-tags/{listing_id}/endorsement",
    response={201: EndorsementOut, **ENDORSEMENT_ERRORS},
    summary=_("Endorse another member's free tag, as a skill"),
)
def endorse_member_free_tag(request: HttpRequest, listing_id: int) -> Status[EndorsementOut]:
    """``listing_id`` is the ``id`` of a free tag in ``GET /api/members/{id}``. ``400``
    your own, an interest or a need; ``409`` endorsed already."""
    return _endorsed(request, access_member_free_tag_by_id(signed_in_member(request), listing_id))


@router.delete(
    "/member-free-tags/{listing_id}/endorsement",
    response={204: None, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Withdraw my endorsement of a member's free tag"),
)
def withdraw_member_free_tag_endorsement(request: HttpRequest, listing_id: int) -> Status[None]:
    member = signed_in_member(request)
    do_withdraw_endorsement(member, access_member_free_tag_by_id(member, listing_id))
    return Status(204, None)
