"""In Chromium: searching from the top bar, in Italian, finds stemmed matches, highlighted."""

from __future__ import annotations

import pytest

from officina.knowledge.actions import check_ask_question
from officina.search.actions import do_rebuild_index
from officina.social.actions import check_create_post, do_update_profile


@pytest.mark.browser
def test_search_from_the_top_bar(new_context, giulia, marco, navigli, screenshot):
    do_update_profile(marco, headline="Progettista di interni", bio="", links=[])
    check_ask_question(
        giulia, title="Chi segue la progettazione della nuova sala?", body="Urgente."
    )
    check_create_post(giulia, "Nuovi progetti al Navigli", visibility="space", space=navigli)
    do_rebuild_index()
    page = new_context(marco, locale="it-IT").new_page()
    page.goto("/questions/")
    page.fill("form.search input[name=q]", "progetti")
    page.press("form.search input[name=q]", "Enter")
    page.wait_for_url("**/search/?q=progetti")
    for kind in ("member", "post", "question"):
        assert page.locator(f"#results-{kind} .hit").count() == 1
    assert page.locator("#results-question mark").inner_text() == "progettazione"
    assert page.locator("#results-post h2").inner_text() == "Post"
    screenshot(page, "results-it")
