"""In Chromium: the header folds into a Menu button on a phone, and signing up, checking
in and posting work with the keyboard alone (Tab to reach, type, Enter to act)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from officina.accounts.actions import do_join_space
from officina.presence.actions import check_check_in
from officina.social.models import Post

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def tab_to(page: Any, selector: str, limit: int = 60) -> None:
    """Press Tab until ``selector`` has the focus: it must be reachable from the keyboard."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab")


def test_the_header_folds_into_a_menu_on_a_phone(new_context, giulia, screenshot):
    page = new_context(giulia, viewport=PHONE).new_page()
    page.goto("/feed/")
    menu = page.get_by_role("button", name="Menu")
    members = page.get_by_role("navigation", name="Main").get_by_role("link", name="Members")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(members).to_be_hidden()
    header_height = page.locator("header.topbar").bounding_box()["height"]
    assert header_height < 80, header_height  # a quarter of the screen before: 211 px
    screenshot(page, "closed")

    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(members).to_be_visible()
    screenshot(page, "open")
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(members).to_be_hidden()
    expect(menu).to_be_focused()

    menu.click()
    members.click()
    expect(page).to_have_url(re.compile(r"/members/$"))

    # Wide screens show every link and no button.
    desktop = new_context(giulia).new_page()
    desktop.goto("/feed/")
    expect(desktop.get_by_role("button", name="Menu")).to_be_hidden()
    expect(
        desktop.get_by_role("navigation", name="Main").get_by_role("link", name="Members")
    ).to_be_visible()


def test_without_scripts_the_phone_header_keeps_its_links(new_context, giulia):
    page = new_context(giulia, viewport=PHONE, java_script_enabled=False).new_page()
    page.goto("/feed/")
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Members")
    ).to_be_visible()
    expect(page.locator("#menu-toggle")).to_be_hidden()


def test_sign_up_with_the_keyboard_alone(page):
    page.goto("/signup/")
    for field, value in (
        ("#id_first_name", "Chiara"),
        ("#id_last_name", "Fontana"),
        ("#id_email", "chiara.fontana@example.com"),
        ("#id_password", "lampada-blu-42"),
        ("#id_password_again", "lampada-blu-42"),
    ):
        tab_to(page, field)
        page.keyboard.type(value)
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    link = re.search(r"https?://[^/\s]+(/signup/confirm/\S+/)", str(mail.outbox[-1].body))
    assert link, mail.outbox[-1].body
    page.goto(link.group(1))
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Hello, Chiara")).to_be_visible()


@pytest.fixture
def busy_navigli(make_member, navigli):
    """A busy morning: a long "here now" list that must not push the check-in out of sight.
    (Made before the browser starts: its loop in this thread forbids the live pushes.)"""
    for number in range(12):
        colleague = make_member(first_name="Collega", last_name=f"N. {number}")
        do_join_space(colleague, navigli)
        check_check_in(colleague, navigli, note="at the big table")
    return navigli


def test_check_in_on_a_phone_with_the_keyboard_alone(busy_navigli, giulia, new_context, screenshot):
    page = new_context(giulia, viewport=PHONE).new_page()
    page.goto("/spaces/navigli/")
    # The reason to open this page at the door is in the first screen.
    check_in = page.locator("#check-in")
    box = check_in.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    screenshot(page, "space")
    tab_to(page, "#id_note")
    page.keyboard.type("the Rossi website")
    tab_to(page, "#check-in")
    page.keyboard.press("Enter")
    expect(page.locator("#my-presence")).to_contain_text("You are checked in here.")
    expect(page.locator("#present-list li", has_text="Giulia Rossi")).to_contain_text(
        "the Rossi website"
    )


def test_post_with_the_keyboard_alone(new_context, giulia):
    page = new_context(giulia).new_page()
    page.goto("/feed/")
    tab_to(page, "#id_body")
    page.keyboard.type("Who has a spare HDMI cable?")
    tab_to(page, "#post-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("article", has_text="Who has a spare HDMI cable?").first).to_be_visible()
    assert Post.objects.filter(author=giulia, body="Who has a spare HDMI cable?").exists()
