"""Keeping an address book: numbers made E.164, bad input refused with its field, a number
naming one contact per book, imports all or nothing with every bad row reported."""

from __future__ import annotations

from typing import Any

import pytest

from officina.contacts.actions import (
    ContactInput,
    RejectedRow,
    check_import_contacts,
    check_save_contact,
)
from officina.contacts.models import Contact, ContactNumber
from officina.core.errors import ErrorCode, OfficinaError

pytestmark = pytest.mark.django_db


def supplier(**fields: Any) -> ContactInput:
    values: dict[str, Any] = {
        "name": "Sara Bianchi",
        "relation": "supplier",
        "numbers": [("work", "02 1234 5678")],
    }
    values.update(fields)
    return ContactInput(**values)


def test_a_contact_is_saved_with_its_numbers_in_e164(studio_rossi, panificio):
    contact = check_save_contact(
        studio_rossi,
        supplier(
            linked_company=panificio.slug,
            numbers=[("work", "02 1234 5678"), ("mobile", "+39 347 123 4567")],
        ),
    )
    assert contact.company == studio_rossi
    assert contact.linked_company == panificio
    assert contact.organisation_name == "Panificio Bianchi"
    assert sorted(contact.numbers.values_list("label", "number")) == [
        ("mobile", "+393471234567"),
        ("work", "+390212345678"),
    ]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "  "}, "name", "This field is required."),
        ({"name": "Sara\x1b[2J"}, "name", "This text holds control characters."),
        ({"relation": "friend"}, "relation", "The relation must be client, supplier or partner."),
        ({"email": "not-an-address"}, "email", "Enter a valid e-mail address."),
        ({"numbers": [("work", "hello")]}, "work_phone", "“hello” is not a phone number."),
        ({"numbers": [("mobile", "+39 12")]}, "mobile_phone", "is not a valid number"),
        ({"linked_company": "nobody-here"}, "linked_company", "No company “nobody-here”"),
    ],
)
def test_bad_input_names_its_field_and_changes_nothing(studio_rossi, fields, field, message):
    with pytest.raises(OfficinaError) as raised:
        check_save_contact(studio_rossi, supplier(**fields))
    assert raised.value.code == ErrorCode.INVALID_INPUT
    assert raised.value.details["field"] == field
    assert message in str(raised.value.message)
    assert not Contact.objects.exists()


def test_a_contact_cannot_be_linked_to_its_own_book(studio_rossi):
    with pytest.raises(OfficinaError) as raised:
        check_save_contact(studio_rossi, supplier(linked_company=studio_rossi.slug))
    assert raised.value.details["field"] == "linked_company"


def test_a_number_names_one_contact_per_book_but_two_books_may_share_it(studio_rossi, panificio):
    check_save_contact(studio_rossi, supplier())
    with pytest.raises(OfficinaError) as raised:
        check_save_contact(studio_rossi, supplier(name="Someone Else"))
    assert "+39 02 1234 5678 is already the number of Sara Bianchi." in str(raised.value.message)
    assert Contact.objects.count() == 1
    # Another company's book is its own.
    check_save_contact(panificio, supplier(relation="client"))
    assert ContactNumber.objects.count() == 2


def test_changing_a_contact_replaces_its_numbers(studio_rossi):
    contact = check_save_contact(studio_rossi, supplier())
    check_save_contact(studio_rossi, supplier(numbers=[("mobile", "3471234567")]), contact)
    assert list(contact.numbers.values_list("number", flat=True)) == ["+393471234567"]
    assert Contact.objects.count() == 1


def test_an_import_with_one_bad_row_imports_nothing_and_reports_every_bad_row(studio_rossi):
    check_save_contact(studio_rossi, supplier(name="Already There"))
    rows = [
        (2, ContactInput(name="Ada", relation="client", numbers=[("work", "06 1234 5678")])),
        (3, ContactInput(name="", relation="client")),
        (4, ContactInput(name="Bea", relation="client", numbers=[("work", "+39 06 1234 5678")])),
        (5, ContactInput(name="Cid", relation="client", numbers=[("work", "021234 5678")])),
        (7, ContactInput(name="Dan", relation="client", numbers=[("mobile", "12")])),
    ]
    report = check_import_contacts(studio_rossi, rows, [RejectedRow(6, "Unreadable row")])
    assert report.imported == 0
    assert [(row.line, row.reason) for row in report.rejected] == [
        (3, "This field is required."),
        (4, "+39 06 1234 5678 is also on line 2."),
        (5, "+39 02 1234 5678 is already the number of Already There."),
        (6, "Unreadable row"),
        (7, "“12” is not a valid number in its country."),
    ]
    assert list(Contact.objects.values_list("name", flat=True)) == ["Already There"]


def test_a_clean_import_creates_every_row_in_one_go(studio_rossi, panificio):
    rows = [
        (2, ContactInput(name="Ada", relation="cliente", numbers=[("work", "06 1234 5678")])),
        (3, ContactInput(name="Bea", relation="Supplier", linked_company=panificio.slug)),
    ]
    report = check_import_contacts(studio_rossi, rows, [])
    assert report.imported == 2 and report.rejected == []
    assert dict(Contact.objects.values_list("name", "relation")) == {
        "Ada": "client",
        "Bea": "supplier",
    }
    assert ContactNumber.objects.get().company == studio_rossi


def test_a_name_on_several_lines_becomes_one_line(studio_rossi):
    # Names go into SIP headers: a line break there would start a header of its own.
    contact = check_save_contact(studio_rossi, supplier(name="Sara\r\nVia: evil"))
    assert contact.name == "Sara Via: evil"
