"""In Chromium, on a 390 px phone: a member writes a free tag in Italian, a space manager
merges it into a taxonomy skill in English, and the member's next typing of the same
words finds the skill."""

from __future__ import annotations

import pytest

from officina.skills.actions import check_add_free_tag, check_add_to_taxonomy
from officina.skills.curated import curated_taxonomy
from officina.skills.kinds import SkillKind
from officina.skills.models import FreeTag, MemberFreeTag, MemberSkill
from officina.skills.tests.test_browser import assert_fits_the_phone, phone_page


@pytest.fixture
def taxonomy(transactional_db: None) -> None:
    check_add_to_taxonomy(curated_taxonomy())


@pytest.mark.browser
def test_a_free_tag_written_in_italian_is_merged_by_a_manager_in_english(
    taxonomy, giulia, marco, luca, new_context, screenshot
):
    # Marco had both already: he keeps one row, with the better of the two levels.
    check_add_free_tag(marco, "Partita doppia", SkillKind.SKILL, "it", level=4)

    member_page = phone_page(new_context, giulia, "it-IT")
    member_page.goto("/skills/mine/")
    member_page.get_by_label("Non è nell’elenco? Scrivila").fill("partita doppia")
    member_page.get_by_label("Quanto la conosci").select_option(label="Intermedio")
    member_page.get_by_role("button", name="Usa questa etichetta").click()
    member_page.locator(".message", has_text="Salvato.").wait_for()
    assert member_page.locator(".free-tag", has_text="partita doppia").is_visible()
    assert_fits_the_phone(member_page)
    screenshot(member_page, "1-tagged")
    tag = FreeTag.objects.get()
    assert (tag.language, MemberFreeTag.objects.filter(tag=tag).count()) == ("it", 2)

    manager = phone_page(new_context, luca, "en-US")
    manager.goto("/skills/mine/")
    manager.get_by_role("link", name="Free tags to merge").click()
    card = manager.locator(f"#free-tag-{tag.pk}")
    assert "2 members" in card.inner_text() and "Italian" in card.inner_text()
    combobox = card.get_by_role("combobox", name="Merge into")
    combobox.fill("bookkeep")  # the English synonym of Accounting
    manager.get_by_role("option", name="Accounting").click()
    assert_fits_the_phone(manager)
    screenshot(manager, "2-merging")
    card.get_by_role("button", name="Merge").click()
    manager.locator(".message", has_text="merged into Accounting: 2 members.").wait_for()
    manager.get_by_text("No free tags in use").wait_for()
    screenshot(manager, "3-merged")

    assert not FreeTag.objects.exists()
    rows = {
        row.member_id: row.level
        for row in MemberSkill.objects.filter(skill__slug="accounting", kind=SkillKind.SKILL)
    }
    assert rows == {giulia.pk: 2, marco.pk: 4}

    # Giulia's profile shows the skill; typing the tag's words in the picker finds it.
    member_page.goto(f"/members/{giulia.pk}/")
    member_page.locator("#skills a.tag", has_text="Contabilità").wait_for()
    member_page.goto("/skills/mine/")
    member_page.get_by_role("combobox", name="Competenza").fill("partita dop")
    assert member_page.get_by_role("option").first.inner_text().startswith("Contabilità")
    screenshot(member_page, "4-found")
