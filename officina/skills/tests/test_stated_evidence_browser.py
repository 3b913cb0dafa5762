"""In Chromium, on a 390 px phone: Giulia adds evidence to her skill on /skills/mine/ in
Italian (a bad link first, refused with the reason), then edits it; Marco reads it on her
profile in English and follows the link."""

from __future__ import annotations

import pytest

from officina.skills.actions import check_add_free_tag, check_add_member_skill
from officina.skills.kinds import SkillKind
from officina.skills.models import StatedEvidence
from officina.skills.tests.test_browser import assert_fits_the_phone, phone_page


@pytest.mark.browser
def test_evidence_added_on_my_skills_shows_on_the_profile(
    transactional_db, giulia, marco, accounting, new_context, screenshot
):
    row = check_add_member_skill(giulia, accounting, SkillKind.SKILL, level=3)
    check_add_free_tag(giulia, "Ceramica raku", SkillKind.TALENT, "it")

    mine = phone_page(new_context, giulia, "it-IT")
    mine.goto("/skills/mine/")
    skill_row = mine.locator(f"#member-skill-{row.pk}")
    skill_row.locator("summary", has_text="Aggiungi una prova").click()
    skill_row.get_by_label("Link").fill("javascript:alert(1)")
    skill_row.get_by_label("Oppure un breve testo").fill("Bilanci di tre cooperative")
    assert_fits_the_phone(mine)
    screenshot(mine, "1-adding-it")
    skill_row.get_by_role("button", name="Aggiungi una prova").click()
    skill_row = mine.locator(f"#member-skill-{row.pk}")
    skill_row.get_by_text("Inserisci un indirizzo web che inizi con http:// o https://.").wait_for()
    assert not StatedEvidence.objects.exists()
    # The form is open again with what she typed: she corrects the link only.
    assert skill_row.get_by_label("Oppure un breve testo").input_value() == (
        "Bilanci di tre cooperative"
    )
    assert_fits_the_phone(mine)
    screenshot(mine, "2-refused-it")
    skill_row.get_by_label("Link").fill("https://example.com/bilanci")
    skill_row.get_by_role("button", name="Aggiungi una prova").click()
    mine.locator(".message", has_text="Salvato.").wait_for()
    evidence = StatedEvidence.objects.get()
    assert (evidence.url, evidence.text) == (
        "https://example.com/bilanci",
        "Bilanci di tre cooperative",
    )

    # Edited in place: the summary counts it, the form holds it.
    skill_row = mine.locator(f"#member-skill-{row.pk}")
    skill_row.locator("summary", has_text="Prove: 1 link o nota").click()
    item = skill_row.locator(f"#stated-evidence-{evidence.pk}")
    item.get_by_label("Oppure un breve testo").fill("Bilanci di tre cooperative agricole")
    item.get_by_role("button", name="Salva").click()
    mine.locator(".message", has_text="Salvato.").wait_for()
    evidence.refresh_from_db()
    assert evidence.text == "Bilanci di tre cooperative agricole"
    assert_fits_the_phone(mine)
    screenshot(mine, "3-saved-it")

    profile = phone_page(new_context, marco, "en-US")
    profile.goto(f"/members/{giulia.pk}/")
    proof = profile.locator(f"#member-skill-{row.pk} .skill-proof")
    assert proof.locator("summary").inner_text() == "Evidence: 1 link or note"
    proof.locator("summary").click()
    link = proof.get_by_role("link", name="Bilanci di tre cooperative agricole")
    assert link.get_attribute("href") == "https://example.com/bilanci"
    assert link.is_visible()
    assert_fits_the_phone(profile)
    screenshot(profile, "4-profile-en")
