"""In Chromium: complete a profile with an avatar, post to the feed, and a direct message
that the other member receives live in a second browser context."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from officina.social.models import Conversation, Message, Post, Profile


def _photo(tmp_path: Path) -> Path:
    image = Image.new("RGB", (900, 600), (30, 110, 80))
    for x in range(300, 600):
        for y in range(150, 450):
            image.putpixel((x, y), (240, 200, 60))
    path = tmp_path / "ritratto.jpg"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.browser
def test_complete_profile_with_avatar(new_context, giulia, tmp_path, screenshot):
    page = new_context(giulia).new_page()
    page.goto("/profile/edit/")
    page.fill("#id_headline", "Architetta e designer di interni")
    page.fill("#id_bio", "Progetto spazi di lavoro condivisi a Milano.")
    page.fill("#id_links", "https://studiorossi.example\nhttps://github.com/giulia")
    # A bad upload first: clear error, nothing saved.
    garbage = tmp_path / "finta.png"
    garbage.write_bytes(b"not really a picture" * 50)
    page.set_input_files("#id_avatar", str(garbage))
    page.click("#profile-form button[type=submit]")
    page.locator("text=not an image we can read").wait_for()
    screenshot(page, "1-bad-upload")
    assert not Profile.objects.filter(member=giulia, headline__startswith="Architetta").exists()

    page.set_input_files("#id_avatar", str(_photo(tmp_path)))
    page.click("#profile-form button[type=submit]")
    page.wait_for_url(re.compile(rf"/members/{giulia.pk}/$"))
    assert (
        page.locator(".profile-head .headline").inner_text() == "Architetta e designer di interni"
    )
    avatar = page.locator(".profile-head img.avatar")
    # The page is there before its picture: wait until the browser has decoded it.
    page.wait_for_function(
        "() => { const img = document.querySelector('.profile-head img.avatar');"
        " return img !== null && img.complete && img.naturalWidth > 0; }"
    )
    assert avatar.evaluate("img => img.naturalWidth") == 512
    assert page.locator("a[href='https://github.com/giulia']").count() == 1
    screenshot(page, "2-profile")


@pytest.mark.browser
def test_post_to_the_feed_and_see_it(new_context, giulia, marco, screenshot):
    page = new_context(marco).new_page()
    page.goto(f"/members/{giulia.pk}/")
    page.click("#follow-button")
    page.locator("#follow-button", has_text="Following").wait_for()

    author = new_context(giulia).new_page()
    author.goto("/feed/")
    author.fill("#id_body", "Venerdì pranzo condiviso in terrazza: chi porta il dolce?")
    author.select_option("#id_audience", label="Only members of Officina Navigli")
    author.click("#post-form button[type=submit]")
    author.locator(".post", has_text="chi porta il dolce?").wait_for()
    assert Post.objects.get().visibility == "space"
    screenshot(author, "1-posted")

    page.goto("/feed/")
    post = page.locator(".post", has_text="chi porta il dolce?")
    post.wait_for()
    post.locator("button.reaction", has_text="Celebrate").click()
    page.locator(".post button.reaction.mine", has_text="Celebrate").wait_for()
    screenshot(page, "2-follower-feed")


@pytest.mark.browser
def test_direct_message_arrives_live(new_context, giulia, marco, screenshot):
    sender = new_context(giulia).new_page()
    sender.goto(f"/members/{marco.pk}/")
    sender.click("#message-button")
    sender.wait_for_url(re.compile(r"/messages/\d+/$"))
    conversation = Conversation.objects.get()

    receiver = new_context(marco, locale="it-IT").new_page()
    receiver.goto(f"/messages/{conversation.pk}/")
    # Attribute assertions, not wait_for_function: that evaluates a string, which the
    # Content-Security-Policy (no 'unsafe-eval') refuses in the page.
    expect(receiver.locator("body")).to_have_attribute("data-messages-live", "on")
    expect(sender.locator("body")).to_have_attribute("data-messages-live", "on")

    sender.fill("#message-form textarea", "Ciao Marco, hai un minuto per il preventivo?")
    sender.keyboard.press("Enter")
    arrived = receiver.locator(".chat-message", has_text="hai un minuto per il preventivo?")
    arrived.wait_for(timeout=5000)
    # The sender sees it too, once, without a reload.
    sender.locator(".chat-message.mine", has_text="hai un minuto").wait_for()
    assert sender.locator(".chat-message").count() == 1
    # Marco's notification badge went up live as well.
    receiver.locator("#notifications-badge", has_text="1").wait_for(timeout=5000)
    assert Message.objects.get().sender == giulia
    screenshot(sender, "1-sender")
    screenshot(receiver, "2-receiver")

    receiver.fill("#message-form textarea", "Certo, arrivo!")
    receiver.click("#message-form button[type=submit]")
    sender.locator(".chat-message", has_text="Certo, arrivo!").wait_for(timeout=5000)

    # One formatter: a time pushed live reads as it does once the page is reloaded, in
    # the page's language (Italian on the 24-hour clock) and the site's time zone.
    def shown_time(page: Any, text: str) -> str:
        return str(page.locator(".chat-message", has_text=text).locator("time").inner_text())

    live_it = shown_time(receiver, "hai un minuto")
    live_en = shown_time(sender, "Certo, arrivo!")
    receiver.reload()
    sender.reload()
    assert shown_time(receiver, "hai un minuto") == live_it
    assert shown_time(sender, "Certo, arrivo!") == live_en
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", live_it), live_it
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{1,2}(:\d{2})? [ap]\.m\.", live_en), live_en
