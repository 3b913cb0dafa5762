"""In Chromium: a member picks the skills a team needs (by a synonym, with the keyboard
or the mouse) and gets a team, each person with what they cover and why, and the skills
nobody has; on a 390 px phone in Italian, and on a desktop in English."""

from __future__ import annotations

from typing import Any

import pytest

from officina.skills.actions import check_add_member_skill, check_add_to_taxonomy
from officina.skills.curated import curated_taxonomy
from officina.skills.kinds import SkillKind, SkillLevel

PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
def test_a_team_for_two_skills_on_a_phone_in_italian(
    transactional_db: None,
    community: Any,
    luca: Any,
    marco: Any,
    make_member: Any,
    screenshot: Any,
    new_context: Any,
) -> None:
    skills = {skill.slug: skill for skill in check_add_to_taxonomy(curated_taxonomy())}
    check_add_member_skill(marco, skills["tax"], SkillKind.OFFER, level=SkillLevel.EXPERT)
    olga = make_member(first_name="Olga", last_name="Sala")
    page = new_context(
        olga, locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    page.goto("/team/")
    combobox = page.get_by_role("combobox", name="Competenze che servono al gruppo")
    combobox.fill("partita iva")  # a synonym of "Fisco e IVA"
    combobox.press("ArrowDown")
    combobox.press("Enter")
    combobox.fill("ceramica")
    page.get_by_role("option", name="Ceramica").click()
    page.get_by_role("button", name="Suggerisci un gruppo").click()
    page.wait_for_url("**/team/?skills=*")
    team = page.locator("#team")
    member = team.locator(".team-member")
    assert member.count() == 1
    assert "Marco Colombo" in member.inner_text()
    assert "offre Fisco e IVA" in member.inner_text()
    assert "Nessuno nella community ha ancora" in team.inner_text()
    assert "Ceramica" in team.locator(".uncovered").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a 390px screen"
    screenshot(page, "team")


@pytest.mark.browser
def test_a_team_for_three_skills_on_a_desktop_in_english(
    transactional_db: None,
    community: Any,
    luca: Any,
    marco: Any,
    make_member: Any,
    screenshot: Any,
    new_context: Any,
) -> None:
    skills = {skill.slug: skill for skill in check_add_to_taxonomy(curated_taxonomy())}
    check_add_member_skill(marco, skills["tax"], SkillKind.OFFER, level=SkillLevel.EXPERT)
    check_add_member_skill(luca, skills["ux-design"], SkillKind.SKILL, level=SkillLevel.ADVANCED)
    olga = make_member(first_name="Olga", last_name="Sala")
    page = new_context(olga, locale="en-US").new_page()
    page.goto("/team/")
    assert page.locator("h1").inner_text() == "Build a team"
    combobox = page.get_by_role("combobox", name="Skills the team needs")
    combobox.fill("vat return")  # a synonym of "Tax and VAT"
    combobox.press("ArrowDown")
    combobox.press("Enter")
    combobox.fill("usability")  # a synonym of "UX design"
    page.get_by_role("option", name="UX design").click()
    combobox.fill("pottery")  # a synonym of "Ceramics", which nobody has
    page.get_by_role("option", name="Ceramics").click()
    page.get_by_role("button", name="Suggest a team").click()
    page.wait_for_url("**/team/?skills=*")
    team = page.locator("#team")
    assert team.get_by_role("heading", name="Suggested team").is_visible()
    people = {
        each.locator("strong").inner_text(): each.inner_text()
        for each in team.locator(".team-member").all()
    }
    assert set(people) == {"Marco Colombo", "Luca Ferrari"}, people
    assert "Covers: Tax and VAT" in people["Marco Colombo"]
    assert "offers Tax and VAT" in people["Marco Colombo"]
    assert "Covers: UX design" in people["Luca Ferrari"]
    assert "knows UX design" in people["Luca Ferrari"]
    uncovered = team.locator(".uncovered")
    assert "Nobody in the community has yet" in uncovered.inner_text()
    assert "Ceramics" in uncovered.inner_text()
    team.get_by_role("link", name="Marco Colombo").click()
    page.wait_for_url(f"**/members/{marco.pk}/")
    screenshot(page, "team-en")
