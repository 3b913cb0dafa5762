"""The voicemail page in Chromium on a phone-sized screen, in Italian and English: a
message plays in the page's audio element and, played, is marked heard."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.test import Client

from officina.accounts.models import Member
from officina.pbx.actions import do_provision_extension
from officina.voicemail.actions import NewMessage, do_store_message
from officina.voicemail.models import VoicemailMessage
from officina.voicemail.sound import wav_bytes

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
                "--autoplay-policy=no-user-gesture-required",
            ],
        )  # fmt: skip
        yield chromium
        chromium.close()


def until(page: Any, expression: str, seconds: float = 10.0) -> bool:
    """Poll ``expression`` (the page's CSP forbids the eval that wait_for_function uses)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if page.evaluate(expression):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize(
    ("language", "heading", "new_badge"),
    [("it", "Segreteria", "nuovo"), ("en", "Voicemail", "new")],
)
def test_a_message_plays_in_the_page(live_server, browser, tmp_path, language, heading, new_badge):
    member = Member.objects.create_user(
        email="giulia@example.it", password="pw", first_name="Giulia", last_name="Rossi",
        language=language,
    )  # fmt: skip
    extension = do_provision_extension(member)
    t = np.arange(8000 * 3) / 8000
    samples = (np.sin(2 * np.pi * 440 * t) * 6000).astype(np.int16)
    do_store_message(
        NewMessage(extension.pk, "202", "Marco Bianchi", datetime.now(UTC), wav_bytes(samples), 3.0)
    )
    client = Client()
    client.force_login(member)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale=f"{language}-IT", device_scale_factor=1
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/phone/voicemail/")
    assert heading in page.inner_text("h1")
    item = page.locator("#voicemail-messages li").first
    assert "Marco Bianchi" in item.inner_text() and new_badge in item.inner_text()
    page.screenshot(path=str(tmp_path / f"voicemail-{language}.png"), full_page=True)
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.evaluate("document.querySelector('#voicemail-messages audio').play()")
    assert until(page, "document.querySelector('#voicemail-messages audio').currentTime > 0.5")
    duration = page.evaluate("document.querySelector('#voicemail-messages audio').duration")
    assert duration == pytest.approx(3.0, abs=0.05)
    assert until(
        page, "!document.querySelector('#voicemail-messages li').classList.contains('unheard')"
    )
    assert VoicemailMessage.objects.get().heard_at is not None
    if os.environ.get("OFFICINA_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["OFFICINA_SCREENSHOTS"], f"voicemail-{language}.png"),
            full_page=True,
        )
    context.close()
