"""In Chromium: the notification badge and list update live when something happens."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from officina.notifications.actions import do_notify


@pytest.mark.browser
def test_badge_and_list_update_live(new_context, giulia, marco, screenshot):
    page = new_context(giulia).new_page()
    page.goto("/notifications/")
    expect(page.locator("html")).to_have_attribute("data-live", "on")
    # As a request would: from a thread of its own (Playwright's loop runs in this one).
    notify = threading.Thread(
        target=do_notify,
        args=(giulia, "test.kind"),
        kwargs={"actor": marco, "text": "Marco ha commentato il tuo post.", "url": "/feed/"},
    )
    notify.start()
    notify.join()
    page.locator("#notifications-badge", has_text="1").wait_for(timeout=5000)
    item = page.locator("#notification-list li", has_text="Marco ha commentato")
    item.wait_for(timeout=5000)
    assert item.locator("a").get_attribute("href") == "/feed/"
    screenshot(page, "live")
