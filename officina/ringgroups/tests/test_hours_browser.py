"""In Chromium on a phone, in Italian: Giulia gives Studio Rossi business hours with a
lunch break (an overlap refused first) and closes a day; a group then rings only in
hours and sends its calls to her desk out of hours."""

from __future__ import annotations

import pytest

from officina.pbx.actions import do_provision_extension
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group
from officina.ringgroups.models import RingGroup

PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
def test_business_hours_on_a_phone(new_context, giulia, marco, studio_rossi, screenshot):
    desk = do_provision_extension(giulia).number
    group = check_save_ring_group(
        studio_rossi, RingGroupInput("Sales", "600", member_ids=[marco.pk])
    )
    page = new_context(
        giulia, locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    page.goto(f"/companies/{studio_rossi.slug}/ring-groups/")
    page.get_by_role("link", name="Orari di lavoro").click()
    for weekday in range(5):
        page.fill(f"#id_opens_1_{weekday}", "09:00")
        page.fill(f"#id_closes_1_{weekday}", "13:00")
        page.fill(f"#id_opens_2_{weekday}", "14:00")
        page.fill(f"#id_closes_2_{weekday}", "18:00")
    page.fill("#id_opens_2_0", "12:30")
    page.click("#hours-form button[type=submit]")
    error = page.locator("#hours-form .errorlist")
    error.wait_for()
    assert "I periodi di un giorno non devono sovrapporsi." in error.inner_text()
    screenshot(page, "1-overlap")
    page.fill("#id_opens_2_0", "14:00")
    page.click("#hours-form button[type=submit]")
    page.locator(".message", has_text="Gli orari di lavoro sono salvati.").wait_for()
    page.fill("#id_day", "2027-12-07")
    page.fill("#id_note", "Sant'Ambrogio")
    page.click("#exception-form button[type=submit]")
    page.locator("#exceptions li", has_text="Sant'Ambrogio").wait_for()
    screenshot(page, "2-hours")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.goto(f"/companies/{studio_rossi.slug}/ring-groups/{group.pk}/")
    page.check("#id_in_hours_only")
    page.fill("#id_out_of_hours_number", desk)
    page.click("#ring-group-form button[type=submit]")
    page.locator(".message", has_text="Sales è salvato.").wait_for()
    assert f"solo negli orari di lavoro, poi {desk}" in page.locator(".ring-group").inner_text()
    group = RingGroup.objects.get()
    assert group.in_hours_only and group.out_of_hours_number == desk
    screenshot(page, "3-group")
