"""SIPp against the voicemail's media edges: SDP it must refuse (malformed, no common
codec) gets 488 and opens nothing; a re-INVITE without SDP, a flood of key presses and
RTP from a stranger's address leave the call working and the message stored once."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from officina.pbx.media.g711 import encode
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, make_extensions, port_base
from officina.pbx.tests.rtp_pcap import rtp_packets, write_pcap
from officina.pbx.tests.test_sipp import PASSWORDS, credentials, eventually, finished, sipp
from officina.sip.rtp import PCMA, PCMU, DtmfEvent, RtpPacket
from officina.voicemail.models import VoicemailMessage
from officina.voicemail.sound import read_telephone_wav

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in ("sipp", "sox", "espeak-ng")),
        reason="SIPp, sox and espeak-ng are needed",
    ),
]


@pytest.fixture
def pbx() -> Iterator[LivePbx]:
    make_extensions(PASSWORDS)
    with live_pbx(port_base() + 80) as running:
        deadline = time.monotonic() + 30
        while len(running.running.media.sounds) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        yield running


@pytest.mark.parametrize(
    ("m_line", "attribute"),
    [
        ("audio 70000 RTP/AVP 0", "rtpmap:0 PCMU/8000"),  # a port that cannot be
        ("audio six RTP/AVP 0", "sendrecv"),  # nor this
        ("audio 6000 RTP/AVP 18", "rtpmap:18 G729/8000"),  # no codec in common
        ("video 6000 RTP/AVP 96", "rtpmap:96 VP8/90000"),  # no audio at all
        # A browser's kind of offer (answered with aiortc) without ICE or DTLS keys,
        ("audio 6000 UDP/TLS/RTP/SAVPF 111", "rtpmap:111 opus/48000/2"),
        # or with a fingerprint that cannot be a certificate's.
        ("audio 6000 UDP/TLS/RTP/SAVPF 0", "fingerprint:sha-256 AB:CD"),
    ],
)
def test_sdp_the_voicemail_cannot_take_is_refused_with_488(pbx, tmp_path, m_line, attribute):
    base = port_base()  # SIPp on this worker's ports below the PBX's (+80)
    caller = sipp(
        tmp_path, "voicemail_refused_sdp.xml", pbx, base + 10, "-m", "1",
        rows=[credentials("201", f"202;{m_line};{attribute}")],
    )  # fmt: skip
    assert finished(caller, tmp_path) == 0
    media = pbx.running.media
    assert media.stats["refused_sdp"] == 1
    assert media.dialogs == {} and media.ports.in_use == set()
    assert not VoicemailMessage.objects.exists()


def sound_files(folder: Path) -> None:
    spoken = folder / "spoken.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en", "-w", str(spoken), "Please call me back about the invoice."],
        check=True,
    )
    speech = read_telephone_wav(
        subprocess.run(
            ["sox", str(spoken), "-r", "8000", "-c", "1", "-b", "16", "-t", "wav", "-"],
            check=True, capture_output=True,
        ).stdout
    )  # fmt: skip
    frames = [speech[i : i + 160] for i in range(0, len(speech) - 159, 160)]
    silence = np.zeros(160, dtype=np.int16)
    # The greeting and the tone take about seven seconds: speak after them, then press
    # "5" every 20 ms for 2.5 s (125 presses: none of them ends the message).
    press = DtmfEvent.for_digit("5", duration=160).serialize()
    first = [(PCMA, encode(silence, PCMA))] * 350 + [(PCMA, encode(f, PCMA)) for f in frames]
    first += [(101, press)] * 125
    write_pcap(folder / "first.pcap", rtp_packets(first))
    second = [(PCMU, encode(f, PCMU)) for f in frames]
    write_pcap(folder / "second.pcap", rtp_packets(second, ssrc=0x5EEE))


def test_reinvite_without_sdp_a_dtmf_flood_and_a_stranger(pbx, tmp_path):
    sound_files(tmp_path)
    base = port_base()  # SIPp on this worker's ports below the PBX's (+80)
    caller = sipp(
        tmp_path, "voicemail_media.xml", pbx, base + 20, "-m", "1", "-mp", str(base + 30),
        rows=[credentials("201", "202")],
    )  # fmt: skip
    media = pbx.running.media
    deadline = time.monotonic() + 10
    while not media.dialogs and time.monotonic() < deadline:
        time.sleep(0.05)
    assert media.dialogs, "SIPp did not reach the voicemail"
    (dialog,) = media.dialogs.values()
    while (dialog.call is None or dialog.call.session.counters.latched_to is None) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.05)
    session = dialog.call.session
    latched = session.counters.latched_to
    assert latched is not None and latched[0] == HOST
    # A stranger on the same host sends RTP (and forged key presses) to the call's port.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as stranger:
        stranger.bind((HOST, 0))
        for sequence in range(200):
            payload = DtmfEvent.for_digit("#").serialize() if sequence % 2 else b"\xd5" * 160
            stranger.sendto(
                RtpPacket(
                    101 if sequence % 2 else 8, sequence, sequence * 160, 99, payload
                ).serialize(),
                (HOST, session.local_port),
            )
        stranger.sendto(b"\x00garbage", (HOST, session.local_port))
    assert finished(caller, tmp_path) == 0
    counters = session.counters
    assert counters.foreign == 201
    assert counters.latched_to == latched  # still the caller
    assert counters.digits >= 100  # the flood arrived; none ended the message
    assert session.payload_type == 0  # the re-INVITE moved the call to PCMU
    # Two streams (SIPp's second capture has its own SSRC), nothing lost from either.
    assert counters.sources == 2
    assert session.stats.received > 100 and session.stats.lost == 0
    assert counters.earlier_lost == 0
    deadline = time.monotonic() + 5
    while not VoicemailMessage.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    (message,) = VoicemailMessage.objects.all()
    assert message.caller_number == "201"
    assert 4 < message.duration < 12
    record = CallRecord.objects.get()
    assert (record.outcome, record.voicemail) == ("unregistered", True)
    assert media.dialogs == {} and media.ports.in_use == set()


def test_a_phone_nobody_answers_rings_for_the_box_time_then_voicemail_answers(pbx, tmp_path):
    from officina.pbx.models import Extension
    from officina.pbx.tests.test_sipp import register
    from officina.voicemail.actions import check_update_box, do_open_box

    box = do_open_box(Extension.objects.get(number="202"))
    check_update_box(box, enabled=True, ring_seconds=5, email_messages=False)
    time.sleep(5.5)  # the PBX reads the boxes every 5 s
    base = port_base()  # SIPp on this worker's ports below the PBX's (+80)
    ringing = sipp(
        tmp_path, "uas_ring_until_cancel.xml", pbx, base + 40, "-m", "1", background=True
    )
    assert register(tmp_path, pbx, "202", base + 40, base + 41) == 0
    started = time.monotonic()
    caller = sipp(
        tmp_path, "uac_call.xml", pbx, base + 42, "-m", "1", "-d", "500",
        rows=[credentials("201", "202")],
    )  # fmt: skip
    assert finished(caller, tmp_path) == 0  # answered (by the voicemail), then hung up
    assert finished(ringing, tmp_path) == 0  # the phone got its CANCEL
    assert 5.0 <= time.monotonic() - started < 9.0
    # Written in batches; the voicemail's taking it may come in the batch after.
    assert eventually(lambda: CallRecord.objects.filter(voicemail=True).exists())
    assert CallRecord.objects.get().outcome == "no-answer"
    assert pbx.running.media.stats["taken"] == 1


def test_a_busy_phone_sends_the_caller_to_voicemail(pbx, tmp_path):
    from officina.pbx.tests.test_sipp import register

    base = port_base()  # SIPp on this worker's ports below the PBX's (+80)
    busy = sipp(tmp_path, "uas_busy.xml", pbx, base + 50, "-m", "1", background=True)
    assert register(tmp_path, pbx, "202", base + 50, base + 51) == 0
    caller = sipp(
        tmp_path, "uac_call.xml", pbx, base + 52, "-m", "1", "-d", "500",
        rows=[credentials("201", "202")],
    )  # fmt: skip
    assert finished(caller, tmp_path) == 0
    assert finished(busy, tmp_path) == 0
    assert eventually(lambda: CallRecord.objects.filter(voicemail=True).exists())
    assert CallRecord.objects.get().outcome == "busy"
    assert pbx.running.media.stats["taken"] == 1
