"""Naming a caller from the callee's companies' address books, in memory."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from officina.accounts.actions import check_add_company_member, check_answer_company_invitation
from officina.contacts.actions import ContactInput, check_save_contact
from officina.contacts.caller_book import CallerIdentity
from officina.contacts.selectors import caller_book

pytestmark = pytest.mark.django_db


def test_callers_are_named_by_email_by_linked_company_and_by_number(
    make_member, giulia, marco, sara, outsider, studio_rossi, panificio
):
    sara_card = check_save_contact(
        studio_rossi,
        ContactInput(name="Sara B.", relation="supplier", email="SARA@officina.test"),
    )
    check_save_contact(
        studio_rossi,
        ContactInput(name="Panificio desk", relation="supplier", linked_company=panificio.slug),
    )
    outside = check_save_contact(
        studio_rossi,
        ContactInput(name="Dario Blu", relation="client", numbers=[("work", "+44 20 7946 0958")]),
    )
    baker = make_member("baker@officina.test", first_name="Pino", last_name="Forno")
    check_add_company_member(sara, panificio, email=baker.email)
    check_answer_company_invitation(baker, panificio, accept=True)
    with CaptureQueriesContext(connection) as queries:
        book = caller_book()
    assert len(queries) <= 4

    # By e-mail address: the contact as written, whatever the case of the address.
    assert book.identify(giulia.pk, sara.pk, "Sara Bianchi", "201") == CallerIdentity(
        "Sara B.", "", "supplier", sara_card.pk
    )
    # By the caller's company: the caller's own name, "of" the linked company.
    assert book.identify(marco.pk, baker.pk, "Pino Forno", "205") == CallerIdentity(
        "Pino Forno", "Panificio Bianchi", "supplier", None
    )
    # By number, for calls from outside (no member behind them).
    assert book.identify(giulia.pk, None, "", "00442079460958") == CallerIdentity(
        "Dario Blu", "", "client", outside.pk
    )
    # A colleague, someone in no book, a callee with no company: not named.
    assert book.identify(giulia.pk, marco.pk, "Marco Colombo", "203") is None
    assert book.identify(giulia.pk, outsider.pk, "Ugo Esposito", "204") is None
    assert book.identify(outsider.pk, sara.pk, "Sara Bianchi", "201") is None
    # Sara's own company keeps no book about Studio Rossi: her callee side is empty.
    assert book.identify(sara.pk, giulia.pk, "Giulia Rossi", "202") is None


def test_the_book_of_one_member_names_the_same_callers(giulia, sara, studio_rossi):
    check_save_contact(
        studio_rossi, ContactInput(name="Sara B.", relation="supplier", email=sara.email)
    )
    book = caller_book([giulia.pk], [sara.pk])
    named = book.identify(giulia.pk, sara.pk, "Sara Bianchi", "201")
    assert named is not None and named.name == "Sara B."
