"""Who's here writes times as every page does, on the reader's clock and in their
language: an arrival pushed live reads exactly as the same person on the reloaded page."""

from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from playwright.sync_api import expect

from officina.core.moments import shown_clock
from officina.presence import actions

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("language", "locale"), [("en", "en-US"), ("it", "it-IT")])
def test_an_arrival_pushed_live_reads_as_on_the_reloaded_page(
    new_context, asgi_live_server, giulia, marco, navigli, language, locale
):
    # Tokyo is 8 hours from the space (Rome): a time on the space's clock would show.
    giulia.language, giulia.time_zone = language, "Asia/Tokyo"
    giulia.save(update_fields=["language", "time_zone"])
    watcher = new_context(giulia, locale=locale).new_page()
    watcher.goto("/spaces/navigli/")
    expect(watcher.locator("html")).to_have_attribute("data-live", "on")

    check_in = asgi_live_server.run_on_server(actions.check_check_in, marco, navigli)
    pushed = watcher.locator("#present-list li", has_text="Marco Colombo").locator(".detail")
    expect(pushed).to_be_visible()
    live_text = " ".join(pushed.inner_text().split())

    watcher.reload()
    reloaded = watcher.locator("#present-list li", has_text="Marco Colombo").locator(".detail")
    assert " ".join(reloaded.inner_text().split()) == live_text

    with translation.override(language):
        expected = shown_clock(check_in.started_at, ZoneInfo("Asia/Tokyo"))
    assert expected in live_text, (expected, live_text)
    rome = check_in.started_at.astimezone(navigli.zone).strftime("%H:%M")
    assert rome not in live_text
