"""Reads of the address books: a company's contacts, and the snapshot that names callers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet

from officina.accounts.selectors import company_ids_of_members, visible_member_ids_by_email

from .caller_book import CallerBook, CallerIdentity
from .models import Contact, ContactNumber

if TYPE_CHECKING:
    from officina.accounts.models import Company


def company_contacts(company: Company, query: str = "", relation: str = "") -> QuerySet[Contact]:
    """The company's contacts with their numbers, by name; ``query`` matches names,
    organisations, e-mail addresses and numbers."""
    contacts = Contact.objects.filter(company=company)
    if relation:
        contacts = contacts.filter(relation=relation)
    for word in query.split()[:8]:
        digits = "".join(character for character in word if character.isdigit())
        match = (
            Q(name__icontains=word)
            | Q(organisation__icontains=word)
            | Q(linked_company__name__icontains=word)
            | Q(email__icontains=word)
        )
        if len(digits) >= 3:
            match |= Q(numbers__number__contains=digits)
        contacts = contacts.filter(match)
    return (
        contacts.distinct()
        .select_related("linked_company")
        .prefetch_related(Prefetch("numbers", queryset=ContactNumber.objects.order_by("id")))
        .order_by("name", "id")
    )


def contact_of_company(company: Company, contact_id: int) -> Contact | None:
    return (
        Contact.objects.filter(company=company, pk=contact_id)
        .select_related("linked_company")
        .prefetch_related("numbers")
        .first()
    )


def caller_book(
    callee_member_ids: list[int] | None = None, caller_member_ids: list[int] | None = None
) -> CallerBook:
    """The books of every company, ready to name callers without the database; or, for
    a page of call history, only the books of the companies of ``callee_member_ids``,
    naming ``caller_member_ids``. Four queries."""
    if callee_member_ids is None:
        member_companies = company_ids_of_members()
        contacts = Contact.objects.all()
    else:
        member_companies = company_ids_of_members(
            sorted({*callee_member_ids, *(caller_member_ids or [])})
        )
        owners = {
            company for member in callee_member_ids for company in member_companies.get(member, ())
        }
        contacts = Contact.objects.filter(company_id__in=owners)
    book = CallerBook(member_companies=member_companies)
    rows = list(
        contacts.select_related("linked_company")
        .prefetch_related("numbers")
        .order_by("company_id", "name", "id")
    )
    member_of_email = visible_member_ids_by_email(
        [contact.email for contact in rows if contact.email]
    )
    for contact in rows:
        identity = CallerIdentity(
            contact.name, contact.organisation_name, contact.relation, contact.pk
        )
        if contact.email:
            member_id = member_of_email.get(contact.email.lower())
            if member_id is not None:
                book.by_member.setdefault((contact.company_id, member_id), identity)
        for number in contact.numbers.all():
            book.by_number[(contact.company_id, number.number)] = identity
        if contact.linked_company_id is not None and contact.linked_company is not None:
            book.by_linked_company.setdefault(
                (contact.company_id, contact.linked_company_id),
                (contact.linked_company.name, contact.relation),
            )
    return book
