"""The admin is branded Officina and speaks the staff member's language, headings included."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_admin_speaks_italian_to_an_italian_member(client_for, admin):
    admin.language = "it"
    admin.save(update_fields=["language"])
    page = client_for(admin).get("/admin/").content.decode()
    assert "Amministrazione di Officina" in page
    for heading in (
        "Membri, aziende e spazi",
        "Presenze",
        "Prenotazioni",
        "Domande e risposte",
        "Centralino",
        "Notifiche",
        "Eventi",
    ):
        assert heading in page, heading
    assert "Django" not in page
    for english in ("Members, companies and spaces", "Phone system", "Bookings"):
        assert english not in page


def test_the_admin_is_branded_officina_in_english(client_for, admin):
    page = client_for(admin).get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Officina administration" in page and "Django administration" not in page
    assert "Members, companies and spaces" in page and "Phone system" in page
