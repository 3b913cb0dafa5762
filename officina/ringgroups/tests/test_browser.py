"""In Chromium on a phone, in Italian: Giulia sets up a hunt group for Studio Rossi (a
taken number refused first); Marco, on his phone, says do not disturb."""

from __future__ import annotations

from typing import Any

import pytest

from officina.pbx.actions import do_provision_extension
from officina.ringgroups.models import RingGroup, RingGroupMember

PHONE = {"width": 390, "height": 844}


def assert_no_sideways_scrolling(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"


@pytest.mark.browser
def test_an_owner_sets_up_a_group_and_a_member_says_do_not_disturb(
    new_context, giulia, marco, studio_rossi, screenshot
):
    taken = do_provision_extension(giulia).number
    owner = new_context(
        giulia, locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    owner.goto(f"/companies/{studio_rossi.slug}/")
    owner.get_by_role("link", name="Gruppi di chiamata").click()
    owner.get_by_role("link", name="Nuovo gruppo di chiamata").click()
    owner.fill("#id_name", "Reception")
    owner.fill("#id_number", taken)
    owner.select_option("#id_strategy", "hunt")
    owner.fill("#id_ring_seconds", "12")
    owner.fill(f"#id_place_{marco.pk}", "1")
    owner.fill(f"#id_place_{giulia.pk}", "2")
    owner.click("#ring-group-form button[type=submit]")
    error = owner.locator("#ring-group-form .errorlist")
    error.wait_for()
    assert f"{taken} è già in uso: scegli un altro numero." in error.inner_text()
    screenshot(owner, "1-number-taken")
    assert_no_sideways_scrolling(owner)
    owner.fill("#id_number", "600")
    owner.click("#ring-group-form button[type=submit]")
    owner.locator(".message", has_text="Reception è salvato.").wait_for()
    group_card = owner.locator(".ring-group")
    assert "600" in group_card.inner_text()
    assert "uno dopo l'altro, in ordine" in group_card.inner_text()
    screenshot(owner, "2-group")
    assert_no_sideways_scrolling(owner)
    assert RingGroup.objects.get().number == "600"

    member = new_context(
        marco, locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    member.goto(f"/companies/{studio_rossi.slug}/ring-groups/")
    member.get_by_role("button", name="Non disturbare").click()
    member.locator(".message", has_text="Non disturbare").wait_for()
    assert not RingGroupMember.objects.get(member=marco).available
    screenshot(member, "3-do-not-disturb")
    assert_no_sideways_scrolling(member)
