"""The phone page in a real browser: settings shown, a new password made and shown once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client

from officina.accounts.models import Member
from officina.attendant.models import Menu
from officina.pbx.actions import do_provision_extension
from officina.pbx.models import SipCredential

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        )  # fmt: skip
        yield chromium
        chromium.close()


def test_member_makes_a_sip_password_on_the_phone_page(live_server, browser, tmp_path):
    member = Member.objects.create_user(
        email="giulia@example.it", password="pw", first_name="Giulia", last_name="Rossi"
    )
    client = Client()
    client.force_login(member)
    session = client.cookies["sessionid"].value
    context = browser.new_context(locale="it-IT")
    context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/phone/")
    assert "201" in page.inner_text("#extension")
    assert "/sip/ws" in page.inner_text("#sip-settings")
    before = SipCredential.objects.get().ha1_md5
    page.click("#sip-settings button[type=submit]")
    password = page.inner_text("#new-password code")
    assert len(password) == 16
    assert SipCredential.objects.get().ha1_md5 != before
    page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    made = SipCredential.objects.get().ha1_md5
    # Reloading repeats the GET the form redirected to: no other password is made.
    page.reload()
    assert password not in page.content()
    assert SipCredential.objects.get().ha1_md5 == made
    context.close()


def test_the_phone_page_says_where_forwards_go_on_a_phone_sized_screen(
    live_server, browser, tmp_path, make_company
):
    """Giulia, in Italian on a 390 px screen, forwards to menu 500 when busy: refused at
    first (nothing answers 500), then saved once the menu exists; the page says where
    each forward goes, and nothing is wider than the screen."""
    giulia = Member.objects.create_user(
        email="giulia@example.it", password="pw", first_name="Giulia", language="it"
    )
    do_provision_extension(giulia)
    company = make_company("Studio", members=(giulia,))
    client = Client()
    client.force_login(giulia)
    context = browser.new_context(locale="it-IT", viewport={"width": 390, "height": 844})
    cookie = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/phone/")
    page.fill("#id_busy", "500")
    page.click("#forwarding button[type=submit]")
    assert "500 non è un interno" in page.inner_text("#forwarding")
    Menu.objects.create(company=company, name="Reception dello Studio", number="500")
    page.fill("#id_busy", "500")
    page.click("#forwarding button[type=submit]")
    said = page.inner_text("#forwarding .forwards-go")
    assert "Quando sei occupato: inoltrate al menu 500 — Reception dello Studio" in said
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "forwarding.png"), full_page=True)
    context.close()
