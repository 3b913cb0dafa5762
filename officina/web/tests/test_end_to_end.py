"""End to end in Chromium: a newcomer signs up, checks in, and a member watching the
"who's here" page sees them arrive live, without reloading."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from officina.presence.selectors import present_member_ids

pytestmark = pytest.mark.browser


def test_sign_up_check_in_and_appear_live(new_context, giulia, navigli, screenshot):
    navigli.join_policy = "open"  # asking to join is test_privacy_browser's
    navigli.save()
    watcher = new_context(giulia).new_page()
    watcher.goto("/spaces/navigli/")
    expect(watcher.locator("html")).to_have_attribute("data-live", "on")
    expect(watcher.locator("#present-list li")).to_have_count(0)
    screenshot(watcher, "1-watcher-before")

    newcomer = new_context().new_page()
    newcomer.goto("/")
    newcomer.get_by_role("link", name="Join the community").click()
    newcomer.locator("#id_first_name").fill("Chiara")
    newcomer.locator("#id_last_name").fill("Fontana")
    newcomer.locator("#id_email").fill("chiara.fontana@example.com")
    newcomer.locator("#id_password").fill("lampada-blu-42")
    newcomer.locator("#id_password_again").fill("lampada-blu-42")
    screenshot(newcomer, "2-sign-up")
    newcomer.get_by_role("button", name="Create my account").click()
    expect(newcomer.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    link = re.search(r"https?://[^/\s]+(/signup/confirm/\S+/)", str(mail.outbox[-1].body))
    assert link, mail.outbox[-1].body
    newcomer.goto(link.group(1))
    newcomer.get_by_role("button", name="Create my account").click()
    expect(newcomer.get_by_role("heading", name="Hello, Chiara")).to_be_visible()

    newcomer.goto("/spaces/")
    newcomer.get_by_role("link", name="Officina Navigli").click()
    newcomer.get_by_role("button", name="Join this space").click()
    newcomer.locator("#id_note").fill("the Rossi website")
    newcomer.get_by_role("button", name="Check in").click()
    expect(newcomer.locator("#my-presence")).to_contain_text("You are checked in here.")
    screenshot(newcomer, "3-checked-in")

    arrival = watcher.locator("#present-list li", has_text="Chiara Fontana")
    expect(arrival).to_be_visible()
    expect(arrival).to_contain_text("the Rossi website")
    expect(watcher.locator("#present-count")).to_have_text("1")
    screenshot(watcher, "4-watcher-sees-arrival")
    assert len(present_member_ids(giulia, navigli)) == 1

    newcomer.get_by_role("button", name="Check out").click()
    expect(watcher.locator("#present-list li")).to_have_count(0)
    expect(watcher.locator("#nobody")).to_be_visible()


def test_bad_sign_up_shows_errors_in_the_page(page, screenshot):
    page.goto("/signup/")
    page.locator("#id_first_name").fill("Chiara")
    page.locator("#id_last_name").fill("Fontana")
    page.locator("#id_email").fill("chiara@example.com")
    page.locator("#id_password").fill("12345678")
    page.locator("#id_password_again").fill("12345679")
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    expect(page.get_by_text("The two passwords differ.")).to_be_visible()
    screenshot(page, "sign-up-errors")
    assert re.search(r"/signup/$", page.url)


def test_notified_live_when_a_colleague_arrives(new_context, giulia, marco, navigli, screenshot):
    watcher = new_context(giulia).new_page()
    watcher.goto("/spaces/navigli/people/")
    row = watcher.locator("#space-members li", has_text="Marco Colombo")
    row.get_by_role("button", name="Notify me when they arrive").click()
    expect(watcher.locator(".messages")).to_contain_text(
        "We will tell you when Marco Colombo arrives."
    )
    watcher.goto("/spaces/navigli/")
    expect(watcher.locator("html")).to_have_attribute("data-live", "on")
    badge = watcher.locator("#notifications-badge")
    expect(badge).to_have_text("")

    marco_page = new_context(marco).new_page()
    marco_page.goto("/spaces/navigli/")
    marco_page.get_by_role("button", name="Check in").click()

    expect(badge).to_have_text("1")
    expect(badge).to_have_attribute("title", "Marco Colombo has arrived at Officina Navigli.")
    expect(watcher.locator("#present-list li", has_text="Marco Colombo")).to_be_visible()
    screenshot(watcher, "notified")
