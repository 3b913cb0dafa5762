"""The browser phone reaches the PBX's own desk: Chromium (JsSIP over /sip/ws, WebRTC)
calls a voicemail, a menu and a conference room, which the PBX answers itself with
aiortc (ICE, DTLS-SRTP, Opus).

Chromium's microphone is a WAV file (``--use-file-for-fake-audio-capture``): a
sentence spoken by espeak-ng between silences. Chromium plays the file in a loop,
so what follows the sentence is long enough for the call to end before it comes
round again.
"""

from __future__ import annotations

import asyncio
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
from officina.pbx.tests.test_baresip import MODULES
from officina.pbx.tests.test_softphone_browser import (
    MEDIA_ARGS,
    TIMEOUT_MS,
    audio_bytes,
    signed_in_context,
    wait_for_more_audio,
)
from officina.voicemail.models import VoicemailMessage
from officina.voicemail.sound import read_telephone_wav
from officina.voicemail.tests.test_baresip_voicemail import stored_message
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


def spoken_sentence(
    folder: Path, before: float, after: float, band: tuple[int, int] | None = None
) -> tuple[Path, np.ndarray]:
    """A microphone file (48 kHz, as Chromium captures) with the sentence between
    ``before`` and ``after`` seconds of silence (only its ``band`` of frequencies, if
    given), and the sentence alone at 8 kHz."""
    spoken = folder / "spoken.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-w", str(spoken), SENTENCE], check=True)
    microphone = folder / "microphone.wav"
    filtered = ["sinc", f"{band[0]}-{band[1]}", "norm", "-3"] if band else []
    subprocess.run(
        ["sox", str(spoken), "-r", "48000", "-c", "1", "-b", "16", str(microphone),
         *filtered, "pad", str(before), str(after)],
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
    seconds into the call, then stays silent for ``after`` (20) s; and the sentence at
    8 kHz."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    launched: list[Any] = []
    try:
        with sync_playwright() as playwright:

            def launch(
                before: float, after: float = 20, band: tuple[int, int] | None = None
            ) -> tuple[Any, np.ndarray]:
                microphone, sentence = spoken_sentence(tmp_path, before, after, band)
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


def open_phone(
    browser: Any, officina: LiveOfficina, member: Any, locale: str = "en-US"
) -> tuple[Any, Any]:
    from playwright.sync_api import expect

    context = signed_in_context(browser, officina, member, locale=locale)
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


@pytest.mark.timing  # frames dropped for sending counted
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


def test_the_browser_listens_to_its_voicemail_and_hangs_up(
    officina, chromium_saying, giulia, monkeypatch
):
    """*97 from the browser: the listening call's prompts reach Chromium, before and after
    hold and resume, and hanging up from the browser closes the leg and frees its port.
    The desk answers re-INVITEs late, as on a busy node: a resume pressed at once after
    the hold waits for the hold's answer rather than being lost."""
    from playwright.sync_api import expect

    from officina.pbx.media.webrtc import WebRtcSession

    answer_now = WebRtcSession.renegotiate

    async def answer_late(session: WebRtcSession, offer: bytes) -> str:
        await asyncio.sleep(1.5)
        return await answer_now(session, offer)

    monkeypatch.setattr(WebRtcSession, "renegotiate", answer_late)
    browser, _sentence = chromium_saying(before=9)
    extension = do_provision_extension(giulia)
    # A minute-long message keeps the call talking through the hold and resume however
    # slowly they go: an empty box says goodbye within seconds and hangs up.
    stored_message(extension.number, 60.0)
    context, phone = open_phone(browser, officina, giulia)
    phone.fill("#dial-number", "*97")
    phone.click("#call")
    expect(phone.locator("#call-state")).to_have_text("Connected")
    wait_for_more_audio(phone, 8000)
    received, sent = audio_bytes(phone)
    assert sent > 0 and received > 8000
    # Hold and resume: re-INVITEs that aiortc answers on the same transports.
    phone.click("#hold")
    expect(phone.locator("#hold")).to_have_text("Resume")
    expect(phone.locator("#hold")).to_be_disabled()  # until the hold's answer
    phone.click("#hold")
    expect(phone.locator("#hold")).to_have_text("Hold")
    expect(phone.locator("#hold")).to_be_enabled()
    expect(phone.locator("#softphone-error")).to_be_hidden()
    received, _sent = audio_bytes(phone)
    wait_for_more_audio(phone, received + 4000)  # the prompts again after the resume
    assert officina.running.media.stats["refused_sdp"] == 0
    phone.click("#hangup")
    media = officina.running.media
    for _ in range(50):
        if not media.dialogs:
            break
        phone.wait_for_timeout(100)
    assert media.dialogs == {} and media.ports.in_use == set()
    context.close()


def test_a_browser_goes_through_a_menu_with_keys_to_a_voicemail(
    officina, chromium_saying, giulia, marco
):
    """Keys from the browser arrive as SIP INFO (the desk's answer has no telephone-event):
    5 opens the support menu, 3 there takes Marco's voicemail, on the same call."""
    from playwright.sync_api import expect

    from officina.accounts.models import Company, CompanyMembership
    from officina.attendant.actions import MenuInput, check_save_menu

    browser, sentence = chromium_saying(before=14)  # after the menus, greeting and tone
    do_provision_extension(giulia)  # 201
    do_provision_extension(marco)  # 202
    company = Company.objects.create(name="Front desk srl", slug="front-desk")
    CompanyMembership.objects.create(member=marco, company=company)
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


BARESIPS = {
    # name: (number, offset of its ports from this worker's base, band of its sentence)
    "alice": ("201", 10, (1200, 2000)),
    "bob": ("202", 30, (2400, 3400)),
}
BROWSER_BAND = (150, 450)
BARESIP_PASSWORDS = {"201": "alice-room-pw", "202": "bob-room-pw"}


def band_power(samples: np.ndarray, band: tuple[int, int]) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64))) ** 2
    frequencies = np.fft.rfftfreq(samples.size, 1 / 8000)
    inside = (frequencies >= band[0]) & (frequencies <= band[1])
    return float(spectrum[inside].sum() / samples.size)


def baresip_home(tmp_path: Path, name: str, officina: LiveOfficina) -> Path:
    """A baresip saying its own sentence in its own band, looped (``aufile``)."""
    number, offset, band = BARESIPS[name]
    spoken, source = tmp_path / f"{name}-spoken.wav", tmp_path / f"{name}.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-w", str(spoken), f"{name} speaking"], check=True)
    subprocess.run(
        ["sox", str(spoken), "-r", "8000", "-c", "1", "-b", "16", str(source),
         "sinc", f"{band[0]}-{band[1]}", "norm", "-3", "pad", "0.3", "0.3", "repeat", "40"],
        check=True,
    )  # fmt: skip
    home = tmp_path / name
    home.mkdir()
    (home / "received").mkdir()
    base, host = port_base() + offset, "127.0.0.1"
    (home / "config").write_text(
        "\n".join(
            [
                "poll_method epoll",
                f"sip_listen {host}:{base}",
                "sip_trans_def udp",
                f"net_interface {host}",
                f"rtp_ports {base + 10}-{base + 19}",
                f"audio_player aubridge,nowhere{number}",
                f"audio_alert aubridge,alert{number}",
                f"audio_source aufile,{source}",
                f"module_path {MODULES}",
                "module g711.so",
                "module aufile.so",
                "module aubridge.so",
                "module sndfile.so",
                f"snd_path {home / 'received'}",
                "module_tmp uuid.so",
                "module_app account.so",
                "module_app menu.so",
                "module_app ctrl_tcp.so",
                f"ctrl_tcp_listen {host}:{base + 2}",
                "",
            ]
        )
    )
    (home / "accounts").write_text(
        f"<sip:{number}@{host}:{officina.sip_port}>;auth_pass={BARESIP_PASSWORDS[number]};"
        "regint=300;answermode=auto\n"
    )
    return home


def decoded_by(home: Path) -> np.ndarray:
    import wave

    (path,) = (home / "received").glob("*-dec.wav")
    with wave.open(str(path)) as audio:
        return np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")


def received_energy(page: Any) -> tuple[float, float]:
    """(totalAudioEnergy, totalSamplesDuration) of what the browser received."""
    stats = page.evaluate(
        """() => officinaPhone.session.connection.getStats().then((report) => {
             let energy = 0, seconds = 0;
             report.forEach((entry) => {
               if (entry.type === "inbound-rtp" && entry.kind === "audio") {
                 energy += entry.totalAudioEnergy || 0;
                 seconds += entry.totalSamplesDuration || 0;
               }
             });
             return [energy, seconds];
           })"""
    )
    return float(stats[0]), float(stats[1])


@pytest.mark.skipif(shutil.which("baresip") is None, reason="baresip is needed")
def test_a_browser_and_two_baresips_in_a_room_each_hear_the_others(
    officina, chromium_saying, tmp_path
):
    """Each says a sentence in a band of its own: a baresip must hear the browser's band
    and the other baresip's, loud above its own; the browser receives audio with the
    energy of speech (getStats)."""
    from playwright.sync_api import expect

    from officina.accounts.models import Company, Member
    from officina.conferences.actions import RoomInput, check_save_room
    from officina.conferences.models import Participant
    from officina.pbx.tests.livepbx import make_extensions
    from officina.pbx.tests.test_baresip import command, wait_for

    browser, _sentence = chromium_saying(before=0.3, after=0.3, band=BROWSER_BAND)
    make_extensions(BARESIP_PASSWORDS)  # 201, 202
    member = Member.objects.create_user(
        email="giulia@example.it", password="pw", first_name="Giulia", last_name="Rossi"
    )
    do_provision_extension(member)  # 203
    company = Company.objects.create(name="Sala riunioni srl", slug="sala")
    check_save_room(company, RoomInput(name="Weekly", number="801", language="en"))
    conferences = officina.running.media.conferences
    assert wait_for(lambda: "801" in conferences.plans and bool(conferences.prompts), 30)

    homes = {name: baresip_home(tmp_path, name, officina) for name in BARESIPS}
    phones = [
        subprocess.Popen(
            ["baresip", "-f", str(home), "-t", "90"],
            stdout=(tmp_path / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        for name, home in homes.items()
    ]
    try:
        assert wait_for(lambda: len(officina.running.directory.bindings) >= 2, 20), "register"
        context, phone = open_phone(browser, officina, member)
        phone.fill("#dial-number", "801")
        phone.click("#call")
        expect(phone.locator("#call-state")).to_have_text("Connected")
        assert wait_for(lambda: Participant.objects.count() == 1, 15), "the browser joins"
        for joined, name in enumerate(BARESIPS, start=2):
            command(
                port_base() + BARESIPS[name][1] + 2,
                "dial",
                f"sip:801@127.0.0.1:{officina.sip_port}",
            )
            assert wait_for(lambda: Participant.objects.count() == joined, 15), (  # noqa: B023
                tmp_path / f"{name}.log"
            ).read_text(errors="replace")[-1500:]
        energy, seconds = received_energy(phone)
        time.sleep(8)  # everyone talks
        later_energy, later_seconds = received_energy(phone)
        # Mean power of what the browser heard over those seconds (full scale is 1).
        power = (later_energy - energy) / (later_seconds - seconds)
        assert power > 1e-4, power
        received, _sent = audio_bytes(phone)
        assert received > 20_000
    finally:
        for process in phones:
            process.terminate()
        for process in phones:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
    phone.click("#hangup")
    assert wait_for(lambda: not Participant.objects.exists(), 15), "the leaves are recorded"
    media = officina.running.media
    assert wait_for(lambda: media.dialogs == {} and media.ports.in_use == set(), 10)
    context.close()
    bands = {"browser": BROWSER_BAND, **{name: spec[2] for name, spec in BARESIPS.items()}}
    for name, home in homes.items():
        heard = decoded_by(home)[-8 * 8000 : -int(2.5 * 8000)]
        own = band_power(heard, bands[name])
        for other in bands:
            if other != name:
                assert band_power(heard, bands[other]) > 20 * own, (name, other, own)
