"""In Chromium, on a 390 px phone: the skill pickers are type-to-search comboboxes in the
member's language, found by either language's name or a synonym, accents aside, with
the keyboard alone; re-adding a skill keeps its level; without JavaScript the plain
select still works."""

from __future__ import annotations

from typing import Any

import pytest

from officina.knowledge.models import Question
from officina.skills.actions import check_add_to_taxonomy
from officina.skills.curated import curated_taxonomy
from officina.skills.models import MemberSkill

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def taxonomy(transactional_db: None) -> None:
    check_add_to_taxonomy(curated_taxonomy())


def phone_page(new_context: Any, member: Any, locale: str, **options: Any) -> Any:
    context = new_context(
        member, locale=locale, viewport=PHONE, is_mobile=True, has_touch=True, **options
    )
    return context.new_page()


def assert_fits_the_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"


@pytest.mark.browser
def test_italian_picker_finds_a_skill_without_accents_and_keeps_its_level(
    taxonomy, giulia, new_context, screenshot
):
    page = phone_page(new_context, giulia, "it-IT")
    page.goto("/skills/mine/")
    combobox = page.get_by_role("combobox", name="Competenza")
    assert combobox.get_attribute("aria-expanded") == "false"
    assert page.locator("#id_skill").is_hidden()  # the select stays, hidden, and is sent

    combobox.fill("contabilita")
    listbox = page.get_by_role("listbox")
    listbox.wait_for()
    assert combobox.get_attribute("aria-expanded") == "true"
    assert listbox.get_by_role("option").first.inner_text().startswith("Contabilità")
    assert_fits_the_phone(page)
    screenshot(page, "1-typed")
    combobox.press("ArrowDown")
    active = combobox.get_attribute("aria-activedescendant")
    assert page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    combobox.press("Enter")
    assert combobox.input_value() == "Contabilità"
    assert combobox.get_attribute("aria-expanded") == "false"
    page.get_by_label("Livello").select_option(label="Avanzato")
    page.get_by_role("button", name="Aggiungi").click()
    page.locator(".message", has_text="Salvato.").wait_for()
    row = MemberSkill.objects.get(member=giulia)
    assert (row.skill.slug, row.level) == ("accounting", 3)

    # Again, by its English synonym and with no level: the level stays.
    page.get_by_role("combobox", name="Competenza").fill("bookkeeping")
    page.get_by_role("option", name="Contabilità").click()
    page.get_by_role("button", name="Aggiungi").click()
    page.locator(".message", has_text="Salvato.").wait_for()
    row.refresh_from_db()
    assert row.level == 3
    assert "Avanzato" in page.locator(f"#member-skill-{row.pk}").inner_text()
    assert_fits_the_phone(page)
    screenshot(page, "2-kept")


@pytest.mark.browser
def test_english_question_tags_are_chosen_and_removed_with_the_keyboard(
    taxonomy, giulia, new_context, screenshot
):
    page = phone_page(new_context, giulia, "en-US")
    page.goto("/questions/ask/")
    page.get_by_label("Your question").fill("Reverse charge on invoices to Germany?")
    page.get_by_label("Details").fill("A client in Berlin asks for an invoice without VAT.")
    combobox = page.get_by_role("combobox", name="Skills")
    combobox.fill("iva")  # the Italian word finds the English name, first
    assert page.get_by_role("option").first.inner_text().startswith("Tax and VAT")
    combobox.press("ArrowDown")
    combobox.press("Enter")
    combobox.fill("djan")
    assert page.get_by_role("status").inner_text() == (
        "One skill matches; press Enter to choose it."
    )
    combobox.press("Enter")  # the one match, without arrows
    combobox.fill("graphic")
    combobox.press("ArrowDown")
    combobox.press("Enter")
    chosen = page.get_by_role("list", name="Chosen skills").get_by_role("listitem")
    assert sorted(text.rstrip("×").strip() for text in chosen.all_inner_texts()) == [
        "Django",
        "Graphic design",
        "Tax and VAT",
    ]
    sent = page.locator("#id_tags option:checked")
    assert sorted(sent.all_inner_texts()) == ["Django", "Graphic design", "Tax and VAT"]
    page.get_by_role("button", name="Remove Graphic design").click()
    assert combobox.evaluate("element => element === document.activeElement")
    assert sorted(sent.all_inner_texts()) == ["Django", "Tax and VAT"]
    # A name half typed is not sent as nothing: the form says to choose from the list.
    combobox.fill("zzz")
    assert page.get_by_role("status").inner_text() == "No skill matches “zzz”."
    page.get_by_role("button", name="Publish question").click()
    page.get_by_text("Choose a skill from the list.").wait_for()
    assert not Question.objects.exists()
    assert_fits_the_phone(page)
    screenshot(page, "1-tags")
    combobox.fill("")
    page.get_by_role("button", name="Publish question").click()
    page.wait_for_url("**/questions/*/")
    question = Question.objects.get()
    assert sorted(question.tags.values_list("slug", flat=True)) == ["django", "tax"]


@pytest.mark.browser
def test_without_javascript_the_plain_select_adds_a_skill(taxonomy, giulia, new_context):
    page = phone_page(new_context, giulia, "it-IT", java_script_enabled=False)
    page.goto("/skills/mine/")
    assert page.get_by_role("combobox", name="Competenza").evaluate("e => e.tagName") == "SELECT"
    page.get_by_label("Competenza").select_option(label="Fisco e IVA")
    page.get_by_role("button", name="Aggiungi").click()
    page.locator(".message", has_text="Salvato.").wait_for()
    assert MemberSkill.objects.get(member=giulia).skill.slug == "tax"
