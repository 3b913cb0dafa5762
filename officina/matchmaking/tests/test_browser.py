"""In Chromium: Giulia, on a phone, sees who could answer her question about VAT, in
Italian, and invites Marco; Marco, in his own browser, finds the invitation among his
notifications and opens the question from it."""

from __future__ import annotations

from typing import Any

import pytest

from officina.matchmaking.models import AnswerInvitation

PHONE = {"width": 390, "height": 844}


def assert_no_sideways_scrolling(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"


@pytest.mark.browser
def test_the_asker_invites_a_suggested_expert_who_finds_the_invitation(
    vat_question, giulia, marco, sara, new_context, screenshot
):
    # The rows first (their notifications push live), then the browser's event loop.
    phone = new_context(
        giulia, locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto(f"/questions/{vat_question.pk}/")
    experts = phone.locator("#experts")
    experts.wait_for()
    assert "Chi potrebbe rispondere" in experts.inner_text()
    names = experts.locator(".expert strong").all_inner_texts()
    assert names == ["Sara Bianchi", "Marco Colombo"]
    assert "offre Fisco e IVA" in experts.locator(".expert").nth(1).inner_text()
    assert_no_sideways_scrolling(phone)
    screenshot(phone, "1-suggestions")

    experts.locator(".expert").nth(1).get_by_role("button", name="Invita a rispondere").click()
    phone.locator(".message", has_text="Invito a rispondere inviato a Marco Colombo.").wait_for()
    assert experts.locator(".expert").nth(1).locator(".invited").inner_text() == "Invito inviato"
    assert AnswerInvitation.objects.filter(question=vat_question, member=marco).exists()
    screenshot(phone, "2-invited")

    marco_page = new_context(marco).new_page()
    marco_page.goto("/notifications/")
    invitation = marco_page.get_by_text("Giulia Rossi invites you to answer")
    invitation.wait_for()
    screenshot(marco_page, "3-notification")
    invitation.click()
    marco_page.wait_for_url(f"**/questions/{vat_question.pk}/**")
    assert marco_page.locator("h1").inner_text() == vat_question.title
    # Marco is not the asker: he sees no suggestions.
    assert marco_page.locator("#experts").count() == 0
