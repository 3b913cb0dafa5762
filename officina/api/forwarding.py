"""/api/me/forwarding: where the calling member's calls are forwarded, read and changed
with the phone page's rules (the same action, the same checks of every target);
/api/forwarding/{company}/{member} and /api/space-forwarding/{space}/{member}: a
person's forwarding as their company's owners, or their space's managers, read it;
/api/forwarding/{company} and /api/space-forwarding/{space}: everyone's, a page at a
time. Only the member changes their own, as on the phone page.

Each forward is shown as it stands now, judged as a save judges it: one stored before a
rule changed (a class of numbers the company no longer allows, a meeting room the member
may no longer book, a target gone) is not in force, and says why; the PBX does not
follow it either.

The running PBX reads the stored forwarding every few seconds (docs/pbx.md), so a change
made here is what the next call after that meets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import (
    COMMON_ERRORS,
    BodyIn,
    ErrorOut,
    PageMeta,
    Text,
    enforced_by_the_action,
    owner_operation_id,
)
from officina.api.schemas import translated_when_shown as _
from officina.pbx.access import (
    access_own_extension_by_member,
    access_owner_extensions_by_slug,
    access_person_extension_by_id,
)
from officina.pbx.actions import ForwardingInput, check_change_forwarding, check_set_forwarding
from officina.pbx.forward_targets import NumberBook, StoredNumbers, forwards_of
from officina.pbx.selectors import extension_forwarding

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.pbx.models import Extension, Forwarding

me_router = Router(tags=["call forwarding"])

# As the phone page's fields: a number as dialled, with the spaces and dashes people type.
TARGET_MAX_LENGTH = 32
_TARGET = (
    "an extension, a ring group, a menu, a conference room or a telephone number outside; "
    "empty: not forwarded"
)
_LEAST, _MOST = ForwardingInput.SECONDS_RANGE
# Nothing forwarded, and the phone page's seconds.
_UNSET = ForwardingInput()
_SECONDS = enforced_by_the_action(minimum=_LEAST, maximum=_MOST)
# As other lists of people: a company's or a space's fits in a page or two.
PEOPLE_PER_PAGE = 50


class ForwardOut(Schema):
    number: str = Field(description="the target as dialled")
    kind: str | None = Field(
        description="extension, ring_group, menu, room or outside; null: not in force"
    )
    name: str = Field(
        description="the person's, group's, menu's or room's name; a number outside as "
        "read; the number when not in force"
    )
    said: str = Field(description="where the forward goes, as the phone page says it")
    in_force: bool = Field(
        description="whether calls follow it now: false for a forward stored before a rule "
        "changed (a class of numbers the company no longer allows, a meeting room the member "
        "may no longer book, a target gone), which the phone system skips"
    )
    refusal: str | None = Field(
        description="why it is not in force, in the request's language; null when it is"
    )


class ForwardingOut(Schema):
    always: ForwardOut | None
    busy: ForwardOut | None
    no_answer: ForwardOut | None
    no_answer_seconds: int
    unregistered: ForwardOut | None
    follow_me: ForwardOut | None
    follow_me_seconds: int


class ForwardingIn(BodyIn):
    """The whole forwarding: a case left out is not forwarded, seconds left out are the
    defaults."""

    always: Text = Field("", max_length=TARGET_MAX_LENGTH, description="every call: " + _TARGET)
    busy: Text = Field("", max_length=TARGET_MAX_LENGTH, description="when busy: " + _TARGET)
    no_answer: Text = Field(
        "", max_length=TARGET_MAX_LENGTH, description="when not answered: " + _TARGET
    )
    no_answer_seconds: int = Field(
        _UNSET.no_answer_seconds,
        description="how long the phones ring before a call is not answered",
        json_schema_extra=_SECONDS,
    )
    unregistered: Text = Field(
        "", max_length=TARGET_MAX_LENGTH, description="when no phone is connected: " + _TARGET
    )
    follow_me: Text = Field(
        "", max_length=TARGET_MAX_LENGTH, description="rings too, after the seconds: " + _TARGET
    )
    follow_me_seconds: int = Field(
        _UNSET.follow_me_seconds,
        description="how long the phones ring alone before the follow-me number rings too",
        json_schema_extra=_SECONDS,
    )


class ForwardingChangeIn(BodyIn):
    """Only the fields sent change; "" turns a case off."""

    always: Text | None = Field(None, max_length=TARGET_MAX_LENGTH)
    busy: Text | None = Field(None, max_length=TARGET_MAX_LENGTH)
    no_answer: Text | None = Field(None, max_length=TARGET_MAX_LENGTH)
    no_answer_seconds: int | None = Field(None, json_schema_extra=_SECONDS)
    unregistered: Text | None = Field(None, max_length=TARGET_MAX_LENGTH)
    follow_me: Text | None = Field(None, max_length=TARGET_MAX_LENGTH)
    follow_me_seconds: int | None = Field(None, json_schema_extra=_SECONDS)


class PersonForwardingOut(ForwardingOut):
    member_id: int
    name: str = Field(description="the person's name")
    extension: str = Field(
        description="their extension: only people with one are listed, as only they have "
        "forwarding (reading one without is a 404)"
    )


class PeopleForwardingOut(Schema):
    meta: PageMeta
    people: list[PersonForwardingOut]


class PageIn(Schema):
    page: int = Field(1, ge=1, le=100_000)


def _forwarding_out(extension: Extension) -> ForwardingOut:
    return _forwarding_of(extension.member, extension_forwarding(extension), StoredNumbers())


def _forwarding_of(
    member: Member | None, stored: Forwarding | None, book: NumberBook
) -> ForwardingOut:
    kept = ForwardingInput.of(stored)
    forwards = {
        case: ForwardOut(
            number=forward.number,
            kind=forward.target.kind if forward.target is not None else None,
            name=forward.target.name if forward.target is not None else forward.number,
            said=forward.said,
            in_force=forward.in_force,
            refusal=forward.refusal or None,
        )
        for case, forward in forwards_of(member, stored, book).items()
    }
    return ForwardingOut(
        always=forwards.get("always"),
        busy=forwards.get("busy"),
        no_answer=forwards.get("no_answer"),
        no_answer_seconds=kept.no_answer_seconds,
        unregistered=forwards.get("unregistered"),
        follow_me=forwards.get("follow_me"),
        follow_me_seconds=kept.follow_me_seconds,
    )


def _own_extension(request: HttpRequest) -> Extension:
    return access_own_extension_by_member(signed_in_member(request))


@me_router.get(
    "",
    response={200: ForwardingOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Where my calls are forwarded"),
)
def my_forwarding(request: HttpRequest) -> ForwardingOut:
    return _forwarding_out(_own_extension(request))


@me_router.put(
    "",
    response={200: ForwardingOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Set where my calls are forwarded: every case at once, as the phone page does"),
)
def set_my_forwarding(request: HttpRequest, payload: ForwardingIn) -> ForwardingOut:
    extension = _own_extension(request)
    check_set_forwarding(extension, ForwardingInput(**payload.dict()))
    return _forwarding_out(extension)


@me_router.patch(
    "",
    response={200: ForwardingOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Change some cases of my call forwarding, the others kept"),
)
def change_my_forwarding(request: HttpRequest, payload: ForwardingChangeIn) -> ForwardingOut:
    extension = _own_extension(request)
    check_change_forwarding(extension, payload.dict(exclude_none=True))
    return _forwarding_out(extension)


_SUMMARIES = {
    "company": _("Where one of the company's people has their calls forwarded (the owners)"),
    "space": _("Where one of the space's members has their calls forwarded (its managers)"),
}
_LIST_SUMMARIES = {
    "company": _("Where each of the company's people has their calls forwarded (the owners)"),
    "space": _("Where each of the space's members has their calls forwarded (its managers)"),
}

# Who has no extension has no forwarding: the list leaves them out and the single read
# answers 404, as /me/forwarding does for the member themselves.
_LIST_DESCRIPTION = _(
    "Only the people with an extension are listed: who has none has no call forwarding, "
    "and reading theirs answers 404."
)
_DESCRIPTION = _(
    "404: no such company or space of yours, or the person is not one of its people or "
    "has no extension (and so no call forwarding; the list leaves them out)."
)


def _add_owner_routes(router: Router, owner: str) -> None:
    """Everyone's forwarding, a page at a time, and one person's, read by a company's
    owners (``owner="company"``) or a space's managers."""

    @router.get(
        "/{slug}",
        response={200: PeopleForwardingOut, 404: ErrorOut, **COMMON_ERRORS},
        summary=_LIST_SUMMARIES[owner],
        description=_LIST_DESCRIPTION,
        operation_id=owner_operation_id(owner, "people_forwarding"),
    )
    def people_forwarding(
        request: HttpRequest, slug: Text, query: Query[PageIn]
    ) -> PeopleForwardingOut:
        reachable = access_owner_extensions_by_slug(signed_in_member(request), owner, slug)
        page = Paginator(reachable, PEOPLE_PER_PAGE).get_page(query.page)
        # One book for the page: the trunks' rules and each target are read once.
        book = StoredNumbers()
        listed = [
            PersonForwardingOut(
                **_forwarding_of(person, stored, book).dict(),
                member_id=person.pk,
                name=person.display_name,
                extension=extension.number,
            )
            for person, extension, stored in page.object_list
        ]
        return PeopleForwardingOut(
            meta=PageMeta(
                page=page.number, pages=page.paginator.num_pages, count=page.paginator.count
            ),
            people=listed,
        )

    @router.get(
        "/{slug}/{member_id}",
        response={200: ForwardingOut, 404: ErrorOut, **COMMON_ERRORS},
        summary=_SUMMARIES[owner],
        description=_DESCRIPTION,
        operation_id=owner_operation_id(owner, "person_forwarding"),
    )
    def person_forwarding(request: HttpRequest, slug: Text, member_id: int) -> ForwardingOut:
        extension = access_person_extension_by_id(signed_in_member(request), owner, slug, member_id)
        return _forwarding_out(extension)


company_router = Router(tags=["call forwarding"])
_add_owner_routes(company_router, "company")
space_router = Router(tags=["call forwarding"])
_add_owner_routes(space_router, "space")
