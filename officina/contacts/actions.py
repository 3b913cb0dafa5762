"""Keep a company's address book: add, change and remove contacts; import a file.

``check_*`` validate everything first and change nothing when anything is wrong;
an import is one transaction: a file with one bad row imports no row at all,
and its report names every bad row (line and reason) so that it can be fixed
and sent again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from officina.accounts.kinds import RelationKind
from officina.accounts.selectors import company_by_slug
from officina.core.errors import OfficinaError

from .kinds import NAME_MAX_LENGTH, NOTES_MAX_LENGTH, ORGANISATION_MAX_LENGTH, NumberLabel
from .models import Contact, ContactNumber
from .phone_numbers import readable, to_e164

if TYPE_CHECKING:
    from officina.accounts.models import Company

# A contact with more numbers than this is a switchboard list, not a person.
MAX_NUMBERS_PER_CONTACT = 8


@dataclass
class ContactInput:
    """A contact as a person or a file gives it: text, not yet checked."""

    name: str
    relation: str
    organisation: str = ""
    linked_company: str = ""  # the slug of a company on Officina
    email: str = ""
    notes: str = ""
    numbers: list[tuple[str, str]] = field(default_factory=list)  # (label, number as typed)


@dataclass(frozen=True)
class CleanContact:
    name: str
    relation: str
    organisation: str
    linked_company: Company | None
    email: str
    notes: str
    numbers: tuple[tuple[str, str], ...]  # (label, E.164)


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    imported: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)


def _has_control_characters(text: str) -> bool:
    # Names travel in SIP headers to desk phones: a line break there would be a new header.
    return any(ord(character) < 32 or ord(character) == 127 for character in text)


def _clean_text(text: str, *, field: str, limit: int, required: bool = False) -> str:
    cleaned = " ".join(text.split()) if field != "notes" else text.strip()
    if required and not cleaned:
        raise OfficinaError.invalid_input(_("This field is required."), field=field)
    if len(cleaned) > limit:
        raise OfficinaError.invalid_input(
            _("At most %(limit)s characters.") % {"limit": limit}, field=field
        )
    if "\x00" in cleaned or (field != "notes" and _has_control_characters(cleaned)):
        raise OfficinaError.invalid_input(_("This text holds control characters."), field=field)
    return cleaned


def relation_named(text: str) -> str | None:
    """A relation from its value or its name in English or Italian ("cliente")."""
    wanted = text.strip().casefold()
    italian = {"cliente": "client", "fornitore": "supplier", "partner": "partner"}
    wanted = italian.get(wanted, wanted)
    for value, label in RelationKind.choices:
        if wanted in (value, str(label).casefold()):
            return value
    return None


def clean_contact(
    owner: Company, data: ContactInput, linked: dict[str, Company | None] | None = None
) -> CleanContact:
    """``data`` checked and normalised, or the first input error (naming its field).

    ``linked`` caches the companies named by slug, for an import of many rows.
    """
    name = _clean_text(data.name, field="name", limit=NAME_MAX_LENGTH, required=True)
    organisation = _clean_text(
        data.organisation, field="organisation", limit=ORGANISATION_MAX_LENGTH
    )
    relation = relation_named(data.relation)
    if relation is None:
        raise OfficinaError.invalid_input(
            _("The relation must be client, supplier or partner."), field="relation"
        )
    email = data.email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise OfficinaError.invalid_input(
                _("Enter a valid e-mail address."), field="email"
            ) from None
    notes = _clean_text(data.notes, field="notes", limit=NOTES_MAX_LENGTH)
    linked_company = None
    slug = data.linked_company.strip()
    if slug:
        cache = linked if linked is not None else {}
        if slug not in cache:
            cache[slug] = company_by_slug(slug)
        linked_company = cache[slug]
        if linked_company is None:
            raise OfficinaError.invalid_input(
                _("No company “%(slug)s” on Officina.") % {"slug": slug[:60]},
                field="linked_company",
            )
        if linked_company.pk == owner.pk:
            raise OfficinaError.invalid_input(
                _("A contact cannot be linked to your own company."), field="linked_company"
            )
    numbers: list[tuple[str, str]] = []
    seen: set[str] = set()
    for label, typed in data.numbers:
        if not typed.strip():
            continue
        if label not in NumberLabel.values:
            raise OfficinaError.invalid_input(_("Unknown kind of number."), field="numbers")
        e164 = to_e164(typed, field=f"{label}_phone")
        if e164 not in seen:
            seen.add(e164)
            numbers.append((label, e164))
    if len(numbers) > MAX_NUMBERS_PER_CONTACT:
        raise OfficinaError.invalid_input(
            _("At most %(count)s numbers per contact.") % {"count": MAX_NUMBERS_PER_CONTACT},
            field="numbers",
        )
    return CleanContact(
        name=name,
        relation=relation,
        organisation=organisation,
        linked_company=linked_company,
        email=email,
        notes=notes,
        numbers=tuple(numbers),
    )


def _numbers_taken(
    owner: Company, numbers: list[str], except_contact: Contact | None
) -> dict[str, str]:
    """Of ``numbers``, those another contact of ``owner``'s book has: number → its name."""
    taken = ContactNumber.objects.filter(company=owner, number__in=numbers)
    if except_contact is not None:
        taken = taken.exclude(contact=except_contact)
    return dict(taken.values_list("number", "contact__name"))


def _number_taken_error(number: str, holder: str) -> OfficinaError:
    return OfficinaError.invalid_input(
        _("%(number)s is already the number of %(contact)s.")
        % {"number": readable(number), "contact": holder},
        field="numbers",
    )


def _fill(contact: Contact, clean: CleanContact) -> None:
    contact.name = clean.name
    contact.relation = clean.relation
    contact.organisation = clean.organisation
    contact.linked_company = clean.linked_company
    contact.email = clean.email
    contact.notes = clean.notes


def _number_rows(owner: Company, contact: Contact, clean: CleanContact) -> list[ContactNumber]:
    return [
        ContactNumber(contact=contact, company=owner, number=number, label=label)
        for label, number in clean.numbers
    ]


def check_save_contact(
    owner: Company, data: ContactInput, contact: Contact | None = None
) -> Contact:
    """Add a contact to ``owner``'s book, or change ``contact`` (one of that book's)."""
    clean = clean_contact(owner, data)
    taken = _numbers_taken(owner, [number for _label, number in clean.numbers], contact)
    if taken:
        number, holder = next(iter(taken.items()))
        raise _number_taken_error(number, holder)
    try:
        with transaction.atomic():
            if contact is None:
                contact = Contact(company=owner)
            _fill(contact, clean)
            contact.save()
            ContactNumber.objects.filter(contact=contact).delete()
            ContactNumber.objects.bulk_create(_number_rows(owner, contact, clean))
    except IntegrityError:
        # Another admin gave one of these numbers to another contact meanwhile.
        raise OfficinaError.invalid_input(
            _("One of these numbers was just given to another contact."), field="numbers"
        ) from None
    return contact


def do_delete_contact(contact: Contact) -> None:
    contact.delete()


def check_import_contacts(
    owner: Company, rows: list[tuple[int, ContactInput]], rejected: list[RejectedRow]
) -> ImportReport:
    """Import ``rows`` (line, contact) into ``owner``'s book, all of them or none.

    ``rejected`` brings the rows the file's reader could not read at all. Every row is
    checked, and checked against the others and against the book; when any row is
    rejected nothing is imported and the report lists them all, by line.
    """
    report = ImportReport(rejected=list(rejected))
    linked: dict[str, Company | None] = {}
    cleaned: list[tuple[int, CleanContact]] = []
    first_line_of: dict[str, int] = {}
    for line, data in rows:
        try:
            clean = clean_contact(owner, data, linked)
        except OfficinaError as error:
            report.rejected.append(RejectedRow(line, str(error.message)))
            continue
        repeated = [number for _label, number in clean.numbers if number in first_line_of]
        if repeated:
            report.rejected.append(
                RejectedRow(
                    line,
                    _("%(number)s is also on line %(line)s.")
                    % {"number": readable(repeated[0]), "line": first_line_of[repeated[0]]},
                )
            )
            continue
        for _label, number in clean.numbers:
            first_line_of[number] = line
        cleaned.append((line, clean))
    taken = _numbers_taken(owner, list(first_line_of), None)
    for line, clean in cleaned:
        for _label, number in clean.numbers:
            if number in taken:
                report.rejected.append(
                    RejectedRow(line, str(_number_taken_error(number, taken[number]).message))
                )
                break
    if report.rejected:
        report.rejected.sort(key=lambda row: row.line)
        return report
    try:
        with transaction.atomic():
            contacts = Contact.objects.bulk_create(
                [_new_contact(owner, clean) for _line, clean in cleaned], batch_size=500
            )
            ContactNumber.objects.bulk_create(
                [
                    number_row
                    for contact, (_line, clean) in zip(contacts, cleaned, strict=True)
                    for number_row in _number_rows(owner, contact, clean)
                ],
                batch_size=500,
            )
    except IntegrityError:
        raise OfficinaError.invalid_input(
            _("Numbers of this file were just given to other contacts; try again.")
        ) from None
    report.imported = len(cleaned)
    return report


def _new_contact(owner: Company, clean: CleanContact) -> Contact:
    contact = Contact(company=owner)
    _fill(contact, clean)
    return contact
