"""A menu's caller whose phone does not follow the REFER is put through by the PBX itself.

SIPp plays a phone that cannot transfer: it dials menu 500, presses 2 (Bob) and answers
the PBX's REFER with 501. The PBX then calls Bob itself, as the caller (through the
proxy, which rings Bob's phone as for any call of Alice's), and relays the media of the
two legs. The caller's media is this test's own socket: it sends a 1 kHz tone (PCMU)
and keeps what comes back. Bob is a baresip that answers by itself, speaks only PCMA
and sends a 700 Hz tone: the PBX re-encodes each way, and each side must hear the other's
tone clean. A key the caller presses reaches Bob; the caller's BYE hangs Bob up; the
call record is one call of Alice's answered by Bob.

Once both answered, the PBX tries to step out of the media path (a re-INVITE asking
the caller's phone for its offer, taken to Bob). Here it cannot: the caller's phone
refuses, or Bob (PCMA only) takes the caller's PCMU offer with no voice codec; the
relaying goes on, and either side can hold (Bob, SIPp, or the caller's phone): the desk
answers, and the other side hears the hold music till the resume. With SIPp as Bob,
or a baresip that speaks PCMU, it steps out: the phones send to each other, keys too
(in the RTP or in SIP INFO), and holds pass from either side to the other, by
re-INVITE or by UPDATE (in a re-INVITE to a phone whose Allow lacks UPDATE).

Then the failures, with SIPp as Bob's phone: busy, and ringing with nobody answering,
put the caller back in the menu after the reason; a caller who hangs up while Bob
rings has Bob's call CANCELled.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import socket
import subprocess
import threading
import time
import wave
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from officina.attendant.actions import MenuInput
from officina.attendant.tests.test_sipp_attendant import front_desk
from officina.pbx.anchoring import HOLD_MUSIC_NOTES
from officina.pbx.media.attendant_call import AttendantCall, Stage
from officina.pbx.media.bridge import KEY_FRAMES, BridgedCall
from officina.pbx.media.g711 import decode, encode
from officina.pbx.models import CallRecord, Extension
from officina.pbx.rtpengine import RtpEngine
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, port_base, running_rtpengine
from officina.pbx.tests.sipp_provider import messages
from officina.pbx.tests.test_baresip import configure, wait_for
from officina.pbx.tests.test_bridge import purity
from officina.pbx.tests.test_hold_music_sipp import UNREACHABLE
from officina.pbx.tests.test_rtpengine_calls import _streams_of
from officina.pbx.tests.test_sipp import PASSWORDS, credentials, finished, register, sipp
from officina.sip.rtp import PCMU, DtmfEvent, RtpError, RtpPacket, RtpStream
from officina.voicemail.actions import check_update_box, do_open_box

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in ("sipp", "baresip", "sox", "espeak-ng")),
        reason="SIPp, baresip, sox and espeak-ng are needed",
    ),
]

CALLER_HZ, BOB_HZ = 1000.0, 700.0


class MediaPeer:
    """The caller's media: sends a tone in PCMU every 20 ms once it knows where to (of
    ``hz``, the caller's by default), and keeps every RTP packet that arrives, with when
    it came."""

    def __init__(self, hz: float = CALLER_HZ) -> None:
        self.hz = hz
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind((HOST, 0))
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.to: tuple[str, int] | None = None
        self.received: list[tuple[float, RtpPacket]] = []
        self.senders: list[tuple[float, tuple[str, int]]] = []  # where each packet came from
        self._keys: deque[str] = deque()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._send, daemon=True),
            threading.Thread(target=self._receive, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _send(self) -> None:
        stream = RtpStream(0xCA11E5, PCMU)
        t = np.arange(160 * 500) / 8000
        tone = encode((np.sin(2 * np.pi * self.hz * t) * 8000).astype(np.int16), PCMU)
        index, next_at = 0, time.monotonic()
        while not self._stop.is_set():
            next_at += 0.02
            time.sleep(max(0.0, next_at - time.monotonic()))
            if self.to is None:
                continue
            if self._keys:
                self._send_key(stream, self._keys.popleft(), self.to)
                next_at = time.monotonic()
                continue
            frame = tone[(index % 500) * 160 : (index % 500 + 1) * 160]
            self.socket.sendto(stream.packet(frame, 160), self.to)
            index += 1

    def press(self, digit: str) -> None:
        """Send a key as RFC 4733 events (payload type 101) in place of five frames."""
        self._keys.append(digit)

    def _send_key(self, stream: RtpStream, digit: str, to: tuple[str, int]) -> None:
        for index in range(KEY_FRAMES):
            last = index == KEY_FRAMES - 1
            event = DtmfEvent.for_digit(digit, duration=160 * (index + 1), end=last)
            packet = RtpPacket(
                101, stream.sequence, stream.timestamp, stream.ssrc, event.serialize(), index == 0
            )
            for _ in range(3 if last else 1):  # the end three times (RFC 4733 §2.5.1.4)
                self.socket.sendto(packet.serialize(), to)
            stream.sequence = (stream.sequence + 1) & 0xFFFF
            time.sleep(0.02)
        stream.timestamp = (stream.timestamp + 160 * KEY_FRAMES) & 0xFFFFFFFF

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data, sender = self.socket.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                packet = RtpPacket.parse(data)
            except RtpError:
                continue
            now = time.monotonic()
            self.received.append((now, packet))
            self.senders.append((now, sender[:2]))

    def senders_since(self, moment: float) -> set[tuple[str, int]]:
        return {sender for at, sender in self.senders if at >= moment}

    def audio_since(self, moment: float, until: float = float("inf")) -> np.ndarray:
        payloads = [
            p.payload for at, p in self.received if moment <= at < until and p.payload_type == 0
        ]
        return decode(b"".join(payloads), PCMU)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(2)
        self.socket.close()


def bobs_menu() -> None:
    """Extensions 201 and 202 (Bob), and menu 500, whose 2 puts the caller through to Bob."""
    front_desk(
        MenuInput(
            name="Front desk",
            number="500",
            language="en",
            greeting_text="Welcome. Press 2 for Bob.",
            timeout_seconds=10,
            options={"2": ("extension", "202")},
        )
    )


@contextmanager
def menus_pbx() -> Iterator[LivePbx]:
    """Bob's menu, and the PBX serving it (started with the settings of the moment)."""
    bobs_menu()
    with live_pbx(port_base() + 60) as running:
        menus = running.running.media.menus
        assert wait_for(lambda: "500" in menus.plans and len(menus.prompts) > 1, 30)
        yield running


@pytest.fixture
def pbx() -> Iterator[LivePbx]:
    with menus_pbx() as running:
        yield running


@pytest.fixture
def peer() -> Iterator[MediaPeer]:
    media = MediaPeer()
    yield media
    media.close()


def call_the_menu(  # type: ignore[no-untyped-def]
    pbx: LivePbx,
    tmp_path: Path,
    peer: MediaPeer,
    stay_ms: int,
    refer_answer: int = 501,
    reinvite_answer: str = "",
    hold: str = "",
):
    """SIPp dials 500, presses 2, refuses the REFER (501; or 202, then a NOTIFY of a
    failed call), answers with ``reinvite_answer`` (488, or 200 with its offer) the PBX's
    re-INVITE that would take it out of the media path (empty: none is expected), stays
    ``stay_ms``, holds for three seconds when given the ``hold``'s direction (three more
    after the resume),
    presses 5 and hangs up; the caller's media starts once the PBX has answered. (SIPp,
    the menu's call; -trace_msg keeps what it got.)"""
    row = f"500;2;{peer.port};5;{refer_answer};{reinvite_answer};{hold}"
    caller = sipp(
        tmp_path, "uac_menu_refer_refused.xml", pbx, port_base() + 40, "-m", "1",
        "-d", str(stay_ms), "-trace_msg", rows=[credentials("201", row)],
    )  # fmt: skip
    media = pbx.running.media
    assert wait_for(lambda: any(d.call is not None for d in media.dialogs.values()), 15)
    dialog = next(iter(media.dialogs.values()))
    peer.to = (HOST, dialog.local_sdp.media[0].port)
    return caller, dialog


def start_bob(
    pbx: LivePbx, tmp_path: Path, codec: str
) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """Bob's baresip, answering by itself, speaking ``codec`` only and sending a 700 Hz
    tone; its process, its home (``received/`` holds what it decoded) and its log (-v:
    the RFC 4733 events it receives are there)."""
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(tmp_path / "tone.wav"),
         "synth", "40", "sine", str(BOB_HZ), "vol", "0.5"],
        check=True,
    )  # fmt: skip
    bob_home = tmp_path / "bob"
    base = pbx.port
    configure(bob_home, "201", pbx, base + 10, base + 12, base + 20)
    (bob_home / "accounts").write_text(
        f"<sip:202@{HOST}:{pbx.port}>;auth_pass={PASSWORDS['202']};regint=300;"
        f"answermode=auto;audio_codecs={codec}\n"
    )
    log = tmp_path / "bob.log"
    bob = subprocess.Popen(
        ["baresip", "-v", "-f", str(bob_home), "-t", "60"],
        stdout=log.open("w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return bob, bob_home, log


@pytest.mark.parametrize(
    "reinvite_answer",
    [
        # The caller's phone refuses (488) the re-INVITE that would have the PBX step out
        # of the media path.
        "488",
        # It offers PCMU, which Bob's phone (PCMA only) refuses: no common codec.
        "200",
    ],
    ids=["the-caller-refuses-the-step-out", "no-common-codec-for-the-step-out"],
)
def test_a_phone_that_cannot_transfer_is_put_through_by_the_pbx(
    pbx, tmp_path, peer, reinvite_answer, caplog
):
    """The PBX bridges the two phones; it cannot step out of the media path (the
    caller's phone or Bob's refuses), so it relays the media to the end of the call."""
    caplog.set_level(logging.INFO, logger="officina.pbx.media")
    bob, bob_home, log = start_bob(pbx, tmp_path, "PCMA")
    media = pbx.running.media
    try:
        assert wait_for(lambda: len(pbx.running.directory.bindings) == 1, 20), "Bob registers"
        caller, dialog = call_the_menu(
            pbx, tmp_path, peer, stay_ms=8000, reinvite_answer=reinvite_answer
        )
        assert wait_for(lambda: isinstance(dialog.call, BridgedCall), 20), log.read_text(
            errors="replace"
        )[-2000:]
        bridge = dialog.call
        bridged_at = time.monotonic()
        # The key, the 501, the re-INVITE, eight seconds, BYE.
        assert finished(caller, tmp_path) == 0
        # The caller's BYE hung Bob up.
        assert wait_for(lambda: "session closed" in log.read_text(errors="replace"), 15)
    finally:
        bob.terminate()
        bob.wait(10)
    assert media.stats["called_onward"] == 1 and media.stats["bridged"] == 1
    assert media.stats["stepped_out"] == 0 and not bridge.direct
    assert "the desk stays in the media path" in caplog.text
    if reinvite_answer == "200":
        # Bob's answer kept telephone-event alone: the caller's offer was answered by the
        # desk, on its own port, and Bob was sent the desk's offer again.
        (ack,) = received(tmp_path, "ACK")
        assert audio_port(ack) == bridge.session.local_port
    assert bridge.ended_by == "caller hung up"
    # Each leg kept its own law: PCMU to the caller, PCMA to Bob.
    assert bridge.session.payload_type == 0 and bridge.onward.payload_type == 8
    # The caller heard Bob's tone, re-encoded and clean; many seconds of it.
    heard = peer.audio_since(bridged_at + 1.0)
    assert len(heard) >= 8000 * 5, len(heard)
    assert purity(heard, BOB_HZ) > 0.9, purity(heard, BOB_HZ)
    # Bob heard the caller's tone, clean too.
    (recording,) = (bob_home / "received").glob("*-dec.wav")
    with wave.open(str(recording)) as audio:
        bob_heard = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")
    loud = bob_heard[np.abs(bob_heard) > 0]
    assert len(loud) > 8000 * 4
    assert purity(bob_heard, CALLER_HZ) > 0.8, purity(bob_heard, CALLER_HZ)
    # The key pressed after the bridge went on to Bob (as RFC 4733 events), once.
    assert bridge.keys_sent["to_onward"] == 1
    ends = re.findall(r"received event: '(.)' \(end=1\)", log.read_text(errors="replace"))
    assert ends == ["5"]
    assert bridge.relayed["to_onward"] > 300 and bridge.relayed["to_caller"] > 300
    # One call of Alice's to Bob, answered by Bob and ended; the menu's call besides.
    assert wait_for(
        lambda: CallRecord.objects.filter(callee_number="202", ended_at__isnull=False).exists()
    )
    (record,) = CallRecord.objects.filter(callee_number="202")
    assert record.caller_number == "201" and record.outcome == CallRecord.Outcome.ANSWERED
    assert record.answered_by
    assert CallRecord.objects.filter(callee_number="500", caller_number="201").count() == 1
    assert wait_for(lambda: media.dialogs == {} and media.ports.in_use == set())


def bobs_sipp(
    pbx: LivePbx,
    tmp_path: Path,
    scenario: str,
    media: MediaPeer,
    *keys: str,
    rtp_host: str = HOST,
) -> tuple[subprocess.Popen[bytes], Path]:
    """Bob's phone (202), SIPp running ``scenario`` with ``keys`` in ``tmp_path/bob``
    (-trace_msg keeps what it got there), registered; its media ``media``'s socket, its
    descriptions naming ``rtp_host`` (another address: a phone behind NAT)."""
    bob_dir = tmp_path / "bob"
    bob_dir.mkdir()
    base = port_base()
    bob = sipp(
        bob_dir, scenario, pbx, base + 44, "-m", "1", "-trace_msg", "-key", "user", "202",
        "-key", "rtp_host", rtp_host, "-key", "rtp_port", str(media.port), *keys,
        background=True,
    )  # fmt: skip
    assert register(bob_dir, pbx, "202", base + 44, base + 45) == 0
    return bob, bob_dir


def chime_share(samples: np.ndarray) -> float:
    """The share of the energy at the notes of the desk's own hold music."""
    return sum(purity(samples, hz) for hz in sorted(set(HOLD_MUSIC_NOTES)))


@pytest.mark.parametrize(
    ("holder", "method", "hold"),
    [
        ("callee", "INVITE", "sendonly"),
        ("callee", "UPDATE", "sendonly"),
        ("callee", "INVITE", "inactive"),
        ("callee", "UPDATE", "inactive"),
        ("caller", "INVITE", "sendonly"),
        ("caller", "INVITE", "inactive"),
    ],
)
def test_either_side_holds_while_the_desk_relays(pbx, tmp_path, peer, holder, method, hold):
    """The caller's phone refuses the step-out's re-INVITE, so the desk relays; each
    side's media is a socket of the test sending a 1 kHz tone. Bob (SIPp) holds with a
    re-INVITE or an UPDATE, ``sendonly`` or ``inactive``, or the caller's phone with a
    re-INVITE: the desk answers it itself from its own port, the direction mirrored
    (``recvonly``, ``inactive``), and the other side's socket
    hears the hold music (the chime: no company's own) in place of the holder's tone;
    the holder resumes and the other side hears its tone again."""
    bob_peer = MediaPeer()
    media = pbx.running.media
    callee_holds = holder == "callee"
    try:
        bob, bob_dir = bobs_sipp(
            pbx, tmp_path, "uas_holds_relayed.xml", bob_peer,
            "-key", "method", method if callee_holds else "none", "-key", "hold", hold,
        )  # fmt: skip
        caller, dialog = call_the_menu(
            pbx, tmp_path, peer, stay_ms=14000 if callee_holds else 3000,
            reinvite_answer="488", hold="" if callee_holds else hold,
        )  # fmt: skip
        assert wait_for(lambda: isinstance(dialog.call, BridgedCall), 20)
        bridge = dialog.call
        assert dialog.onward is not None
        bob_peer.to = (HOST, dialog.onward.port)
        side = "onward" if callee_holds else "caller"
        assert wait_for(lambda: bridge.holding == {side}, 15), "held"
        held_at = time.monotonic()
        assert wait_for(lambda: not bridge.holding, 10), "resumed"
        resumed_at = time.monotonic()
        time.sleep(2.5)
        assert finished(bob, bob_dir) == 0  # its hold and resume answered 200, the BYE
        assert finished(caller, tmp_path) == 0
    finally:
        bob_peer.close()
    assert media.stats["stepped_out"] == 0 and not bridge.direct
    # The desk's own answers: recvonly to the hold, sendrecv to the resume.
    holders = bob_dir if callee_holds else tmp_path
    answers = [
        m
        for m in messages(holders, "received")
        if m.startswith("SIP/2.0 200") and re.search(rf"^CSeq: *\d+ {method}", m, re.M)
    ]
    answers = [m for m in dict.fromkeys(answers) if "m=audio" in m][-2:]
    assert len(answers) == 2, answers
    # (Bob's hold reaches the desk through the proxy's own hold handling, which offers
    # it sendonly whatever Bob wrote; the caller's comes straight.)
    mirrored = "a=inactive" if hold == "inactive" and not callee_holds else "a=recvonly"
    assert mirrored in answers[0] and "a=sendrecv" in answers[1]
    # The holder's tone before the hold and after the resume; the music, not the tone,
    # between. (Each moment seen by polling, up to a few tenths of a second late.)
    listener = peer if callee_holds else bob_peer
    before = listener.audio_since(held_at - 2.0, held_at - 0.2)
    between = listener.audio_since(held_at + 0.3, resumed_at - 0.6)
    after = listener.audio_since(resumed_at + 0.5, resumed_at + 2.5)
    assert len(before) >= 8000, (len(before), held_at - listener.received[0][0])
    assert purity(before, CALLER_HZ) > 0.9, purity(before, CALLER_HZ)
    assert len(between) >= 8000 * 1.5, len(between)
    assert purity(between, CALLER_HZ) < 0.05, purity(between, CALLER_HZ)
    assert chime_share(between) > 0.5, chime_share(between)
    arrivals = [at - resumed_at for at, _ in listener.received if at >= resumed_at - 1]
    assert len(after) >= 8000 * 1.5, (len(after), arrivals[:5], arrivals[-5:], len(arrivals))
    assert purity(after, CALLER_HZ) > 0.9, purity(after, CALLER_HZ)
    to_listener, to_holder = (
        ("to_caller", "to_onward") if callee_holds else ("to_onward", "to_caller")
    )
    assert bridge.music_sent[to_listener] >= 100 and bridge.music_sent[to_holder] == 0
    assert bridge.ended_by == "caller hung up"
    assert wait_for(lambda: media.dialogs == {} and media.ports.in_use == set())


@pytest.mark.parametrize(
    ("scenario", "ring_seconds", "stay_ms", "outcome", "refer_answer"),
    [
        ("uas_busy.xml", None, 4000, CallRecord.Outcome.BUSY, 501),
        # The phone accepts the REFER, then reports its new call failed: the PBX calls.
        ("uas_busy.xml", None, 4000, CallRecord.Outcome.BUSY, 202),
        ("uas_ring_until_cancel.xml", 2.0, 6000, CallRecord.Outcome.CANCELLED, 501),
        ("uas_ring_until_cancel.xml", None, 6000, CallRecord.Outcome.CANCELLED, 501),
    ],
    ids=["busy", "notify-failed-then-busy", "no-answer", "caller-hangs-up-while-ringing"],
)
def test_when_the_pbx_cannot_put_the_caller_through(
    pbx, tmp_path, peer, scenario, ring_seconds, stay_ms, outcome, refer_answer, caplog
):
    caplog.set_level(logging.INFO, logger="officina.pbx.media")
    # Bob has no voicemail: busy or unanswered, his calls end there (the proxy's own
    # answer), not in a box that would answer in his place.
    bob_extension = Extension.objects.get(number="202")
    check_update_box(
        do_open_box(bob_extension), enabled=False, ring_seconds=20, email_messages=False
    )
    media = pbx.running.media
    assert wait_for(lambda: media.ring_seconds(bob_extension.pk) is None, 15)
    base = port_base()
    bob = sipp(tmp_path, scenario, pbx, base + 44, "-m", "1", background=True)
    assert register(tmp_path, pbx, "202", base + 44, base + 45) == 0
    if ring_seconds is not None:
        media.onward_ring_seconds = ring_seconds
    caller, dialog = call_the_menu(pbx, tmp_path, peer, stay_ms, refer_answer)
    call = dialog.call
    assert isinstance(call, AttendantCall)
    assert wait_for(lambda: media.stats["called_onward"] == 1, 10)
    calling_from = time.monotonic()
    if ring_seconds is None and outcome == CallRecord.Outcome.CANCELLED:
        assert call.stage is Stage.RINGING
        # Bob's phone is called by the caller, the menu named beside them.
        invite = dialog.onward.leg.invite
        assert invite.from_.uri_text.startswith("sip:201@")
        assert invite.from_.display_name.endswith("(Front desk)")
    assert finished(bob, tmp_path) == 0  # 486 and its ACK, or a CANCEL
    assert finished(caller, tmp_path) == 0
    if ring_seconds is None and outcome == CallRecord.Outcome.CANCELLED:
        # "Please hold", then the ring tone (425 Hz, a second on) while Bob's phone rang.
        heard = peer.audio_since(calling_from)
        chunks = [heard[i : i + 1600] for i in range(0, len(heard) - 1600, 1600)]
        assert sum(purity(chunk, 425.0) > 0.9 for chunk in chunks) >= 4
    assert media.stats["bridged"] == 0
    why = "new call failed (486)" if refer_answer == 202 else "REFER refused (501)"
    assert f"not transferred: {why}" in caplog.text
    assert list(call.keys) == ["2", "5"]
    # (The PBX answers the BYE, then ends the call: wait for the end.)
    assert wait_for(lambda: call.ended_by == "caller hung up", 5)
    if ring_seconds is not None or outcome == CallRecord.Outcome.BUSY:
        # The reason, then the menu again, where the caller's 5 (not on the menu) is
        # heard: its third round.
        assert call.rounds == 3 and call.chosen is None
    else:
        assert call.rounds == 1  # the 5 came while Bob's phone rang: nothing to do
    assert wait_for(lambda: CallRecord.objects.filter(callee_number="202").exists())
    (record,) = CallRecord.objects.filter(callee_number="202")
    assert record.caller_number == "201" and record.outcome == outcome
    assert wait_for(lambda: media.dialogs == {} and media.ports.in_use == set())


def received(directory: Path, *methods: str) -> list[str]:
    """The requests of ``methods`` the SIPp phone in ``directory`` received, in order,
    each once (a retransmission is the same bytes)."""
    found = [m for m in messages(directory, "received") if m.startswith(methods)]
    return list(dict.fromkeys(found))


def cseq(message: str) -> int:
    match = re.search(r"^CSeq: *(\d+) ", message, re.M)
    assert match is not None, message
    return int(match.group(1))


def audio_port(message: str) -> int:
    """The audio port a SIP message's SDP names."""
    match = re.search(r"^m=audio (\d+) ", message, re.M)
    assert match is not None, message
    return int(match.group(1))


def put_through_directly(  # type: ignore[no-untyped-def]
    pbx: LivePbx, tmp_path: Path, peer: MediaPeer, scenario: str, *keys: str, rtp_host=HOST
):
    """The caller's SIPp phone runs ``scenario`` (with ``keys``; -trace_msg keeps what it
    got): it dials menu 500 and presses 2, its media ``peer``'s socket, its descriptions
    naming ``rtp_host``; the desk puts it through to Bob and steps out of the media path.
    Its process and the desk's dialog."""
    media = pbx.running.media
    caller = sipp(
        tmp_path, scenario, pbx, port_base() + 40, "-m", "1", "-trace_msg", *keys,
        rows=[credentials("201", f"500;2;{peer.port};{rtp_host}")],
    )  # fmt: skip
    assert wait_for(lambda: any(d.call is not None for d in media.dialogs.values()), 15)
    dialog = next(iter(media.dialogs.values()))
    peer.to = (HOST, dialog.local_sdp.media[0].port)
    assert wait_for(lambda: media.stats["stepped_out"] == 1, 20), media.stats
    return caller, dialog


@pytest.mark.parametrize(
    ("holder", "transport"),
    [("callee", "u1"), ("caller", "u1"), ("callee", "t1"), ("caller", "t1")],
    ids=["callee-holds", "caller-holds", "callee-holds-caller-over-tcp", "caller-holds-over-tcp"],
)
def test_the_pbx_steps_out_of_the_media_path_and_passes_the_hold_on(
    pbx, tmp_path, peer, holder, transport
):
    """Bob (SIPp) answers the PBX's call; the PBX then asks the caller's phone for an
    offer (a re-INVITE without SDP), takes it to Bob in a re-INVITE, and brings his
    answer back in the ACK: the two phones send to each other and the desk frees its
    ports. Bob holds (the caller's phone gets the PBX's re-INVITE, sendonly, from the
    desk's hold music as in any call of two phones), resumes, and hangs up: the caller's
    phone gets a BYE. Or the caller holds, resumes and hangs up, and Bob's phone gets
    each of those from the PBX. Before the hold, the phone to be held sends a key in a
    SIP INFO (the caller's ``application/dtmf-relay``, Bob's ``application/dtmf``): it
    reaches the other phone, whose 200 comes back. The caller's phone talks to the PBX
    over UDP or over TCP (``t1``: the desk's re-INVITEs, the INFO and the BYE then reach
    it on its connection, and are not sent again); Bob's over UDP."""
    bob_peer = MediaPeer()
    media = pbx.running.media
    try:
        bob, bob_dir = bobs_sipp(
            pbx, tmp_path, "uas_desk_stepped_out.xml", bob_peer,
            "-key", "holder", holder, "-key", "info", "yes",
        )  # fmt: skip
        caller, dialog = put_through_directly(
            pbx, tmp_path, peer, "uac_menu_desk_steps_out.xml",
            "-key", "holder", holder, "-key", "info", "yes", "-t", transport,
        )  # fmt: skip
        bridge = dialog.call
        assert isinstance(bridge, BridgedCall) and bridge.direct
        relayed = dict(bridge.relayed)
        # Nothing of the call goes through the desk now: its two RTP ports are free.
        assert media.ports.in_use == set()
        # The caller's offer reached Bob, and Bob's answer the caller: each phone now
        # sends where the other's description says.
        callers = received(tmp_path, "INVITE", "ACK")
        bobs = received(bob_dir, "INVITE")
        assert callers[-1].startswith("ACK") and audio_port(callers[-1]) == bob_peer.port
        assert "m=audio" not in callers[-2]  # the PBX asked for the caller's offer
        assert ("SIP/2.0/TCP" in callers[-2]) == (transport == "t1"), callers[-2]
        assert len(bobs) == 2 and audio_port(bobs[1]) == peer.port
        peer.to = (HOST, audio_port(callers[-1]))
        bob_peer.to = (HOST, audio_port(bobs[1]))
        direct_from = time.monotonic()
        time.sleep(1.5)
        assert (
            len(peer.audio_since(direct_from)) >= 8000
            and len(bob_peer.audio_since(direct_from)) >= 8000
        )
        # One holds: the other's phone is sent the offer, sendonly, from the desk's hold
        # music (the proxy's hold handling, as in any call); then it resumes.
        assert wait_for(lambda: bool(media.holds.streams), 10), "held"
        assert wait_for(lambda: not media.holds.streams, 10), "resumed"
        assert finished(bob, bob_dir) == 0  # its hold, resume and BYE answered, or sent
        assert finished(caller, tmp_path) == 0
    finally:
        bob_peer.close()
    if holder == "callee":
        held_phone, holders_port = tmp_path, bob_peer.port
        invites = received(tmp_path, "INVITE")[1:]  # after the step-out's
    else:
        held_phone, holders_port = bob_dir, peer.port
        invites = received(bob_dir, "INVITE")[2:]  # after the call's and the step-out's
    assert len(invites) == 2, received(held_phone, "INVITE")
    held, resumed = invites
    assert "a=sendonly" in held and audio_port(held) != holders_port
    assert "a=sendonly" not in resumed and audio_port(resumed) == holders_port
    assert bridge.relayed == relayed  # nothing relayed since the step-out
    # A key sent in an INFO after the step-out reached the other phone as it was sent,
    # and that phone's 200 came back to the sender (its scenario waits for it); the desk
    # sent no key of its own.
    if holder == "callee":
        (info,) = received(bob_dir, "INFO")
        assert "application/dtmf-relay" in info and "Signal=9" in info
    else:
        (info,) = received(tmp_path, "INFO")
        assert re.search(r"^Content-Type: *application/dtmf\s*$", info, re.M | re.I), info
        assert info.rstrip().endswith("4")
    assert bridge.keys_sent == {"to_onward": 0, "to_caller": 0}
    assert bridge.ended_by == ("callee hung up" if holder == "callee" else "caller hung up")
    if holder == "callee":
        # The PBX's BYE to the caller's phone comes after its re-INVITEs in CSeq order.
        (bye,) = received(tmp_path, "BYE")
        assert cseq(bye) > max(cseq(invite) for invite in received(tmp_path, "INVITE"))
    assert wait_for(
        lambda: CallRecord.objects.filter(callee_number="202", ended_at__isnull=False).exists()
    )
    (record,) = CallRecord.objects.filter(callee_number="202")
    assert record.caller_number == "201" and record.outcome == CallRecord.Outcome.ANSWERED
    assert wait_for(lambda: media.dialogs == {} and media.ports.in_use == set())


def test_a_phone_put_through_talks_to_baresip_directly_keys_too(pbx, tmp_path, peer):
    """Bob is a baresip that speaks PCMU: the desk steps out of the media path. The
    caller's socket sends its tone, and a key as RFC 4733 events, where Bob's answer (in
    the ACK) says, and hears Bob's tone from there; Bob hears the tone and the key. The
    caller then holds and resumes (baresip answers each) and hangs up: Bob's call ends."""
    bob, bob_home, log = start_bob(pbx, tmp_path, "PCMU")
    media = pbx.running.media
    try:
        assert wait_for(lambda: len(pbx.running.directory.bindings) == 1, 20), "Bob registers"
        caller = sipp(
            tmp_path, "uac_menu_desk_steps_out.xml", pbx, port_base() + 40, "-m", "1",
            "-trace_msg", "-key", "holder", "caller", "-key", "info", "no",
            rows=[credentials("201", f"500;2;{peer.port};{HOST}")],
        )  # fmt: skip
        assert wait_for(lambda: any(d.call is not None for d in media.dialogs.values()), 15)
        dialog = next(iter(media.dialogs.values()))
        peer.to = (HOST, dialog.local_sdp.media[0].port)
        assert wait_for(lambda: media.stats["stepped_out"] == 1, 20), log.read_text(
            errors="replace"
        )[-2000:]
        assert media.ports.in_use == set()
        ack = received(tmp_path, "INVITE", "ACK")[-1]
        assert ack.startswith("ACK")
        peer.to = (HOST, audio_port(ack))  # Bob's phone, as its answer says
        direct_from = time.monotonic()
        time.sleep(1.0)
        peer.press("7")
        time.sleep(1.0)
        direct_until = time.monotonic()
        assert wait_for(lambda: bool(media.holds.streams), 10), "held"
        assert wait_for(lambda: not media.holds.streams, 10), "resumed"
        assert finished(caller, tmp_path) == 0  # held, resumed, hung up
        assert wait_for(lambda: "session closed" in log.read_text(errors="replace"), 15)
    finally:
        bob.terminate()
        bob.wait(10)
    # The caller heard Bob's tone straight from his phone, clean.
    heard = peer.audio_since(direct_from, direct_until)
    assert len(heard) >= 8000 * 1.5, len(heard)
    assert purity(heard, BOB_HZ) > 0.9, purity(heard, BOB_HZ)
    # Bob heard the caller's tone, and its key once, both sent to his phone directly.
    (recording,) = (bob_home / "received").glob("*-dec.wav")
    with wave.open(str(recording)) as audio:
        bob_heard = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")
    assert len(bob_heard[np.abs(bob_heard) > 0]) > 8000
    assert purity(bob_heard, CALLER_HZ) > 0.8, purity(bob_heard, CALLER_HZ)
    bob_log = log.read_text(errors="replace")
    ends = re.findall(r"received event: '(.)' \(end=1\)", bob_log)
    assert ends == ["7"]
    # Bob's phone took the first RTP after the step-out's offer as where its media come
    # from: the caller's, not a late packet of the desk's (which it would keep to).
    latched = re.findall(r"incoming rtp for 'audio' established, receiving from (\S+)", bob_log)
    assert latched[-1] == f"{HOST}:{peer.port}", latched
    bridge = dialog.call
    assert isinstance(bridge, BridgedCall) and bridge.keys_sent["to_onward"] == 0
    assert bridge.ended_by == "caller hung up"
    assert wait_for(lambda: media.dialogs == {} and media.ports.in_use == set())


def sdp_direction(message: str) -> str:
    """The audio direction a SIP message's SDP states (sendrecv when it states none)."""
    found = re.findall(r"^a=(sendrecv|sendonly|recvonly|inactive)\s*$", message, re.M)
    return found[-1] if found else "sendrecv"


def answers_to(directory: Path, method: str) -> list[str]:
    """The final answers the SIPp phone in ``directory`` got to its ``method`` requests,
    in order, each once."""
    found = [
        m
        for m in messages(directory, "received")
        if m.startswith("SIP/2.0 ")
        and not m.startswith("SIP/2.0 1")
        and re.search(rf"^CSeq: *\d+ {method}\s*$", m, re.M)
    ]
    return list(dict.fromkeys(found))


WITH_UPDATE = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE"
WITHOUT_UPDATE = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO"


def reinvited(allows: str) -> str:
    """Whether a phone whose Allow is ``allows`` gets offers in re-INVITEs (no UPDATE)."""
    return "no" if "UPDATE" in allows else "yes"


@pytest.mark.parametrize(
    ("holder", "answer", "bob_allows", "caller_allows"),
    [
        ("caller", "200", WITH_UPDATE, WITH_UPDATE),
        ("callee", "200", WITH_UPDATE, WITH_UPDATE),
        ("caller", "488", WITH_UPDATE, WITH_UPDATE),
        ("caller", "200", WITHOUT_UPDATE, WITH_UPDATE),
        ("callee", "200", WITH_UPDATE, WITHOUT_UPDATE),
    ],
    ids=[
        "caller-holds",
        "callee-holds",
        "hold-refused",
        "callee-takes-no-update",
        "caller-takes-no-update",
    ],
)
def test_updates_pass_between_the_phones_once_the_pbx_stepped_out(
    pbx, tmp_path, peer, holder, answer, bob_allows, caller_allows
):
    """The desk steps out of the media path between two SIPp phones, both listing UPDATE
    in their Allow (or one not). Then one phone refreshes the session with an UPDATE
    without SDP and holds and resumes with UPDATEs (RFC 3311): each reaches the other
    phone as an UPDATE in its own dialog (the hold's offer from the desk's hold music,
    sendonly, as any hold between two phones), and the other phone's answer (recvonly)
    comes back in the 200. The held phone hears the chime. Bob refusing the hold (488)
    is passed back as it came, and the call goes on to its BYE. To a phone without
    UPDATE in its Allow, the other's hold and resume go in re-INVITEs, their answers in
    the 200s to the other's UPDATEs (its refresh answered by the PBX itself). While
    Bob's hold is on its way, the caller's own offer in an UPDATE gets 491."""
    bob_peer = MediaPeer()
    media = pbx.running.media
    held_allows = bob_allows if holder == "caller" else caller_allows
    try:
        bob, bob_dir = bobs_sipp(
            pbx, tmp_path, "uas_desk_updates.xml", bob_peer,
            "-key", "holder", holder, "-key", "allow", bob_allows,
            "-key", "reinvites", reinvited(bob_allows), "-key", "answer", answer,
        )  # fmt: skip
        caller, dialog = put_through_directly(
            pbx, tmp_path, peer, "uac_menu_desk_updates.xml",
            "-key", "holder", holder, "-key", "allow", caller_allows,
            "-key", "reinvites", reinvited(caller_allows),
        )  # fmt: skip
        peer.to, bob_peer.to = (HOST, bob_peer.port), (HOST, peer.port)
        if answer == "200":
            assert wait_for(lambda: bool(media.holds.streams), 15), "held"
            held_at = time.monotonic()
            # The holder's socket goes quiet, so the held one hears what the desk sends.
            (peer if holder == "caller" else bob_peer).to = None
            assert wait_for(lambda: not media.holds.streams, 10), "resumed"
            resumed_at = time.monotonic()
        assert finished(caller, tmp_path) == 0
        assert finished(bob, bob_dir) == 0
    finally:
        bob_peer.close()
    bridge = dialog.call
    assert isinstance(bridge, BridgedCall) and bridge.direct
    # Our Allow lists UPDATE: the desk's answer to the caller, the PBX's call to Bob.
    desks_ok = next(m for m in answers_to(tmp_path, "INVITE") if m.startswith("SIP/2.0 200"))
    assert re.search(r"^Allow:.*\bUPDATE\b", desks_ok, re.M), desks_ok
    assert re.search(r"^Allow:.*\bUPDATE\b", received(bob_dir, "INVITE")[0], re.M)
    holders, held = (tmp_path, bob_dir) if holder == "caller" else (bob_dir, tmp_path)
    updates = answers_to(holders, "UPDATE")
    if answer == "488":
        # The refresh passed; the hold refused by Bob, and that refusal passed back.
        assert [m.split("\n", 1)[0].split()[1] for m in updates] == ["200", "488"]
        assert len(received(bob_dir, "UPDATE")) == 2 and len(received(bob_dir, "INVITE")) == 2
        assert media.holds.streams == {}
    else:
        # The refresh, the hold (answered recvonly by the held phone), the resume.
        assert [m.split("\n", 1)[0].split()[1] for m in updates] == ["200"] * 3, updates
        assert "m=audio" not in updates[0]
        assert sdp_direction(updates[1]) == "recvonly" and sdp_direction(updates[2]) == "sendrecv"
        if reinvited(held_allows) == "yes":
            assert received(held, "UPDATE") == []
            # After the call's and the step-out's (Bob), the step-out's (the caller).
            offers = received(held, "INVITE")[2 if held == bob_dir else 1 :]
        else:
            passed = received(held, "UPDATE")
            assert len(passed) == 3 and "m=audio" not in passed[0]
            offers = passed[1:]
            assert len(received(held, "INVITE")) == (2 if held == bob_dir else 1)
        assert [sdp_direction(offer) for offer in offers] == ["sendonly", "sendrecv"]
        holders_port = peer.port if holder == "caller" else bob_peer.port
        assert audio_port(offers[0]) != holders_port  # the desk's hold music
        assert audio_port(offers[1]) == holders_port
        listener = bob_peer if holder == "caller" else peer
        music = listener.audio_since(held_at + 0.3, resumed_at - 0.3)
        assert len(music) >= 8000 * 1.5 and chime_share(music) > 0.5, chime_share(music)
    if holder == "callee" and reinvited(caller_allows) == "no":
        # The caller's own offer, sent while Bob's hold was on its way to it: 491.
        (clash,) = answers_to(tmp_path, "UPDATE")
        assert clash.startswith("SIP/2.0 491")
    assert wait_for(lambda: media.dialogs == {} and media.ports.in_use == set())


@pytest.fixture
def rtpengine_url(tmp_path: Path) -> Iterator[str]:
    """rtpengine forgetting a deleted call at once (not 30 s later, its default), so
    that what it still holds after a call is what was not deleted."""
    log = tmp_path / "rtpengine.log"
    ports = (port_base() + 82, port_base() + 99)
    with running_rtpengine(port_base() + 80, *ports, log, "--delete-delay=0") as url:
        yield url


async def _calls_in(url: str) -> list[str]:
    """The Call-IDs of the calls rtpengine holds (its ``list``)."""
    engine = RtpEngine(url)
    await engine.start()
    try:
        reply = await engine.command("list")
    finally:
        engine.close()
    return [str(call_id) for call_id in reply.get("calls", [])]


@pytest.mark.skipif(shutil.which("rtpengine") is None, reason="rtpengine is needed")
@pytest.mark.parametrize(
    ("anchoring", "callers_host", "bobs_host", "holder"),
    [
        ("always", HOST, HOST, "callee"),
        ("always", HOST, HOST, "caller"),
        ("nat", HOST, UNREACHABLE, "callee"),
        ("nat", UNREACHABLE, HOST, "caller"),
    ],
    ids=["always-callee-holds", "always-caller-holds", "nat-callee-holds", "nat-caller-holds"],
)
def test_the_desk_steps_out_between_two_phones_anchored_by_rtpengine(
    rtpengine_url,
    settings,
    tmp_path,
    peer,
    anchoring,
    callers_host,
    bobs_host,
    holder,
):
    """The desk's call to Bob goes through rtpengine: MEDIA_ANCHORING is ``always``, or
    ``nat`` with Bob's phone or the caller's behind NAT (its descriptions name an
    address nobody reaches, its media come from its real socket). The desk steps out: the caller's
    offer reaches Bob naming rtpengine, and Bob's answer reaches the caller naming
    rtpengine too, so each phone sends to rtpengine, not to the other nor to the desk,
    and rtpengine relays each one's tone to the other. Keys in INFO pass, one side holds
    and resumes (rtpengine plays the music), and at the BYE rtpengine's session is
    deleted: no call, no port left."""
    settings.RTPENGINE_URL = rtpengine_url
    settings.MEDIA_ANCHORING = anchoring
    bob_peer = MediaPeer()
    engine_ports = range(port_base() + 82, port_base() + 100)
    try:
        with menus_pbx() as pbx:
            media, anchor = pbx.running.media, pbx.running.anchor
            assert anchor is not None
            # The phones hold and resume on SIPp's clock, maybe before the checks below
            # are done on a busy machine: the music's start is recorded when it happens.
            holds: list[str] = []
            start_music = anchor.hold

            def hold(call_id: str, *parties: str, **holder: str) -> None:
                holds.append(call_id)
                start_music(call_id, *parties, **holder)

            anchor.hold = hold  # type: ignore[method-assign]
            bob, bob_dir = bobs_sipp(
                pbx, tmp_path, "uas_desk_stepped_out.xml", bob_peer,
                "-key", "holder", holder, "-key", "info", "yes", rtp_host=bobs_host,
            )  # fmt: skip
            caller, dialog = put_through_directly(
                pbx, tmp_path, peer, "uac_menu_desk_steps_out.xml",
                "-key", "holder", holder, "-key", "info", "yes", rtp_host=callers_host,
            )  # fmt: skip
            assert media.ports.in_use == set()
            (call_id,) = list(anchor.calls)  # the desk's call to Bob
            ack = received(tmp_path, "INVITE", "ACK")[-1]
            assert ack.startswith("ACK"), ack
            bobs_offer = received(bob_dir, "INVITE")[1]
            # Each phone is told to send to rtpengine: not to the other, not to the desk.
            assert audio_port(ack) in engine_ports and f"c=IN IP4 {HOST}" in ack, ack
            assert audio_port(bobs_offer) in engine_ports, bobs_offer
            peer.to = (HOST, audio_port(ack))
            bob_peer.to = (HOST, audio_port(bobs_offer))
            direct_from = time.monotonic()
            time.sleep(2.0)
            direct_until = time.monotonic()
            streams = asyncio.run(_streams_of(rtpengine_url, call_id))
            assert wait_for(lambda: holds == [call_id], 15), ("held", holds)
            assert wait_for(lambda: not anchor.held, 10), "resumed"
            assert finished(bob, bob_dir) == 0
            assert finished(caller, tmp_path) == 0
            assert wait_for(lambda: not anchor.calls, 5), "the BYE ended the media"
            left = asyncio.run(_calls_in(rtpengine_url))
    finally:
        bob_peer.close()
    # rtpengine received each phone's media from its own socket, and nothing from the
    # desk's ports; each heard the other's tone through it.
    by_port = dict(streams)
    assert by_port.get(peer.port, 0) > 50 and by_port.get(bob_peer.port, 0) > 50, streams
    assert set(by_port) <= {peer.port, bob_peer.port, peer.port + 1, bob_peer.port + 1}, streams
    assert len(peer.audio_since(direct_from, direct_until)) >= 8000
    assert len(bob_peer.audio_since(direct_from, direct_until)) >= 8000
    if holder == "callee":
        held, holders_port = received(tmp_path, "INVITE")[1:], bob_peer.port
    else:
        held, holders_port = received(bob_dir, "INVITE")[2:], peer.port
    assert len(held) == 2 and "a=sendonly" in held[0], held
    assert all(audio_port(offer) in engine_ports for offer in held), held
    bridge = dialog.call
    assert isinstance(bridge, BridgedCall) and bridge.direct
    assert bridge.keys_sent == {"to_onward": 0, "to_caller": 0}
    assert holders_port not in [audio_port(offer) for offer in held]
    # The session is gone from rtpengine: its ports are free.
    assert left == [], left
    assert wait_for(lambda: media.dialogs == {} and media.ports.in_use == set())
