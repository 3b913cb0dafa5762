"""The browser phone reaches the PBX's own desk: Chromium (JsSIP over /sip/ws, WebRTC)
calls a voicemail, a menu and a conference room, which the PBX answers itself with
aiortc (ICE, DTLS-SRTP, Opus).

Chromium's microphone is a WAV file (``--use-file-for-fake-audio-capture``): a
sentence spoken by espeak-ng between silences. Chromium plays the file in a loop,
so what follows the sentence is long enough for the call to end before it comes
round again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from officina.conftest import CHROMIUM
from officina.pbx.actions import do_provision_extension
from officina.pbx.tests.livepbx import LiveOfficina, live_officina, port_base
from officina.pbx.tests.test_softphone_browser import (
    MEDIA_ARGS,
    TIMEOUT_MS,
    audio_bytes,
    signed_in_context,
    wait_for_more_audio,
)
from officina.voicemail.models import VoicemailMessage
from officina.voicemail.sound import read_telephone_wav
from officina.voicemail.tests.test_browser import until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in ("sox", "espeak-ng")),
        reason="sox and espeak-ng are needed",
    ),
]

SENTENCE = "Hello Marco, this is Giulia. The meeting room is booked for three o'clock tomorrow."
FRAME = 160


def speech_span(samples: np.ndarray) -> float:
    """Seconds from the first to the last 20 ms frame loud enough to be speech."""
    frames = samples[: len(samples) // FRAME * FRAME].reshape(-1, FRAME).astype(np.float64)
    loud = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) >= 300)
    return float((loud[-1] - loud[0] + 1) * FRAME / 8000)


def spoken_sentence(folder: Path, before: float, after: float) -> tuple[Path, np.ndarray]:
    """A microphone file (48 kHz, as Chromium captures) with the sentence between
    ``before`` and ``after`` seconds of silence, and the sentence alone at 8 kHz."""
    spoken = folder / "spoken.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-w", str(spoken), SENTENCE], check=True)
    microphone = folder / "microphone.wav"
    subprocess.run(
        ["sox", str(spoken), "-r", "48000", "-c", "1", "-b", "16", str(microphone),
         "pad", str(before), str(after)],
        check=True,
    )  # fmt: skip
    sentence = read_telephone_wav(
        subprocess.run(
            ["sox", str(spoken), "-r", "8000", "-c", "1", "-b", "16", "-t", "wav", "-"],
            check=True, capture_output=True,
        ).stdout
    )  # fmt: skip
    return microphone, sentence


@pytest.fixture
def officina() -> Iterator[LiveOfficina]:
    with live_officina(web_port=port_base() + 86, sip_port=port_base() + 85) as live:
        media = live.running.media
        for _ in range(300):  # the prompts and greetings, read in a worker thread
            if len(media.sounds) >= 2:
                break
            time.sleep(0.1)
        yield live


@pytest.fixture
def chromium_saying(tmp_path: Path) -> Iterator[Any]:
    """``chromium_saying(before)``: Chromium whose microphone says the sentence ``before``
    seconds into the call, then stays silent for 20 s; and the sentence at 8 kHz."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    launched: list[Any] = []
    try:
        with sync_playwright() as playwright:

            def launch(before: float) -> tuple[Any, np.ndarray]:
                microphone, sentence = spoken_sentence(tmp_path, before=before, after=20)
                chromium = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=[*MEDIA_ARGS, f"--use-file-for-fake-audio-capture={microphone}"],
                )
                launched.append(chromium)
                return chromium, sentence

            try:
                yield launch
            finally:
                for chromium in launched:
                    chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def wait_for_message(page: Any, seconds: float = 45) -> VoicemailMessage:
    for _ in range(int(seconds * 10)):
        message = VoicemailMessage.objects.first()
        if message is not None:
            return message
        page.wait_for_timeout(100)
    raise AssertionError("no voicemail message was stored")


def assert_sounds_like_the_sentence(message: VoicemailMessage, sentence: np.ndarray) -> None:
    expected = speech_span(sentence) + 0.5  # the desk keeps 0.25 s either side of speech
    assert message.duration == pytest.approx(expected, rel=0.10), (message.duration, expected)
    audio = read_telephone_wav(message.audio.read())
    frames = audio[: len(audio) // FRAME * FRAME].reshape(-1, FRAME).astype(np.float64)
    levels = np.sqrt((frames**2).mean(axis=1))
    assert levels.mean() > 500, "loud enough to be a voice"
    # Speech rises and falls (syllables, pauses); a tone or noise would be steady.
    assert levels.std() / levels.mean() > 0.4
    assert 0.3 < (levels >= 300).mean() < 0.98


def open_phone(browser: Any, officina: LiveOfficina, member: Any) -> tuple[Any, Any]:
    from playwright.sync_api import expect

    context = signed_in_context(browser, officina, member, locale="en-US")
    phone = context.new_page()
    phone.goto("/phone/browser/")
    expect(phone.locator("#softphone-state")).to_have_attribute("data-state", "registered")
    return context, phone


def wait_until_known(officina: LiveOfficina, number: str, page: Any) -> None:
    """The PBX re-reads extensions every few seconds."""
    for _ in range(100):
        if officina.running.directory.entry(number) is not None:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the PBX does not know {number}")


def test_a_browser_leaves_a_voicemail_and_the_phone_page_plays_it(
    officina, chromium_saying, giulia, marco, screenshot
):
    from playwright.sync_api import expect

    browser, sentence = chromium_saying(before=9)  # after the greeting and the tone
    do_provision_extension(giulia)  # 201
    do_provision_extension(marco)  # 202, registered nowhere: his voicemail answers
    context, phone = open_phone(browser, officina, giulia)
    wait_until_known(officina, "202", phone)

    phone.fill("#dial-number", "202")
    phone.click("#call")
    expect(phone.locator("#call-state")).to_have_text("Connected")
    media = officina.running.media
    assert media.stats["browsers"] == 1
    (dialog,) = media.dialogs.values()
    session = dialog.call.session
    assert session.codec == "opus"  # what Chromium prefers, and so do we
    # The greeting reaches the browser.
    wait_for_more_audio(phone, 4000)
    message = wait_for_message(phone)  # the message ends 5 s after the sentence
    expect(phone.locator("#in-call")).to_be_hidden()  # the PBX hung up
    assert media.dialogs == {} and media.ports.in_use == set()
    assert session.counters.frames_received > 500
    # Only what the greeting played before ICE and DTLS were up (the queue's oldest).
    assert session.counters.send_dropped < 25
    assert message.caller_number == "201" and message.box.extension.number == "202"
    assert_sounds_like_the_sentence(message, sentence)
    context.close()

    # Marco plays it on his phone's voicemail page.
    marco_context = signed_in_context(browser, officina, marco, locale="en-US")
    page = marco_context.new_page()
    page.goto("/phone/voicemail/")
    item = page.locator("#voicemail-messages li").first
    expect(item).to_contain_text("201")
    page.evaluate("document.querySelector('#voicemail-messages audio').play()")
    assert until(page, "document.querySelector('#voicemail-messages audio').currentTime > 1")
    duration = page.evaluate("document.querySelector('#voicemail-messages audio').duration")
    assert duration == pytest.approx(message.duration, abs=0.05)
    screenshot(page, "voicemail-from-browser")
    marco_context.close()


def test_the_browser_listens_to_its_voicemail_and_hangs_up(officina, chromium_saying, giulia):
    """*97 from the browser: the listening call's prompts reach Chromium, and hanging up
    from the browser closes the leg and frees its port."""
    from playwright.sync_api import expect

    browser, _sentence = chromium_saying(before=9)
    do_provision_extension(giulia)
    context, phone = open_phone(browser, officina, giulia)
    phone.fill("#dial-number", "*97")
    phone.click("#call")
    expect(phone.locator("#call-state")).to_have_text("Connected")
    wait_for_more_audio(phone, 8000)
    received, sent = audio_bytes(phone)
    assert sent > 0
    phone.click("#hangup")
    media = officina.running.media
    for _ in range(50):
        if not media.dialogs:
            break
        phone.wait_for_timeout(100)
    assert media.dialogs == {} and media.ports.in_use == set()
    assert received > 8000
    context.close()


def test_a_browser_goes_through_a_menu_with_keys_to_a_voicemail(
    officina, chromium_saying, giulia, marco
):
    """Keys from the browser arrive as SIP INFO (the desk's answer has no telephone-event):
    5 opens the support menu, 3 there takes Marco's voicemail, on the same call."""
    from playwright.sync_api import expect

    from officina.accounts.models import Company
    from officina.attendant.actions import MenuInput, check_save_menu

    browser, sentence = chromium_saying(before=14)  # after the menus, greeting and tone
    do_provision_extension(giulia)  # 201
    do_provision_extension(marco)  # 202
    company = Company.objects.create(name="Front desk srl", slug="front-desk")
    check_save_menu(
        company,
        MenuInput(
            name="Support", number="510", language="en",
            greeting_text="Support. Press 3 to leave Marco a message.",
            options={"3": ("voicemail", "202")},
        ),
    )  # fmt: skip
    check_save_menu(
        company,
        MenuInput(
            name="Front desk", number="500", language="en",
            greeting_text="Welcome. Press 2 for Marco, or 5 for support.",
            options={"2": ("extension", "202"), "5": ("menu", "510")},
        ),
    )  # fmt: skip
    menus = officina.running.media.menus
    for _ in range(300):
        if len(menus.plans) == 2 and len(menus.sounds) == 2:
            break
        time.sleep(0.1)
    context, phone = open_phone(browser, officina, giulia)
    wait_until_known(officina, "202", phone)
    phone.fill("#dial-number", "500")
    phone.click("#call")
    expect(phone.locator("#call-state")).to_have_text("Connected")
    wait_for_more_audio(phone, 2000)  # the menu's greeting
    phone.click(".dialpad [data-key='5']")
    phone.wait_for_timeout(1500)
    phone.click(".dialpad [data-key='3']")
    message = wait_for_message(phone)
    assert message.caller_number == "201" and message.box.extension.number == "202"
    assert_sounds_like_the_sentence(message, sentence)
    context.close()
