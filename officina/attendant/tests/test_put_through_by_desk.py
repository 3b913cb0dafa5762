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
relaying goes on. With SIPp as Bob, or a baresip that speaks PCMU, it steps out: the
phones send to each other, keys too, and holds pass from either side to the other.

Then the failures, with SIPp as Bob's phone: busy, and ringing with nobody answering,
put the caller back in the menu after the reason; a caller who hangs up while Bob
rings has Bob's call CANCELled.
"""

from __future__ import annotations

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
from pathlib import Path

import numpy as np
import pytest

from officina.attendant.actions import MenuInput
from officina.attendant.tests.test_sipp_attendant import front_desk
from officina.pbx.media.attendant_call import AttendantCall, Stage
from officina.pbx.media.bridge import KEY_FRAMES, BridgedCall
from officina.pbx.media.g711 import decode, encode
from officina.pbx.models import CallRecord, Extension
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, port_base
from officina.pbx.tests.sipp_provider import messages
from officina.pbx.tests.test_baresip import configure, wait_for
from officina.pbx.tests.test_bridge import purity
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
    """The caller's media: sends a tone in PCMU every 20 ms once it knows where to, and
    keeps every RTP packet that arrives, with when it came."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind((HOST, 0))
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.to: tuple[str, int] | None = None
        self.received: list[tuple[float, RtpPacket]] = []
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
        tone = encode((np.sin(2 * np.pi * CALLER_HZ * t) * 8000).astype(np.int16), PCMU)
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
                data = self.socket.recv(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                self.received.append((time.monotonic(), RtpPacket.parse(data)))
            except RtpError:
                continue

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


@pytest.fixture
def pbx() -> Iterator[LivePbx]:
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
    with live_pbx(port_base() + 60) as running:
        menus = running.running.media.menus
        assert wait_for(lambda: "500" in menus.plans and len(menus.prompts) > 1, 30)
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
):
    """SIPp dials 500, presses 2, refuses the REFER (501; or 202, then a NOTIFY of a
    failed call), answers with ``reinvite_answer`` (488, or 200 with its offer) the PBX's
    re-INVITE that would take it out of the media path (empty: none is expected), stays
    ``stay_ms``, presses 5 and hangs up; the caller's media starts once the PBX has
    answered. (SIPp, the menu's call; -trace_msg keeps what it got.)"""
    row = f"500;2;{peer.port};5;{refer_answer};{reinvite_answer}"
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


@pytest.mark.parametrize("holder", ["callee", "caller"])
def test_the_pbx_steps_out_of_the_media_path_and_passes_the_hold_on(pbx, tmp_path, peer, holder):
    """Bob (SIPp) answers the PBX's call; the PBX then asks the caller's phone for an
    offer (a re-INVITE without SDP), takes it to Bob in a re-INVITE, and brings his
    answer back in the ACK: the two phones send to each other and the desk frees its
    ports. Bob holds (the caller's phone gets the PBX's re-INVITE, sendonly, from the
    desk's hold music as in any call of two phones), resumes, and hangs up: the caller's
    phone gets a BYE. Or the caller holds, resumes and hangs up, and Bob's phone gets
    each of those from the PBX."""
    bob_peer = MediaPeer()
    bob_dir = tmp_path / "bob"
    bob_dir.mkdir()
    base = port_base()
    media = pbx.running.media
    try:
        bob = sipp(
            bob_dir, "uas_desk_stepped_out.xml", pbx, base + 44, "-m", "1", "-trace_msg",
            "-key", "user", "202", "-key", "rtp_host", HOST, "-key", "holder", holder,
            "-key", "rtp_port", str(bob_peer.port), background=True,
        )  # fmt: skip
        assert register(bob_dir, pbx, "202", base + 44, base + 45) == 0
        caller = sipp(
            tmp_path, "uac_menu_desk_steps_out.xml", pbx, base + 40, "-m", "1", "-trace_msg",
            "-key", "holder", holder, rows=[credentials("201", f"500;2;{peer.port}")],
        )  # fmt: skip
        assert wait_for(lambda: any(d.call is not None for d in media.dialogs.values()), 15)
        dialog = next(iter(media.dialogs.values()))
        peer.to = (HOST, dialog.local_sdp.media[0].port)
        assert wait_for(lambda: media.stats["stepped_out"] == 1, 20), media.stats
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
            "-trace_msg", "-key", "holder", "caller",
            rows=[credentials("201", f"500;2;{peer.port}")],
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
    ends = re.findall(r"received event: '(.)' \(end=1\)", log.read_text(errors="replace"))
    assert ends == ["7"]
    bridge = dialog.call
    assert isinstance(bridge, BridgedCall) and bridge.keys_sent["to_onward"] == 0
    assert bridge.ended_by == "caller hung up"
    assert wait_for(lambda: media.dialogs == {} and media.ports.in_use == set())
