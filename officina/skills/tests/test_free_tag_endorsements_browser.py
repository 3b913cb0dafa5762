"""In Chromium, on a 390 px phone: Marco endorses Giulia's free tag on her profile in
Italian, Sara in English and then withdraws; Giulia reads the count on her own profile,
with no button to endorse herself."""

from __future__ import annotations

import pytest

from officina.notifications.models import Notification
from officina.skills.actions import check_add_free_tag
from officina.skills.kinds import SkillKind
from officina.skills.models import Endorsement
from officina.skills.tests.test_browser import assert_fits_the_phone, phone_page


@pytest.mark.browser
def test_a_free_tag_is_endorsed_on_the_profile_in_both_languages(
    transactional_db, giulia, marco, sara, new_context, screenshot
):
    listing = check_add_free_tag(giulia, "Ceramica raku", SkillKind.OFFER, "it").listing
    profile = f"/members/{giulia.pk}/"

    italian = phone_page(new_context, marco, "it-IT")
    italian.goto(profile)
    row = italian.locator(f"#free-tag-{listing.pk}")
    assert "0 raccomandazioni" in row.inner_text()
    assert_fits_the_phone(italian)
    screenshot(italian, "1-before")
    row.get_by_role("button", name="Raccomanda").click()
    italian.locator(".message", has_text="Raccomandazione inviata.").wait_for()
    row = italian.locator(f"#free-tag-{listing.pk}")
    assert "1 raccomandazione" in row.inner_text()
    row.get_by_text("Prove: 1 raccomandazione").click()
    row.get_by_text("Raccomandata da").wait_for()
    assert "Marco" in row.locator(".proof-endorsers").inner_text()
    assert row.get_by_role("button", name="Ritira la raccomandazione").is_visible()
    assert_fits_the_phone(italian)
    screenshot(italian, "2-endorsed")

    english = phone_page(new_context, sara, "en-US")
    english.goto(profile)
    row = english.locator(f"#free-tag-{listing.pk}")
    row.get_by_role("button", name="Endorse").click()
    english.locator(".message", has_text="Endorsement sent.").wait_for()
    row = english.locator(f"#free-tag-{listing.pk}")
    assert "2 endorsements" in row.inner_text()
    assert_fits_the_phone(english)
    screenshot(english, "3-two")
    row.get_by_role("button", name="Withdraw endorsement").click()
    english.locator(f"#free-tag-{listing.pk}").get_by_role("button", name="Endorse").wait_for()
    assert "1 endorsement" in english.locator(f"#free-tag-{listing.pk}").inner_text()

    own = phone_page(new_context, giulia, "en-US")
    own.goto(profile)
    row = own.locator(f"#free-tag-{listing.pk}")
    assert "1 endorsement" in row.inner_text()
    assert row.get_by_role("button").count() == 0
    assert_fits_the_phone(own)
    screenshot(own, "4-own")

    assert [e.endorser_id for e in Endorsement.objects.all()] == [marco.pk]
    assert Notification.objects.filter(recipient=giulia, kind="skills.endorsement").count() == 2
