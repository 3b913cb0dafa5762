"""The kiosk in Chromium: a manager switches the tablet on, a member checks in with a PIN."""

import pytest
from playwright.sync_api import expect

from officina.accounts.actions import check_set_kiosk_pin
from officina.presence.selectors import is_member_present

pytestmark = pytest.mark.browser


def test_kiosk_check_in_and_out_with_pin(new_context, luca, marco, navigli, screenshot):
    check_set_kiosk_pin(marco, "4071")
    tablet = new_context(luca, viewport={"width": 1024, "height": 768}).new_page()
    tablet.goto("/spaces/navigli/kiosk/")
    tablet.locator("#id_name").fill("Ingresso")
    tablet.get_by_role("button", name="Switch the kiosk on").click()
    expect(tablet.get_by_role("heading", name="Hello! Who are you?")).to_be_visible()
    # The manager's session is gone from the tablet.
    tablet.goto("/settings/")
    assert "/login/" in tablet.url
    tablet.goto("/spaces/navigli/kiosk/")

    tablet.locator("#kiosk-search").fill("mar")
    tablet.get_by_role("button", name="Marco C.").click()
    for digit in "9999":
        tablet.locator(f'#pin-pad button[data-digit="{digit}"]').click()
    tablet.get_by_role("button", name="OK").click()
    expect(tablet.locator("#pin-error")).to_have_text("Wrong PIN.")
    screenshot(tablet, "1-wrong-pin")
    assert not is_member_present(marco)

    for digit in "4071":
        tablet.locator(f'#pin-pad button[data-digit="{digit}"]').click()
    tablet.get_by_role("button", name="OK").click()
    expect(tablet.locator("#done-message")).to_have_text("Welcome, Marco! You are checked in.")
    screenshot(tablet, "2-checked-in")
    assert is_member_present(marco)

    # Back to the search after a few seconds; now Marco checks out.
    expect(tablet.locator("#kiosk-search")).to_be_visible(timeout=8000)
    tablet.locator("#kiosk-search").fill("marco")
    expect(tablet.get_by_role("button", name="Marco C.")).to_contain_text("here")
    screenshot(tablet, "3-search")
    tablet.get_by_role("button", name="Marco C.").click()
    for digit in "4071":
        tablet.locator(f'#pin-pad button[data-digit="{digit}"]').click()
    tablet.get_by_role("button", name="OK").click()
    expect(tablet.locator("#done-message")).to_have_text("Goodbye, Marco! You are checked out.")
    assert not is_member_present(marco)
