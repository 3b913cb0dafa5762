"""Reading and writing address books: CSV (commas or semicolons, Italian headers) and
vCard; what cannot be read is reported by line; what is written reads back the same."""

from __future__ import annotations

import pytest
import vobject

from officina.contacts.actions import ContactInput, check_import_contacts, check_save_contact
from officina.contacts.contact_files import read_csv, read_vcard, write_csv, write_vcard
from officina.contacts.models import Contact
from officina.contacts.selectors import company_contacts
from officina.core.errors import OfficinaError

CSV = (
    "name,organisation,relation,email,work_phone,mobile_phone,company_on_officina,notes\n"
    'Ada Verdi,Verdi Srl,client,ada@verdi.it,02 1234 5678,,,"Pays, late"\n'
    "Bruno Neri,,,,,+39 347 765 4321,panificio-bianchi,\n"
    "\n"
    "Too,many,cells,here,x,y,z,w,extra\n"
)


def test_csv_rows_with_their_lines_and_the_default_relation():
    rows, rejected = read_csv(CSV.encode(), "partner")
    assert [line for line, _ in rows] == [2, 3]
    ada, bruno = rows[0][1], rows[1][1]
    assert (ada.name, ada.organisation, ada.relation, ada.email, ada.notes) == (
        "Ada Verdi",
        "Verdi Srl",
        "client",
        "ada@verdi.it",
        "Pays, late",
    )
    assert ada.numbers == [("work", "02 1234 5678")]
    assert (bruno.relation, bruno.linked_company, bruno.numbers) == (
        "partner",
        "panificio-bianchi",
        [("mobile", "+39 347 765 4321")],
    )
    assert rejected[0].line == 5 and "9 cells where the header names 8" in rejected[0].reason


def test_an_italian_spreadsheet_with_semicolons_and_a_bom():
    data = "\ufeffNome;Azienda;Relazione;Cellulare\nLia Russo;Russo Spa;fornitore;3471234567\n"
    rows, rejected = read_csv(data.encode(), "client")
    assert rejected == []
    assert rows[0][1].name == "Lia Russo"
    assert rows[0][1].organisation == "Russo Spa"
    assert rows[0][1].relation == "fornitore"
    assert rows[0][1].numbers == [("mobile", "3471234567")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        ("name\nAnna\n".encode("utf-16"), "not UTF-8"),
        (b"email,phone\na@b.it,02 1234 5678\n", "“name” among them"),
        (b"name\n" + b"x" * (3 * 1024 * 1024), "larger than 2 MB"),
    ],
)
def test_a_file_that_is_no_address_book_is_refused_whole(data, message):
    with pytest.raises(OfficinaError) as raised:
        read_csv(data, "client")
    assert message in str(raised.value.message)
    assert raised.value.details["field"] == "file"


VCARDS = """BEGIN:VCARD
VERSION:3.0
FN:Carla Gialli
ORG:Gialli Trasporti
EMAIL:carla@gialli.it
TEL;TYPE=CELL:+39 333 123 4567
TEL;TYPE=WORK,VOICE:011 765 4321
CATEGORIES:fornitore
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Dario Blu
TEL:+44 20 7946 0958
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN;BROKEN
END:VCARD
"""


def test_vcards_with_their_lines_types_and_categories():
    rows, rejected = read_vcard(VCARDS.encode(), "client")
    assert [line for line, _ in rows] == [1, 10]
    carla, dario = rows[0][1], rows[1][1]
    assert (carla.name, carla.organisation, carla.email, carla.relation) == (
        "Carla Gialli",
        "Gialli Trasporti",
        "carla@gialli.it",
        "supplier",
    )
    assert carla.numbers == [("mobile", "+39 333 123 4567"), ("work", "011 765 4321")]
    assert (dario.relation, dario.numbers) == ("client", [("other", "+44 20 7946 0958")])
    assert [(row.line, row.reason) for row in rejected] == [(15, "This vCard cannot be read.")]


@pytest.mark.django_db
def test_an_exported_book_imports_back_the_same_into_another_company(studio_rossi, panificio):
    check_save_contact(
        studio_rossi,
        ContactInput(
            name="=HYPERLINK(evil)",
            relation="supplier",
            organisation="Forni, Srl",
            email="forni@example.it",
            linked_company=panificio.slug,
            notes="line one\nline two",
            numbers=[("work", "02 1234 5678"), ("work", "02 1234 5679"), ("mobile", "3471234567")],
        ),
    )
    contacts = company_contacts(studio_rossi)
    csv_text = write_csv(contacts)
    assert "'=HYPERLINK(evil)" in csv_text  # a spreadsheet shows it, never runs it
    assert "+390212345678|+390212345679" in csv_text
    rows, rejected = read_csv(csv_text.encode(), "client")
    assert rejected == []
    report = check_import_contacts(panificio, rows, [])
    # Linked to its own company: that one row is refused, so nothing is imported.
    assert report.imported == 0 and report.rejected[0].line == 2

    rows, rejected = read_vcard(write_vcard(contacts).encode(), "client")
    assert rejected == []
    other = rows[0][1]
    assert other.organisation == "Forni, Srl"
    assert sorted(other.numbers) == [
        ("mobile", "+393471234567"),
        ("work", "+390212345678"),
        ("work", "+390212345679"),
    ]
    assert other.relation == "supplier" and other.notes == "line one\nline two"
    card = vobject.readOne(write_vcard(contacts))
    assert card.fn.value == "=HYPERLINK(evil)"
    assert Contact.objects.count() == 1
