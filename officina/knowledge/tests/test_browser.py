"""In Chromium: Giulia asks, Marco answers, Giulia accepts; Marco's profile shows the
accepted answer as evidence of the question's skill, linked to the question."""

from __future__ import annotations

import re

import pytest

from officina.knowledge.models import Question
from officina.skills.models import SkillEvidence


@pytest.mark.browser
def test_ask_answer_accept_shows_evidence(new_context, giulia, marco, python_skill, screenshot):
    asker = new_context(giulia).new_page()
    asker.goto("/questions/")
    asker.click("#ask-question")
    asker.fill("#id_title", "How do I profile a slow Django view?")
    asker.fill("#id_body", "The dashboard takes two seconds to load on SQLite.")
    tags = asker.get_by_role("combobox", name="Skills")
    tags.fill("pyth")
    asker.get_by_role("option", name="Python").click()
    asker.click("#ask-form button[type=submit]")
    asker.wait_for_url(re.compile(r"/questions/\d+/$"))
    question = Question.objects.get()
    assert asker.locator("h1").inner_text() == question.title
    screenshot(asker, "1-asked")

    answerer = new_context(marco).new_page()
    answerer.goto(f"/questions/{question.pk}/")
    # Marco cannot accept, and his own answer's vote buttons are disabled.
    answerer.fill("#answer-form textarea", "Turn on the query log: it is almost always N+1.")
    answerer.click("#answer-form button[type=submit]")
    answerer.wait_for_url(re.compile(r"#answer-\d+$"))
    assert answerer.locator(".accept-answer").count() == 0
    assert answerer.locator(".answer .vote-up").first.is_disabled()
    screenshot(answerer, "2-answered")

    asker.reload()
    answer = asker.locator(".answer").first
    answer.locator(".vote-up").click()
    asker.locator(".accept-answer").click()
    accepted = asker.locator(".answer.accepted")
    accepted.wait_for()
    assert "Accepted answer" in accepted.inner_text()
    assert accepted.locator("[data-score]").inner_text() == "1"
    screenshot(asker, "3-accepted")

    assert SkillEvidence.objects.filter(member=marco, skill=python_skill).exists()
    answerer.goto(f"/members/{marco.pk}/")
    evidence = answerer.locator(".skill-row", has_text="Python").locator(".skill-proof")
    assert evidence.locator("summary").inner_text() == "Evidence: 1 accepted answer"
    evidence.locator("summary").click()
    assert evidence.get_by_role("link", name=question.title).is_visible()
    screenshot(answerer, "4-profile-evidence")

    # The notification reached Marco's page.
    answerer.goto("/notifications/")
    assert "accepted your answer" in answerer.content()


@pytest.mark.browser
def test_question_pages_in_italian(new_context, giulia, screenshot):
    page = new_context(giulia, locale="it-IT").new_page()
    page.goto("/questions/")
    assert page.locator("#ask-question").inner_text() == "Fai una domanda"
    page.click("#ask-question")
    page.click("#ask-form button[type=submit]")
    assert "Questo campo è obbligatorio" in page.content()
    assert not Question.objects.exists()
    screenshot(page, "ask-errors-it")
