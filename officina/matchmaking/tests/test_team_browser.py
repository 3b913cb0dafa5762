"""In Chromium, on a 390 px phone, in Italian: a member picks two skills with the
keyboard and gets a team, each person with what they cover and why, and the skill
nobody has."""

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
