"""Calls whose media pass through rtpengine, with real peers: the browser phone in
Chromium (JsSIP, DTLS-SRTP) and a baresip phone (plain RTP) call each other through
the PBX and rtpengine, and hear each other; with rtpengine silent, the call fails
clearly and nothing is left behind."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from officina.api.actions import do_create_api_token
from officina.conftest import CHROMIUM
from officina.pbx.actions import (
    check_upload_hold_music,
    do_provision_extension,
    do_set_sip_password,
)
from officina.pbx.media.g711 import encode
from officina.pbx.models import CallRecord, Registration
from officina.pbx.rtpengine import Leg, RtpEngine
from officina.pbx.tests.livepbx import (
    HOST,
    LiveOfficina,
    live_officina,
    port_base,
    running_rtpengine,
)
from officina.pbx.tests.rtp_pcap import rtp_packets, write_pcap
from officina.pbx.tests.test_baresip import MODULES, command, loudness, wait_for
from officina.pbx.tests.test_click_to_call import api, follow
from officina.pbx.tests.test_softphone_browser import (
    MEDIA_ARGS,
    audio_bytes,
    media_browser,  # noqa: F401 (a fixture)
    signed_in_context,
    wait_for_more_audio,
)
from officina.sip.rtp import PCMU

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
# (SIP, ctrl_tcp, first RTP port) of a second phone, below the first's ports.
SIPP = Path(__file__).parent / "sipp"
SECOND_PHONE = (port_base() + 40, port_base() + 42, port_base() + 44)


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
def baresip_phone(
    home: Path,
    number: str,
    password: str,
    ports: tuple[int, int, int] = (PHONE_SIP, PHONE_CTRL, PHONE_RTP),
    host: str = HOST,
    *,
    registers: bool = True,
) -> Iterator[Path]:
    """A baresip registered as ``number`` (answering by itself, sending a 440 Hz tone,
    keeping what it decodes in ``home/received``) on ``ports`` (SIP, ctrl_tcp, RTP) at
    ``host``; yields its log. Without ``registers`` it only answers the calls it gets (a
    provider's end of a peer trunk)."""
    sip_port, ctrl_port, rtp_port = ports
    home.mkdir()
    (home / "received").mkdir()
    write_tone(home / "tone.wav", 60)
    (home / "config").write_text(
        "\n".join(
            [
                "poll_method epoll",
                f"sip_listen {host}:{sip_port}",
                "sip_trans_def udp",
                f"net_interface {host}",
                f"rtp_ports {rtp_port}-{rtp_port + 9}",
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
                f"ctrl_tcp_listen {HOST}:{ctrl_port}",  # the test's own channel
                "",
            ]
        )
    )
    account = f"<sip:{number}@{HOST}:{SIP_PORT}>;auth_pass={password};regint=300"
    if not registers:
        account = f"<sip:{number}@{host}:{sip_port}>;regint=0"
    (home / "accounts").write_text(f"{account};answermode=auto\n")
    log_path = home / "baresip.log"
    with log_path.open("w") as log:
        phone = subprocess.Popen(
            ["baresip", "-f", str(home), "-t", "120"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            registered = Registration.objects.filter(contact_uri__contains=f":{sip_port}")
            if registers:
                assert wait_for(registered.exists), "the baresip registers"
            else:
                assert wait_for(lambda: listening(HOST, ctrl_port), 5), "the baresip starts"
            yield log_path
        finally:
            phone.terminate()
            phone.wait(10)


def listening(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
    except OSError:
        return False
    return True


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
    from django.core.files.uploadedfile import SimpleUploadedFile
    from playwright.sync_api import expect

    from officina.accounts.selectors import primary_company

    settings.RTPENGINE_URL = rtpengine_url
    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), BARESIP_PASSWORD)  # 202, the desk
    # Giulia's company has music of its own: what Marco hears when she holds.
    studio = primary_company(giulia)
    assert studio is not None
    write_tone(tmp_path / "theme.wav", 3)
    theme = SimpleUploadedFile("theme.wav", (tmp_path / "theme.wav").read_bytes())
    music_path = check_upload_hold_music(studio, theme).audio.path
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
        # The held phone gets the hold music: a stream of rtpengine's own (a new SSRC),
        # from the file of Giulia's company (rtpengine's log dumps each NG command).
        assert wait_for(lambda: bool(anchor.held), 5)
        assert wait_for(lambda: "SSRC changed" in log.read_text(errors="replace"), 5)
        engine_log = tmp_path / "rtpengine.log"
        assert wait_for(lambda: music_path in engine_log.read_text(errors="replace"), 5)
        # ... which rtpengine read: three seconds (the chime lasts four).
        assert '"duration": 3000' in engine_log.read_text(errors="replace")
        phone.click("#hold")
        expect(phone.locator("#hold")).to_have_text("Hold")
        received, _sent = audio_bytes(phone)
        wait_for_more_audio(phone, received + 4000)  # audio is back after the resume
        assert not anchor.held
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


def test_a_click_to_call_answered_in_the_browser_phone_talks_through_rtpengine(
    rtpengine_url,
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Giulia's only phone is the browser phone: the PBX rings it, takes its WebRTC offer
    (flow I of RFC 3725) and calls Marco's plain baresip with it, through rtpengine, which
    makes the offer plain for Marco and his answer WebRTC for the browser."""
    from playwright.sync_api import expect

    settings.RTPENGINE_URL = rtpengine_url
    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), BARESIP_PASSWORD)  # 202, the desk
    _key, token = do_create_api_token(giulia, "click-to-call")
    home = tmp_path / "marco"
    with (
        live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina,
        baresip_phone(home, "202", BARESIP_PASSWORD) as log,
    ):
        anchor = officina.running.anchor
        assert anchor is not None
        context, phone = open_phone(media_browser, officina, giulia)
        status, placed = api(officina, token, "/phone/calls", {"target": "202"})
        assert status == 201, placed
        expect(phone.locator("#incoming")).to_be_visible()
        phone.click("#answer")
        assert follow(officina, token, placed["ticket"], "connected", 15) == "connected"
        (answered,) = anchor.calls.values()
        assert (answered.caller_leg, answered.callee_leg) == (Leg.WEBRTC, Leg.PLAIN)
        wait_for_more_audio(phone, 8000)  # a second of PCMU and more, from the phone
        phone.wait_for_timeout(2000)  # and the phone hears the browser meanwhile
        # Hold and resume from the browser: passed on to Marco through rtpengine.
        phone.click("#hold")
        expect(phone.locator("#hold")).to_have_text("Resume")
        assert wait_for(lambda: bool(anchor.held), 5), "Marco hears hold music"
        phone.click("#hold")
        expect(phone.locator("#hold")).to_have_text("Hold")
        received, _sent = audio_bytes(phone)
        wait_for_more_audio(phone, received + 4000)  # audio is back after the resume
        assert not anchor.held
        phone.click("#hangup")
        assert follow(officina, token, placed["ticket"], "ended", 10) == "ended"
        assert wait_for(lambda: not anchor.calls, 5), "the BYE ended the media"
        context.close()

    (decoded,) = decoded_calls(home)
    assert loudness(decoded) > 300, log.read_text(errors="replace")[-2000:]
    record = CallRecord.objects.get()
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert (record.caller_number, record.callee_number) == ("201", "202")


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
            context.close()
    finally:
        silent.close()
    assert "unhandeled response" not in log.read_text(errors="replace")  # sic, baresip's
    record = CallRecord.objects.get()
    assert record.outcome == CallRecord.Outcome.FAILED
    assert (record.caller_number, record.callee_number) == ("202", "201")


def test_two_plain_phones_talk_through_rtpengine_when_anchoring_is_always(
    rtpengine_url, giulia, marco, settings, tmp_path
):
    """MEDIA_ANCHORING=always: each baresip is given rtpengine's address and port, not
    the other phone's, and rtpengine relays the audio both ways."""
    settings.RTPENGINE_URL = rtpengine_url
    settings.MEDIA_ANCHORING = "always"
    passwords = {"201": "giulia-desk-pw", "202": BARESIP_PASSWORD}
    for member, password in zip((giulia, marco), passwords.values(), strict=True):
        do_set_sip_password(do_provision_extension(member), password)
    giulia_home, marco_home = tmp_path / "giulia", tmp_path / "marco"
    with (
        live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina,
        baresip_phone(marco_home, "202", passwords["202"]),
        baresip_phone(giulia_home, "201", passwords["201"], SECOND_PHONE) as giulia_log,
    ):
        anchor = officina.running.anchor
        assert anchor is not None
        command(SECOND_PHONE[1], "dial", f"sip:202@{HOST}:{SIP_PORT}")
        assert wait_for(lambda: bool(anchor.calls)), "the answered call is anchored"
        (call_id,) = list(anchor.calls)
        time.sleep(3)  # let the tone flow
        streams = asyncio.run(_streams_of(rtpengine_url, call_id))
        command(SECOND_PHONE[1], "hangup")
        assert wait_for(lambda: not anchor.calls, 5), "the BYE ended the media"
    # rtpengine saw both phones at their own RTP ports (so each sent it media: its SDP
    # named rtpengine), and relayed packets from each of them.
    phone_ports = {range(PHONE_RTP, PHONE_RTP + 10), range(SECOND_PHONE[2], SECOND_PHONE[2] + 10)}
    seen = {port_range for port_range in phone_ports for port, _packets in streams
            if port in port_range}  # fmt: skip
    assert seen == phone_ports, streams
    assert all(packets > 50 for port, packets in streams if port % 2 == 0), streams
    for home in (giulia_home, marco_home):
        (decoded,) = decoded_calls(home)
        assert loudness(decoded) > 1000, f"{home.name} heard the other's tone"
    assert "Call established" in giulia_log.read_text(errors="replace")


def sipp_phone(tmp_path: Path, scenario: str, port: int, *args: str) -> subprocess.Popen[bytes]:
    """One call of SIPp's ``scenario`` on ``port``, its messages traced in ``tmp_path``."""
    return subprocess.Popen(
        ["sipp", "-sf", str(SIPP / scenario), "-i", HOST, "-p", str(port), "-m", "1",
         "-nostdin", "-trace_msg", "-trace_err", "-timeout", "40s", "-timeout_error", *args],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def injection_file(tmp_path: Path, *row: str) -> str:
    """A SIPp injection file of one row (its fields ``row``), named after its first."""
    path = tmp_path / f"rows-{row[0]}.csv"
    path.write_text("SEQUENTIAL\n" + ";".join(row) + "\n")
    return str(path)


def test_offers_in_answers_pass_through_rtpengine(rtpengine_url, giulia, marco, settings, tmp_path):
    """A SIPp phone calls a baresip with an INVITE without SDP (baresip offers in its
    200, SIPp answers in the ACK), then re-INVITEs without SDP (the same again). Every
    SDP each side gets names rtpengine, never the other phone, and rtpengine relays
    SIPp's tone to baresip throughout."""
    settings.RTPENGINE_URL = rtpengine_url
    settings.MEDIA_ANCHORING = "always"
    do_set_sip_password(do_provision_extension(giulia), "giulia-desk-pw")  # 201, SIPp
    do_set_sip_password(do_provision_extension(marco), BARESIP_PASSWORD)  # 202, baresip
    tone = np.sin(2 * np.pi * 440 * np.arange(8000 * 14) / 8000) * 8000
    frames = [tone[i : i + 160].astype(np.int16) for i in range(0, len(tone), 160)]
    write_pcap(tmp_path / "tone.pcap", rtp_packets([(PCMU, encode(f, PCMU)) for f in frames]))
    rows = injection_file(
        tmp_path, "201", "[authentication username=201 password=giulia-desk-pw]", "202"
    )
    sipp_port, sipp_media = port_base() + 20, port_base() + 30
    home = tmp_path / "marco"
    with (
        live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina,
        baresip_phone(home, "202", BARESIP_PASSWORD),
    ):
        anchor = officina.running.anchor
        assert anchor is not None
        caller = sipp_phone(
            tmp_path, "late_offers.xml", sipp_port, f"{HOST}:{SIP_PORT}",
            "-inf", rows, "-mp", str(sipp_media),
        )  # fmt: skip
        assert wait_for(lambda: bool(anchor.calls), 10), "the answered call is anchored"
        (call_id,) = list(anchor.calls)
        time.sleep(7)  # well after the re-INVITE (at 4 s), the tone still flowing
        streams = asyncio.run(_streams_of(rtpengine_url, call_id))
        assert caller.wait(30) == 0, caller.stderr.read() if caller.stderr else ""
        assert wait_for(lambda: not anchor.calls, 5), "the BYE ended the media"

    # rtpengine received from both phones: each was told to send to it (baresip by the
    # rewritten ACKs, SIPp by the rewritten 200s), and SIPp's tone kept coming.
    baresip_ports = range(PHONE_RTP, PHONE_RTP + 10)
    by_port = dict(streams)
    assert by_port.get(sipp_media, 0) > 280, streams  # 5.6 s and more
    assert any(packets > 50 for port, packets in streams if port in baresip_ports), streams
    (decoded,) = decoded_calls(home)
    assert loudness(decoded) > 1000, "baresip heard SIPp's tone"
    # Each offer SIPp received (the 200s to the INVITE and to the re-INVITE) named
    # rtpengine's port, not one of baresip's.
    (messages,) = tmp_path.glob("late_offers_*_messages.log")
    ports = [int(port) for port in re.findall(r"m=audio (\d+) RTP/AVP", messages.read_text())
             if int(port) != sipp_media]  # fmt: skip
    assert len(ports) >= 2, messages.read_text()[-3000:]
    assert not [port for port in ports if port in baresip_ports], ports
    record = CallRecord.objects.get()
    assert record.outcome == CallRecord.Outcome.ANSWERED


def test_a_hold_by_update_passes_through_rtpengine_and_plays_music(
    rtpengine_url, giulia, marco, settings, tmp_path
):
    """Two SIPp phones (one answering UPDATEs) in a call through rtpengine: the caller
    holds and resumes with UPDATEs. Each offer and answer reaches the other side
    rewritten to name rtpengine, and the held phone gets the hold music meanwhile."""
    settings.RTPENGINE_URL = rtpengine_url
    settings.MEDIA_ANCHORING = "always"
    passwords = {"201": "giulia-desk-pw", "202": "marco-desk-pw"}
    for member, password in zip((giulia, marco), passwords.values(), strict=True):
        do_set_sip_password(do_provision_extension(member), password)
    base = port_base()
    callee_port, callee_media = base + 20, base + 30
    caller_port, caller_media = base + 22, base + 34
    callee_rows = injection_file(
        tmp_path, "202", f"[authentication username=202 password={passwords['202']}]"
    )
    caller_rows = injection_file(
        tmp_path, "201", f"[authentication username=201 password={passwords['201']}]", "202"
    )

    with live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina:
        anchor = officina.running.anchor
        assert anchor is not None
        callee = sipp_phone(
            tmp_path,
            "uas_update.xml", callee_port, "-mp", str(callee_media),
            "-key", "rtp_host", HOST, "-key", "rtp_port", str(callee_media),
        )  # fmt: skip
        register = sipp_phone(
            tmp_path,
            "register.xml", base + 21, f"{HOST}:{SIP_PORT}",
            "-key", "contact_host", HOST, "-key", "contact_port", str(callee_port),
            "-key", "expires", "300",
            "-inf", callee_rows,
        )  # fmt: skip
        assert register.wait(30) == 0
        caller = sipp_phone(
            tmp_path,
            "update_hold.xml", caller_port, f"{HOST}:{SIP_PORT}", "-mp", str(caller_media),
            "-inf", caller_rows,
        )  # fmt: skip
        assert wait_for(lambda: bool(anchor.held), 10), "the UPDATE's hold is seen"
        assert caller.wait(30) == 0, caller.stderr.read() if caller.stderr else ""
        assert callee.wait(30) == 0, callee.stderr.read() if callee.stderr else ""
        assert not anchor.held, "the second UPDATE resumed"
        assert wait_for(lambda: not anchor.calls, 5), "the BYE ended the media"

    def ports_in(pattern: str) -> tuple[list[int], str]:
        (log,) = tmp_path.glob(pattern)
        text = log.read_text()
        return [int(port) for port in re.findall(r"m=audio (\d+) RTP/AVP", text)], text

    # The callee got the INVITE and both UPDATEs naming rtpengine, not the caller; the
    # caller got the three answers naming rtpengine, not the callee.
    heard_by_callee, callee_log = ports_in("uas_update_*_messages.log")
    heard_by_caller, caller_log = ports_in("update_hold_*_messages.log")
    assert callee_log.count("UPDATE sip:") == 2 and caller_log.count("UPDATE sip:") == 2
    offers = [port for port in heard_by_callee if port != callee_media]
    answers = [port for port in heard_by_caller if port != caller_media]
    assert len(offers) == 3 and caller_media not in offers, callee_log[-3000:]
    assert len(answers) == 3 and callee_media not in answers, caller_log[-3000:]
    engine_log = (tmp_path / "rtpengine.log").read_text(errors="replace")
    assert '"play media"' in engine_log or "play media" in engine_log


def test_a_browsers_hold_answered_491_is_sent_again_later_and_the_call_stays(
    rtpengine_url,
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Giulia's browser calls Marco's SIPp phone (through rtpengine: the re-INVITEs reach
    it) and holds; SIPp answers that re-INVITE 491 Request Pending, as when both ends
    offer at once, and the next one too. The browser keeps the call and sends the hold
    again each time, as a new request, after RFC 3261 §14.1's random wait (2.1 to 4 s:
    the browser chose the Call-ID); SIPp takes the third (recvonly): the call shows on
    hold, and Giulia hangs up as usual."""
    from playwright.sync_api import expect

    settings.RTPENGINE_URL = rtpengine_url
    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), BARESIP_PASSWORD)  # 202, SIPp
    base = port_base()
    callee_port, callee_media = base + 20, base + 30
    rows = injection_file(
        tmp_path, "202", f"[authentication username=202 password={BARESIP_PASSWORD}]"
    )
    with live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina:
        callee = sipp_phone(
            tmp_path, "uas_hold_crossed.xml", callee_port, "-mp", str(callee_media),
            "-key", "rtp_port", str(callee_media),
        )  # fmt: skip
        register = sipp_phone(
            tmp_path,
            "register.xml", base + 21, f"{HOST}:{SIP_PORT}",
            "-key", "contact_host", HOST, "-key", "contact_port", str(callee_port),
            "-key", "expires", "300", "-inf", rows,
        )  # fmt: skip
        assert register.wait(30) == 0
        context, phone = open_phone(media_browser, officina, giulia)
        phone.fill("#dial-number", "202")
        phone.click("#call")
        expect(phone.locator("#call-state")).to_have_text("Connected", timeout=15_000)
        phone.click("#hold")
        expect(phone.locator("#hold")).to_have_text("Resume")
        expect(phone.locator("#hold")).to_be_disabled()  # until the hold is answered
        phone.wait_for_timeout(3500)  # a 491 or two came meanwhile: the call is still on
        expect(phone.locator("#in-call")).to_be_visible()
        expect(phone.locator("#call-state")).to_have_text("On hold")
        expect(phone.locator("#hold")).to_be_enabled(timeout=10_000)  # the third one's 200
        expect(phone.locator("#in-call")).to_be_visible()
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert callee.wait(30) == 0, callee.stderr.read() if callee.stderr else ""
        context.close()

    (log,) = tmp_path.glob("uas_hold_crossed_*_messages.log")
    text = log.read_text()
    invites = [
        float(hours) * 3600 + float(minutes) * 60 + float(seconds)
        for hours, minutes, seconds in re.findall(
            r"(\d\d):(\d\d):(\d\d\.\d+)\s*\n\S+ message received \[\d+\] bytes :\s*\n+INVITE ",
            text,
        )
    ]
    assert len(invites) == 4, text[-3000:]  # the call, the hold refused 491 twice, again
    assert all(2.1 <= later - sooner <= 4.5 for sooner, later in itertools.pairwise(invites[1:])), (
        invites
    )
    cseqs = [int(number) for number in re.findall(r"\nCSeq: (\d+) INVITE", text)]
    assert sorted(set(cseqs)) == list(dict.fromkeys(cseqs)) and len(set(cseqs)) == 4, cseqs
    holds = text.split("491 Request Pending", 1)[1]
    assert "a=sendonly" in holds, "the second re-INVITE holds"


async def _streams_of(url: str, call_id: str) -> list[tuple[int, int]]:
    """(the phone's RTP port, packets rtpengine received from it) for each stream of a
    call, as rtpengine's ``query`` reports them."""
    engine = RtpEngine(url)
    await engine.start()
    try:
        reply = await engine.command("query", **{"call-id": call_id})
    finally:
        engine.close()
    streams = []
    for tag in reply["tags"].values():
        for media in tag.get("medias", []):
            for stream in media.get("streams", []):
                endpoint = stream.get("endpoint") or {}
                if endpoint.get("port"):
                    streams.append((endpoint["port"], stream["stats"]["packets"]))
    return streams


SENTENCE = "Hello Marco, this is Giulia. Please call me back about the meeting room tomorrow."


@contextmanager
def chromium_speaking(wav: Path) -> Iterator[Any]:
    """Chromium whose fake microphone plays ``wav`` once, then silence."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[*MEDIA_ARGS, f"--use-file-for-fake-audio-capture={wav}%noloop"],
            )
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is needed")
def test_a_browser_leaves_a_voicemail_through_rtpengine(
    rtpengine_url, giulia, marco, settings, tmp_path
):
    """The voicemail desk speaks plain G.711: a browser reaches it through rtpengine,
    and the message it leaves lasts as long as what it said."""
    from playwright.sync_api import expect

    from officina.voicemail.models import VoicemailMessage
    from officina.voicemail.sound import read_telephone_wav
    from officina.voicemail.tests.test_baresip_voicemail import speech_span

    spoken = tmp_path / "spoken.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-w", str(spoken), SENTENCE], check=True)
    # Eight seconds of silence first: the greeting and the tone come before the message.
    microphone = tmp_path / "microphone.wav"
    subprocess.run(
        ["sox", str(spoken), "-r", "48000", "-c", "1", "-b", "16", str(microphone),
         "pad", "8", "0"],
        check=True,
    )  # fmt: skip
    sentence = read_telephone_wav(
        subprocess.run(
            ["sox", str(spoken), "-r", "8000", "-c", "1", "-b", "16", "-t", "wav", "-"],
            check=True, capture_output=True,
        ).stdout
    )  # fmt: skip
    expected = speech_span(sentence) + 0.5  # the PBX keeps 0.25 s either side of the speech

    settings.RTPENGINE_URL = rtpengine_url
    do_provision_extension(giulia)  # 201, the browser
    do_provision_extension(marco)  # 202, no device: his voicemail answers
    with (
        live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina,
        chromium_speaking(microphone) as chromium,
    ):
        assert wait_for(lambda: len(officina.running.media.sounds) >= 2, 30), "prompts ready"
        anchor = officina.running.anchor
        assert anchor is not None
        context, phone = open_phone(chromium, officina, giulia)
        phone.fill("#dial-number", "202")
        phone.click("#call")
        expect(phone.locator("#call-state")).to_have_text("Connected")
        wait_for_more_audio(phone, 8000)  # the greeting, through rtpengine
        assert wait_for(lambda: VoicemailMessage.objects.exists(), 45), "a message is stored"
        # The desk hung up after the silence; the call's media in rtpengine end with it.
        expect(phone.locator("#in-call")).to_be_hidden()
        assert wait_for(lambda: not anchor.desk_calls, 5)
        context.close()

    message = VoicemailMessage.objects.get()
    assert message.caller_number == "201" and message.box.extension.number == "202"
    assert message.duration == pytest.approx(expected, rel=0.15), (message.duration, expected)


def test_a_click_to_call_between_phones_not_behind_nat_is_not_anchored(
    rtpengine_url, giulia, marco, settings, tmp_path
):
    """MEDIA_ANCHORING=nat: Giulia clicks to call Marco; her baresip's offer names the
    address it sends from, as Marco's does, so neither looks NATed and the media go from
    phone to phone. The offer reaches the proxy on the PBX's own loopback, but it is
    judged against her phone's address, not the loopback's; each phone hears the other."""
    settings.RTPENGINE_URL = rtpengine_url
    settings.MEDIA_ANCHORING = "nat"
    passwords = {"201": "giulia-desk-pw", "202": BARESIP_PASSWORD}
    for member, password in zip((giulia, marco), passwords.values(), strict=True):
        do_set_sip_password(do_provision_extension(member), password)
    _key, token = do_create_api_token(giulia, "click-to-call")
    giulia_home, marco_home = tmp_path / "giulia", tmp_path / "marco"
    with (
        live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina,
        baresip_phone(marco_home, "202", passwords["202"]),
        baresip_phone(giulia_home, "201", passwords["201"], SECOND_PHONE),
    ):
        anchor = officina.running.anchor
        assert anchor is not None
        assert wait_for(lambda: len(officina.running.directory.bindings) == 2, 20)
        status, placed = api(officina, token, "/phone/calls", {"target": "202"})
        assert status == 201, placed
        assert follow(officina, token, placed["ticket"], "connected", 30) == "connected"
        time.sleep(3)  # let the tone flow
        assert anchor.calls == {}, "not through rtpengine"
        status, ended = api(officina, token, f"/phone/calls/{placed['ticket']}", method="DELETE")
        assert (status, ended["state"]) == (200, "hung-up"), ended
    for home in (giulia_home, marco_home):
        (decoded,) = decoded_calls(home)
        assert loudness(decoded) > 1000, f"{home.name} heard the other's tone"
