"""In Chromium on a phone: Giulia, owner of Studio Rossi, opens the company's call
history from its page in Italian, keeps the calls coming in (the missed one from a
caller ID written like a formula), and exports them; in English the same page reads
in English. Nothing scrolls sideways at 390 px."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from officina.pbx.tests.test_company_calls import calls  # noqa: F401 - the fixture
from officina.trunks.tests.test_browser import PHONE, assert_no_sideways_scrolling

pytestmark = pytest.mark.usefixtures("calls")


@pytest.mark.browser
def test_an_owner_filters_and_exports_the_company_calls_on_a_phone(
    new_context, giulia, studio_rossi, screenshot
):
    context = new_context(
        giulia, locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True,
        accept_downloads=True,
    )  # fmt: skip
    page = context.new_page()
    page.goto(f"/companies/{studio_rossi.slug}/")
    page.get_by_role("link", name="Cronologia chiamate").click()
    page.get_by_role("heading", name="Chiamate di Studio Rossi").wait_for()
    rows = page.locator("#company-calls tbody tr")
    assert rows.count() == 4
    assert_no_sideways_scrolling(page)
    screenshot(page, "1-all-calls")

    page.get_by_label("Direzione").select_option("in")
    page.get_by_role("button", name="Filtra").click()
    page.wait_for_url("**direction=in**")
    assert rows.count() == 1
    text = rows.first.inner_text()
    assert "in entrata" in text and "persa: nessuna risposta" in text
    assert '=HYPERLINK("http://evil")' in text, "shown as text on the page"
    assert_no_sideways_scrolling(page)
    screenshot(page, "2-calls-in")

    with page.expect_download() as download:
        page.get_by_role("link", name="Esporta CSV").click()
    saved = Path(download.value.path())
    header, row = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert header[:2] == ["iniziata", "direzione"]
    assert row[1] == "in entrata"
    assert row[2].startswith("'=")

    page.get_by_label("Primo giorno").fill("2026-03-10")
    page.get_by_label("Ultimo giorno").fill("2026-03-01")
    page.get_by_role("button", name="Filtra").click()
    page.get_by_role("alert").filter(has_text="L'ultimo giorno viene prima del primo.").wait_for()
    assert_no_sideways_scrolling(page)

    english = new_context(giulia, locale="en-GB", viewport=PHONE, is_mobile=True).new_page()
    giulia.language = "en"
    giulia.save()
    english.goto(f"/companies/{studio_rossi.slug}/calls/")
    english.get_by_role("heading", name="Calls of Studio Rossi").wait_for()
    assert english.locator("#company-calls tbody tr").count() == 4
    assert_no_sideways_scrolling(english)
