"""The address book pages: who reads and who keeps them, the form's errors in Italian,
an import refused with its report, and the export."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from officina.contacts.actions import ContactInput, check_save_contact
from officina.contacts.models import Contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def sara_contact(studio_rossi, panificio):
    return check_save_contact(
        studio_rossi,
        ContactInput(
            name="Sara Bianchi",
            relation="supplier",
            linked_company=panificio.slug,
            numbers=[("mobile", "347 123 4567")],
        ),
    )


def test_who_reads_and_who_keeps_the_book(
    client, client_for, giulia, marco, sara, luca, outsider, admin, studio_rossi, sara_contact
):
    listing = reverse("contacts:list", args=[studio_rossi.slug])
    editing = reverse("contacts:edit", args=[studio_rossi.slug, sara_contact.pk])
    assert client.get(listing).status_code == 302  # sign in first
    # Owner and superuser keep it; a member and the space's manager read it.
    for member in (giulia, admin):
        assert client_for(member).get(editing).status_code == 200
    for member in (marco, luca):
        page = client_for(member).get(listing)
        assert page.status_code == 200 and "Sara Bianchi" in page.content.decode()
        assert "New contact" not in page.content.decode()
        assert client_for(member).get(editing).status_code == 404
    # Another company's owner and an outsider: as if there were no book at all.
    for member in (sara, outsider):
        assert client_for(member).get(listing).status_code == 404
        assert client_for(member).get(editing).status_code == 404
    assert (
        client_for(marco)
        .post(reverse("contacts:delete", args=[studio_rossi.slug, sara_contact.pk]))
        .status_code
        == 404
    )
    assert Contact.objects.count() == 1


def test_a_contact_from_another_book_is_not_found_through_this_one(
    client_for, sara, giulia, studio_rossi, panificio
):
    theirs = check_save_contact(panificio, ContactInput(name="Cliente", relation="client"))
    url = reverse("contacts:edit", args=[studio_rossi.slug, theirs.pk])
    assert client_for(giulia).get(url).status_code == 404


def test_the_form_adds_a_contact_and_shows_errors_in_italian(client_for, giulia, studio_rossi):
    browser = client_for(giulia)
    browser.cookies["django_language"] = "it"
    url = reverse("contacts:create", args=[studio_rossi.slug])
    page = browser.post(
        url,
        {"name": "Ada Verdi", "relation": "client", "mobile_phone": "12", "work_phone": ""},
    )
    assert page.status_code == 200
    assert "“12” non è un numero valido nel suo paese." in page.content.decode()
    assert not Contact.objects.exists()
    page = browser.post(
        url,
        {"name": "Ada Verdi", "relation": "client", "mobile_phone": "347 765 4321 | 06 1234 5678"},
        follow=True,
    )
    assert "Ada Verdi è salvato." in page.content.decode()
    contact = Contact.objects.get()
    assert sorted(contact.numbers.values_list("number", flat=True)) == [
        "+390612345678",
        "+393477654321",
    ]


def test_an_import_with_a_bad_row_shows_its_report_and_imports_nothing(
    client_for, giulia, studio_rossi
):
    url = reverse("contacts:import", args=[studio_rossi.slug])
    data = b"name,relation,work_phone\nAda,client,02 1234 5678\nBea,friend,\nCid,client,oops\n"
    page = client_for(giulia).post(
        url, {"relation": "client", "file": SimpleUploadedFile("book.csv", data, "text/csv")}
    )
    text = page.content.decode()
    assert "Nothing was imported: 2 rows to fix." in text
    assert "<td>3</td><td>The relation must be client, supplier or partner.</td>" in text
    assert "<td>4</td><td>“oops” is not a phone number.</td>" in text
    assert not Contact.objects.exists()


def test_a_vcard_import_then_both_exports(client_for, giulia, studio_rossi):
    card = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Carla Gialli\r\nORG:Gialli\r\n"
        b"TEL;TYPE=CELL:333 123 4567\r\nEND:VCARD\r\n"
    )
    browser = client_for(giulia)
    page = browser.post(
        reverse("contacts:import", args=[studio_rossi.slug]),
        {"relation": "partner", "file": SimpleUploadedFile("book.vcf", card, "text/vcard")},
        follow=True,
    )
    assert "1 contact imported." in page.content.decode()
    exported = browser.get(reverse("contacts:export", args=[studio_rossi.slug, "csv"]))
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    assert "Carla Gialli,Gialli,partner,,,+393331234567," in exported.content.decode()
    exported = browser.get(reverse("contacts:export", args=[studio_rossi.slug, "vcard"]))
    assert "FN:Carla Gialli" in exported.content.decode()
    assert (
        browser.get(reverse("contacts:export", args=[studio_rossi.slug, "xls"])).status_code == 400
    )


def test_a_file_that_is_no_address_book_is_refused_on_the_form(client_for, giulia, studio_rossi):
    page = client_for(giulia).post(
        reverse("contacts:import", args=[studio_rossi.slug]),
        {"relation": "client", "file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00n", "text/csv")},
    )
    assert "The file is not UTF-8 text" in page.content.decode()
    assert not Contact.objects.exists()
