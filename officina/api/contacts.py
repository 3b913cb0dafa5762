"""/api/contacts/{company}: a company's address book: list, add, change, remove, import.

Its people read it, its owners keep it (the access helpers of ``officina.contacts``);
the same actions as the web pages check every field, so errors are the same
translated 400s naming the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from officina.accounts.kinds import RelationKind
from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import COMMON_ERRORS, BodyIn, ErrorOut, Text
from officina.api.schemas import translated_when_shown as _
from officina.contacts.access import access_contact_by_id, access_contacts_by_company_slug
from officina.contacts.actions import (
    ContactInput,
    check_import_contacts,
    check_save_contact,
    do_delete_contact,
)
from officina.contacts.contact_files import read_csv, read_vcard
from officina.contacts.kinds import (
    IMPORT_MAX_BYTES,
    NAME_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    ORGANISATION_MAX_LENGTH,
    NumberLabel,
)
from officina.contacts.selectors import company_contacts

if TYPE_CHECKING:
    from officina.contacts.models import Contact

router = Router(tags=["contacts"])

RelationName = Literal[tuple(RelationKind.values)]  # type: ignore[valid-type]
LabelName = Literal[tuple(NumberLabel.values)]  # type: ignore[valid-type]


class NumberIO(Schema):
    label: LabelName = "work"  # type: ignore[valid-type]
    number: Text = Field(max_length=40, description="as typed; stored in E.164")


class ContactIn(BodyIn):
    name: Text = Field(max_length=NAME_MAX_LENGTH)
    relation: RelationName  # type: ignore[valid-type]
    organisation: Text = Field("", max_length=ORGANISATION_MAX_LENGTH)
    company_on_officina: Text = Field(
        "", max_length=140, description="slug of a company on Officina, or empty"
    )
    email: Text = Field("", max_length=254)
    notes: Text = Field("", max_length=NOTES_MAX_LENGTH)
    numbers: list[NumberIO] = Field(default_factory=list, max_length=8)


class ContactOut(Schema):
    id: int
    name: str
    relation: str
    organisation: str
    company_on_officina: str | None
    email: str
    notes: str
    numbers: list[NumberIO]


class ContactFilters(Schema):
    q: Text = Field(
        "", max_length=200, description="words of the name, organisation, e-mail or number"
    )
    relation: RelationName | None = None  # type: ignore[valid-type]


class ImportIn(BodyIn):
    format: Literal["csv", "vcard"]
    content: Text = Field(max_length=IMPORT_MAX_BYTES, description="the file's text")
    relation: RelationName = Field(  # type: ignore[valid-type]
        "client", description="the relation of rows that name none"
    )


class RejectedRowOut(Schema):
    line: int
    reason: str


class ImportOut(Schema):
    imported: int
    rejected: list[RejectedRowOut]


def _contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.pk,
        name=contact.name,
        relation=contact.relation,
        organisation=contact.organisation,
        company_on_officina=contact.linked_company.slug if contact.linked_company else None,
        email=contact.email,
        notes=contact.notes,
        numbers=[NumberIO(label=each.label, number=each.number) for each in contact.numbers.all()],
    )


def _contact_input(payload: ContactIn) -> ContactInput:
    return ContactInput(
        name=payload.name,
        relation=payload.relation,
        organisation=payload.organisation,
        linked_company=payload.company_on_officina,
        email=payload.email,
        notes=payload.notes,
        numbers=[(each.label, each.number) for each in payload.numbers],
    )


@router.get(
    "/{slug}",
    response={200: list[ContactOut], 404: ErrorOut, **COMMON_ERRORS},
    summary=_("A company's contacts, by name"),
)
def list_contacts(
    request: HttpRequest, slug: Text, filters: Query[ContactFilters]
) -> list[ContactOut]:
    company = access_contacts_by_company_slug(signed_in_member(request), slug)
    return [
        _contact_out(contact)
        for contact in company_contacts(company, filters.q, filters.relation or "")
    ]


@router.post(
    "/{slug}",
    response={201: ContactOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Add a contact (the company's owners)"),
)
def add_contact(request: HttpRequest, slug: Text, payload: ContactIn) -> Status[ContactOut]:
    company = access_contacts_by_company_slug(signed_in_member(request), slug, to_manage=True)
    contact = check_save_contact(company, _contact_input(payload))
    return Status(
        201, _contact_out(access_contact_by_id(signed_in_member(request), slug, contact.pk))
    )


# Before the routes of one contact, whose {contact_id} would take "import" for an id.
@router.post(
    "/{slug}/import",
    response={200: ImportOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Import a CSV or vCard file: every row, or none and the rows to fix"),
)
def import_contacts(request: HttpRequest, slug: Text, payload: ImportIn) -> ImportOut:
    company = access_contacts_by_company_slug(signed_in_member(request), slug, to_manage=True)
    reader = read_csv if payload.format == "csv" else read_vcard
    rows, rejected = reader(payload.content.encode(), payload.relation)
    report = check_import_contacts(company, rows, rejected)
    return ImportOut(
        imported=report.imported,
        rejected=[RejectedRowOut(line=row.line, reason=row.reason) for row in report.rejected],
    )


@router.get(
    "/{slug}/{contact_id}",
    response={200: ContactOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("One contact"),
)
def get_contact(request: HttpRequest, slug: Text, contact_id: int) -> ContactOut:
    return _contact_out(access_contact_by_id(signed_in_member(request), slug, contact_id))


@router.post(
    "/{slug}/{contact_id}",
    response={200: ContactOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Change a contact: every field, its numbers replaced (the company's owners)"),
)
def change_contact(
    request: HttpRequest, slug: Text, contact_id: int, payload: ContactIn
) -> ContactOut:
    member = signed_in_member(request)
    contact = access_contact_by_id(member, slug, contact_id, to_manage=True)
    check_save_contact(contact.company, _contact_input(payload), contact)
    return _contact_out(access_contact_by_id(member, slug, contact_id))


@router.delete(
    "/{slug}/{contact_id}",
    response={204: None, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Remove a contact (the company's owners)"),
)
def remove_contact(request: HttpRequest, slug: Text, contact_id: int) -> Status[None]:
    contact = access_contact_by_id(signed_in_member(request), slug, contact_id, to_manage=True)
    do_delete_contact(contact)
    return Status(204, None)
