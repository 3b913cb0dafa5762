"""In Chromium, two browsers: Giulia, on a phone in Italian, finds Marco among the people
to meet with the reason, and asks for an introduction; Marco, in English on his computer,
gets the notification, sees the request with the reason from his side, and accepts; both
find the conversation that opened with the two of them."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page

from officina.matchmaking.kinds import IntroductionStatus
from officina.matchmaking.models import Introduction
from officina.matchmaking.tests.test_browser import PHONE, assert_no_sideways_scrolling
from officina.skills.actions import (
    check_add_free_tag,
    check_add_member_skill,
    check_set_free_tag_synonyms,
)
from officina.skills.kinds import SkillKind, SkillLevel
from officina.social.models import ConversationMember


@pytest.fixture
def tax_and_ux(community, tax, ux, giulia, marco):
    check_add_member_skill(giulia, tax, SkillKind.NEED)
    check_add_member_skill(giulia, ux, SkillKind.INTEREST)
    check_add_member_skill(marco, tax, SkillKind.OFFER, level=SkillLevel.EXPERT)
    check_add_member_skill(marco, ux, SkillKind.INTEREST)


def marco_on_the_phone_of(giulia: Any, new_context: Any) -> tuple[Page, Locator]:
    """Giulia's people to meet on a phone in Italian, and Marco's card there."""
    phone = new_context(
        giulia, locale="it-IT", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto("/meet/")
    card = phone.locator("#people .person", has_text="Marco Colombo")
    card.wait_for()
    return phone, card


@pytest.mark.browser
def test_double_opt_in_between_two_browsers(tax_and_ux, giulia, marco, new_context, screenshot):
    phone, card = marco_on_the_phone_of(giulia, new_context)
    assert phone.locator("h1").inner_text() == "Persone da conoscere"
    text = card.inner_text()
    assert "Marco Colombo offre Fisco e IVA, che ti serve" in text
    assert "siete entrambi interessati a UX design" in text
    assert "Complementari" in text and "Affini" in text
    assert_no_sideways_scrolling(phone)
    screenshot(phone, "1-people-to-meet")

    card.get_by_role("button", name="Chiedi di essere presentati").click()
    phone.locator(
        ".message", has_text="Richiesta inviata. Se anche Marco Colombo accetta, sarete presentati."
    ).wait_for()
    assert "Richiesta inviata" in phone.locator("#asked .person").inner_text()
    assert phone.locator("#people .person", has_text="Marco Colombo").count() == 0
    assert_no_sideways_scrolling(phone)
    screenshot(phone, "2-asked")

    desk = new_context(marco).new_page()
    desk.goto("/notifications/")
    notice = desk.get_by_text("Giulia Rossi would like to meet you.")
    notice.wait_for()
    notice.click()
    desk.wait_for_url("**/meet/**")
    request = desk.locator("#requests .person", has_text="Giulia Rossi")
    assert "Giulia Rossi needs Tax and VAT, which you offer" in request.inner_text()
    screenshot(desk, "3-request")
    request.get_by_role("button", name="Accept").click()
    desk.locator(
        ".message", has_text="You and Giulia Rossi are introduced: a conversation is open."
    ).wait_for()
    desk.locator("#introduced").get_by_role("link", name="Open the conversation").click()
    desk.wait_for_url("**/messages/*/")
    screenshot(desk, "4-conversation")

    introduction = Introduction.objects.get()
    assert introduction.status == IntroductionStatus.ACCEPTED
    assert set(
        ConversationMember.objects.filter(conversation=introduction.conversation).values_list(
            "member_id", flat=True
        )
    ) == {giulia.pk, marco.pk}
    phone.goto("/meet/")
    introduced = phone.locator("#introduced .person", has_text="Marco Colombo")
    introduced.get_by_role("link", name="Apri la conversazione").click()
    phone.wait_for_url(f"**/messages/{introduction.conversation_id}/")
    assert_no_sideways_scrolling(phone)
    screenshot(phone, "5-conversation")


@pytest.mark.browser
def test_a_suggestion_on_free_tags_names_them_in_italian_on_a_phone(
    community, giulia, marco, new_context, screenshot
):
    """Giulia and Marco share no skill of the taxonomy: she needs the free tag "Figma
    prototyping", which he offers as "Prototipazione Figma" (its synonym)."""
    check_add_free_tag(giulia, "Figma prototyping", SkillKind.NEED, "en")
    check_add_free_tag(giulia, "Ceramica raku", SkillKind.INTEREST, "it")
    figma = check_add_free_tag(marco, "Prototipazione Figma", SkillKind.OFFER, "it").tag
    assert figma is not None and PHONE["width"] == 390
    check_set_free_tag_synonyms(figma, ["Figma prototyping"])
    check_add_free_tag(marco, "Ceramica Raku", SkillKind.INTEREST, "it")
    phone, card = marco_on_the_phone_of(giulia, new_context)
    text = card.inner_text()
    assert "Marco Colombo offre Prototipazione Figma, che ti serve" in text
    assert "siete entrambi interessati a Ceramica raku" in text
    assert "Complementari" in text and "Affini" in text
    assert_no_sideways_scrolling(phone)
    screenshot(phone, "free-tags")
