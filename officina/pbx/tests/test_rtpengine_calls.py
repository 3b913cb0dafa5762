"""Calls whose media pass through rtpengine, with real peers: the browser phone in
Chromium (JsSIP, DTLS-SRTP) and a baresip phone (plain RTP) call each other through
the PBX and rtpengine, and hear each other; with rtpengine silent, the call fails
clearly and nothing is left behind."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.models import CallRecord, Registration
from officina.pbx.tests.livepbx import (
    HOST,
    LiveOfficina,
    live_officina,
    port_base,
    running_rtpengine,
)
from officina.pbx.tests.test_baresip import MODULES, command, loudness, wait_for
from officina.pbx.tests.test_softphone_browser import (
    audio_bytes,
    media_browser,  # noqa: F401 (a fixture)
    signed_in_context,
    wait_for_more_audio,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("rtpengine", "baresip", "sox")),
        reason="rtpengine, baresip and sox are needed",
    ),
]

BARESIP_PASSWORD = "marco-desk-pw"
WEB_PORT, SIP_PORT = port_base() + 76, port_base() + 75
PHONE_SIP, PHONE_CTRL, PHONE_RTP = port_base() + 60, port_base() + 62, port_base() + 64


@pytest.fixture
def rtpengine_url(tmp_path: Path) -> Iterator[str]:
    log = tmp_path / "rtpengine.log"
    with running_rtpengine(port_base() + 80, port_base() + 82, port_base() + 99, log) as url:
        yield url


def write_tone(path: Path, seconds: int) -> None:
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path),
         "synth", str(seconds), "sine", "440", "vol", "0.5"],
        check=True,
    )  # fmt: skip


@contextmanager
def baresip_phone(home: Path, number: str, password: str) -> Iterator[Path]:
    """A baresip registered as ``number`` (answering by itself, sending a 440 Hz tone,
    keeping what it decodes in ``home/received``); yields its log."""
    home.mkdir()
    (home / "received").mkdir()
    write_tone(home / "tone.wav", 60)
    (home / "config").write_text(
        "\n".join(
            [
                "poll_method epoll",
                f"sip_listen {HOST}:{PHONE_SIP}",
                "sip_trans_def udp",
                f"net_interface {HOST}",
                f"rtp_ports {PHONE_RTP}-{PHONE_RTP + 9}",
                "audio_player aubridge,nowhere",
                "audio_alert aubridge,alert",
                f"audio_source aufile,{home / 'tone.wav'}",
                f"module_path {MODULES}",
                "module g711.so",
                "module aufile.so",
                "module aubridge.so",
                "module sndfile.so",
                f"snd_path {home / 'received'}",
                "module_app account.so",
                "module_app menu.so",
                "module_app ctrl_tcp.so",
                f"ctrl_tcp_listen {HOST}:{PHONE_CTRL}",
                "",
            ]
        )
    )
    (home / "accounts").write_text(
        f"<sip:{number}@{HOST}:{SIP_PORT}>;auth_pass={password};regint=300;answermode=auto\n"
    )
    log_path = home / "baresip.log"
    with log_path.open("w") as log:
        phone = subprocess.Popen(
            ["baresip", "-f", str(home), "-t", "120"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            assert wait_for(lambda: Registration.objects.filter(user_agent__contains="baresip")
                            .exists()), "the baresip registers"  # fmt: skip
            yield log_path
        finally:
            phone.terminate()
            phone.wait(10)


def decoded_calls(home: Path) -> list[Path]:
    return sorted((home / "received").glob("*-dec.wav"), key=lambda path: path.stat().st_mtime)


def open_phone(media_browser: Any, officina: LiveOfficina, member: Any) -> tuple[Any, Any]:  # noqa: F811
    from playwright.sync_api import expect

    context = signed_in_context(media_browser, officina, member, locale="en-US")
    page = context.new_page()
    page.goto("/phone/browser/")
    expect(page.locator("#softphone-state")).to_have_attribute("data-state", "registered")
    return context, page


def test_a_browser_and_a_baresip_phone_call_each_other_through_rtpengine(
    rtpengine_url,
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    from playwright.sync_api import expect

    settings.RTPENGINE_URL = rtpengine_url
    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), BARESIP_PASSWORD)  # 202, the desk
    home = tmp_path / "marco"
    with (
        live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina,
        baresip_phone(home, "202", BARESIP_PASSWORD) as log,
    ):
        anchor = officina.running.anchor
        assert anchor is not None
        context, phone = open_phone(media_browser, officina, giulia)

        # The browser calls the desk phone, which answers by itself.
        phone.fill("#dial-number", "202")
        phone.click("#call")
        expect(phone.locator("#call-state")).to_have_text("Connected")
        wait_for_more_audio(phone, 8000)  # a second of PCMU and more, from the phone
        phone.wait_for_timeout(2000)  # and the phone hears the browser meanwhile
        assert audio_bytes(phone)[1] > 0
        assert list(anchor.calls) != []  # the answered call is anchored
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert wait_for(lambda: not anchor.calls, 5), "the BYE ended the media"

        # The desk phone calls the browser back; the browser answers.
        command(PHONE_CTRL, "dial", f"sip:201@{HOST}:{SIP_PORT}")
        expect(phone.locator("#incoming")).to_be_visible()
        phone.click("#answer")
        expect(phone.locator("#call-state")).to_have_text("Connected")
        wait_for_more_audio(phone, 8000)
        phone.wait_for_timeout(2000)

        # Hold and resume from the browser: re-INVITEs through rtpengine, in its direction.
        phone.click("#hold")
        expect(phone.locator("#hold")).to_have_text("Resume")
        phone.click("#hold")
        expect(phone.locator("#hold")).to_have_text("Hold")
        received, _sent = audio_bytes(phone)
        wait_for_more_audio(phone, received + 4000)  # audio is back after the resume
        command(PHONE_CTRL, "hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert wait_for(lambda: not anchor.calls, 5), "the BYE ended the media"
        context.close()

    # What the desk phone decoded in each call is the browser's fake microphone (beeps).
    calls = decoded_calls(home)
    assert len(calls) == 2, log.read_text(errors="replace")[-2000:]
    for decoded in calls:
        assert loudness(decoded) > 300, f"the phone heard the browser in {decoded.name}"
    answered = CallRecord.objects.filter(outcome=CallRecord.Outcome.ANSWERED)
    assert {(row.caller_number, row.callee_number) for row in answered} == {
        ("201", "202"),
        ("202", "201"),
    }


def test_a_silent_rtpengine_fails_the_call_with_503_and_leaves_nothing(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind((HOST, 0))  # bound, never answering
    settings.RTPENGINE_URL = f"udp://{HOST}:{silent.getsockname()[1]}"
    do_provision_extension(giulia)
    do_set_sip_password(do_provision_extension(marco), BARESIP_PASSWORD)
    home = tmp_path / "marco"
    try:
        with (
            live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina,
            baresip_phone(home, "202", BARESIP_PASSWORD) as log,
        ):
            context, _phone = open_phone(media_browser, officina, giulia)
            command(PHONE_CTRL, "dial", f"sip:201@{HOST}:{SIP_PORT}")
            assert wait_for(lambda: CallRecord.objects.filter(final_status=503).exists(), 10), (
                "the call failed"
            )
            # The phone's INVITE transaction takes the answer (and ACKs it: no resending).
            assert wait_for(lambda: "503 Service Unavailable" in log.read_text(errors="replace"))
            time.sleep(2.0)  # the delete's retries too
            proxy = officina.running.server.proxy
            anchor = officina.running.anchor
            assert anchor is not None
            assert proxy.contexts == {} and anchor.calls == {} and not anchor._queues
            assert not anchor._endings
            context.close()
    finally:
        silent.close()
    assert "unhandeled response" not in log.read_text(errors="replace")  # sic, baresip's
    record = CallRecord.objects.get()
    assert record.outcome == CallRecord.Outcome.FAILED
    assert (record.caller_number, record.callee_number) == ("202", "201")
