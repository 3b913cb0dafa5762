"""What a visitor sees when something is missing, refused or broken, and the site's icon."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_the_sites_own_404_listing_nothing(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "web/officina.css" in page
    assert "URLconf" not in page and "api/" not in page


def test_the_404_page_speaks_the_visitors_language(client):
    response = client.get("/no-such-page/", headers={"Accept-Language": "it"})
    assert "Pagina non trovata" in response.content.decode()


def test_a_refused_form_is_the_sites_own_403():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "a@b.it", "password": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Not allowed" in page and "web/officina.css" in page
    assert "CSRF verification failed" not in page


def test_the_500_page_needs_no_request_and_is_translated():
    with translation.override("it"):
        page = render_to_string("500.html")
    assert "Si è verificato un errore" in page
    assert "web/officina.css" in page


def test_the_favicon_is_served_with_debug_off(client):
    assert not settings.DEBUG
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    assert 'rel="icon"' in client.get("/").content.decode()


def test_company_logos_are_served_with_debug_off_and_avatars_are_not(client):
    media = Path(settings.MEDIA_ROOT)
    for folder in ("companies", "avatars"):
        (media / folder).mkdir(parents=True, exist_ok=True)
        (media / folder / "rossi.png").write_bytes(b"\x89PNG\r\n\x1a\nimage")
    response = client.get("/media/companies/rossi.png")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).endswith(b"image")
    # An avatar is for members only (social:avatar): its file is not public by name.
    assert client.get("/media/avatars/rossi.png").status_code == 404
    assert client.get("/media/companies/../avatars/rossi.png").status_code == 404
