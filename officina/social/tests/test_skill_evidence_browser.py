"""In Chromium, on a 390 px phone: the evidence behind a skill on a profile, with its
sources, in Italian for a colleague who sees it all and in English for a member of
another space, who sees neither the space's question nor the company's project."""

from __future__ import annotations

from typing import Any

import pytest

PHONE = {"width": 390, "height": 844}


def profile_on_a_phone(new_context: Any, viewer: Any, member: Any, locale: str) -> Any:
    page = new_context(
        viewer, locale=locale, viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    page.goto(f"/members/{member.pk}/")
    return page


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px screen"


@pytest.mark.browser
def test_evidence_per_skill_with_its_sources_in_both_languages(
    transactional_db,
    marcos_evidence,
    marco,
    giulia,
    sara,
    new_context,
    screenshot,
):
    colleague = profile_on_a_phone(new_context, giulia, marco, "it-IT")
    proof = colleague.locator(".skill-row[data-kind-row=skill] .skill-proof")
    summary = proof.locator("summary")
    assert summary.inner_text() == "Prove: 2 raccomandazioni · 2 risposte accettate · 1 progetto"
    summary.click()
    assert proof.get_by_text("Raccomandata da").is_visible()
    assert proof.get_by_role("link", name="Giulia Rossi").is_visible()
    assert proof.get_by_role("link", name="Sara Bianchi").is_visible()
    fits(colleague)
    screenshot(colleague, "1-colleague-it")
    proof.get_by_role("link", name="Year-end accounts").click()
    colleague.wait_for_url(f"**/projects/{marcos_evidence['project'].pk}/")
    colleague.go_back()
    colleague.locator(".skill-row[data-kind-row=skill] .skill-proof summary").click()
    colleague.get_by_role("link", name="Which invoices go in the Navigli ledger?").click()
    colleague.wait_for_url(f"**/questions/{marcos_evidence['in_space'].pk}/")

    outsider = profile_on_a_phone(new_context, sara, marco, "en-US")
    proof = outsider.locator(".skill-row[data-kind-row=skill] .skill-proof")
    assert proof.locator("summary").inner_text() == "Evidence: 2 endorsements · 1 accepted answer"
    proof.locator("summary").click()
    assert proof.get_by_role("link", name="How do I close the books in December?").is_visible()
    assert proof.get_by_role("link").count() == 3  # two endorsers and one question
    assert "Year-end accounts" not in outsider.content()
    assert "Navigli ledger" not in outsider.content()
    fits(outsider)
    screenshot(outsider, "2-outsider-en")
