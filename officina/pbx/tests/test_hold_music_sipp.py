"""Hold music from the media desk, without rtpengine, between SIPp phones whose media
are plain UDP sockets of the test (``HeldPhone``: every packet, when and whence):

* a hold by UPDATE (RFC 3311) plays the music as a re-INVITE's does, till the UPDATE
  that resumes;
* a held phone behind NAT (its description names an address nobody reaches) gets the
  music where its RTP comes from, or, sending no RTP, where its RTCP says (the port
  before, or the same port when muxed);
* a held phone whose RTCP is elsewhere than its RTP port + 1 (``a=rtcp``, RFC 3605)
  gets the music at its RTP port, and the desk's RTCP where its RTCP comes from or,
  before any, where its ``a=rtcp`` says;
* two phones holding each other: whoever is held by the other hears the music, the
  one holding does not, and resuming in either order leaves the music with the phone
  still held, then with nobody.
"""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiortc.rtp import RtcpPacket, RtcpSdesPacket, RtcpSrPacket

from officina.pbx.anchoring import HOLD_MUSIC_NOTES
from officina.pbx.media.g711 import decode
from officina.pbx.tests.livepbx import HOST, LivePbx
from officina.pbx.tests.sipp_provider import messages
from officina.pbx.tests.test_baresip import wait_for
from officina.pbx.tests.test_hold_music_desk import HeldPhone, music_port
from officina.pbx.tests.test_rtpengine import share_at
from officina.pbx.tests.test_rtpengine_calls import injection_file, sipp_phone
from officina.pbx.tests.test_sipp import credentials, pbx, register  # noqa: F401 (fixture)
from officina.sip.rtp import RTCP_SR

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is needed"),
]

UNREACHABLE = "192.0.2.33"  # TEST-NET-1 (RFC 5737): what a phone behind NAT names


def holding_by_update(
    live: LivePbx, tmp_path: Path, held_host: str, rtcp_port: int | None = None
) -> tuple[HeldPhone, list[subprocess.Popen[bytes]]]:
    """Bob (202) answers UPDATEs naming ``held_host`` and the test's socket (and, with
    ``rtcp_port``, that port for his RTCP: ``a=rtcp``); Alice (201) calls him, holds him
    with an UPDATE for 5 s and resumes with another (5 s leave a second of music to hear
    however late a loaded machine sees the hold)."""
    base = live.port
    held = HeldPhone(base + 20)
    declared = () if rtcp_port is None else ("-key", "rtcp_port", str(rtcp_port))
    bob = sipp_phone(
        tmp_path,
        "uas_update.xml" if rtcp_port is None else "uas_update_rtcp.xml",
        base + 4, "-mp", str(base + 30),
        "-key", "rtp_host", held_host, "-key", "rtp_port", str(base + 20), *declared,
    )  # fmt: skip
    assert register(tmp_path, live, "202", base + 4, base + 2) == 0
    alice = sipp_phone(
        tmp_path,
        "update_hold.xml", base + 6, f"{HOST}:{live.port}", "-mp", str(base + 40),
        "-inf", injection_file(tmp_path, *credentials("201", "202").split(";")),
    )  # fmt: skip
    return held, [alice, bob]


def music_source(live: LivePbx) -> tuple[str, int]:
    """Where the music of the one held call comes from, once it plays."""
    assert wait_for(lambda: music_port(live.running.media) is not None, 15), "the hold is seen"
    port = music_port(live.running.media)
    assert port is not None
    return HOST, port


def finish(phones: list[subprocess.Popen[bytes]], held: HeldPhone) -> None:
    try:
        for phone in phones:
            assert phone.wait(40) == 0, phone.stderr.read().decode() if phone.stderr else ""
    finally:
        for phone in phones:
            if phone.poll() is None:
                phone.kill()
        held.close()


def test_a_hold_by_update_plays_the_music_till_the_update_that_resumes(pbx, tmp_path):  # noqa: F811
    held, phones = holding_by_update(pbx, tmp_path, HOST)
    desk = pbx.running.media
    try:
        source = music_source(pbx)
        assert wait_for(lambda: len(held.heard_from(0, source)) > 8000, 5), "a second of it"
        heard = held.heard_from(0, source)
        assert share_at(heard, HOLD_MUSIC_NOTES) > 0.5, share_at(heard, HOLD_MUSIC_NOTES)
        assert wait_for(lambda: not desk.holds.streams, 10), "the second UPDATE resumed"
        resumed = time.monotonic()
        time.sleep(0.5)
        assert not held.since(resumed + 0.1), "the music stopped with the resume"
        assert not desk.ports.in_use
    finally:
        finish(phones, held)
    # Bob was offered the desk's port, sendonly, then Alice's own again.
    updates = [m for m in messages(tmp_path, "received") if m.startswith("UPDATE ")]
    assert len(updates) == 2
    assert f"m=audio {source[1]} RTP/AVP" in updates[0] and "a=sendonly" in updates[0]
    assert f"m=audio {pbx.port + 40} RTP/AVP" in updates[1] and "a=sendrecv" in updates[1]


def send_reports(sock: socket.socket, to: tuple[str, int], seconds: float) -> None:
    """Receiver reports without report blocks (RFC 3550 §6.4.2), every 200 ms."""
    report = struct.pack("!BBHI", 0x80, 201, 1, 0xB0B0B0B0)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sock.sendto(report, to)
        time.sleep(0.2)


@pytest.mark.parametrize("sends", ["rtp", "rtcp", "rtcp-mux"])
def test_a_held_phone_behind_nat_hears_the_music_where_its_media_come_from(
    pbx,  # noqa: F811
    tmp_path,
    sends,
):
    """Bob's description names an address nobody reaches. His phone, held, sends from
    its real sockets: RTP (as phones behind NAT keep doing), or only RTCP, from its RTCP
    port (the RTP port + 1) to the desk's RTCP port or, muxed, from its RTP port to the
    desk's RTP port. The music goes to Bob's real RTP port."""
    held, phones = holding_by_update(pbx, tmp_path, UNREACHABLE)
    try:
        source = music_source(pbx)
        time.sleep(0.3)
        assert not held.packets, f"the music went to {UNREACHABLE}, as Bob's answer said"
        if sends == "rtp":
            talking = threading.Thread(target=held.talk, args=(source, 2.0), daemon=True)
        else:
            sock, to = (
                (held.socket, source)
                if sends == "rtcp-mux"
                else (held.rtcp, (source[0], source[1] + 1))
            )
            talking = threading.Thread(target=send_reports, args=(sock, to, 2.0), daemon=True)
        talking.start()
        assert wait_for(lambda: len(held.heard_from(0, source)) > 8000, 5), "a second of it"
        heard = held.heard_from(0, source)
        assert share_at(heard, HOLD_MUSIC_NOTES) > 0.5, share_at(heard, HOLD_MUSIC_NOTES)
        (stream,) = pbx.running.media.holds.streams.values()
        session = stream.ports[stream.listener or ""].session
        assert session is not None and session.remote == (HOST, pbx.port + 20)
        if sends == "rtp":
            assert session.counters.latched_to == (HOST, pbx.port + 20)
        else:
            assert session.counters.rtcp > 0 and session.counters.latched_to is None
        talking.join(5)
    finally:
        finish(phones, held)


class RtcpPort:
    """A phone's RTCP socket: every RTCP packet that reaches it (type, whence), and
    each datagram as it came."""

    def __init__(self, port: int) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind((HOST, port))
        self.socket.settimeout(0.2)
        self.received: list[tuple[int, tuple[str, int]]] = []
        self.datagrams: list[bytes] = []
        self._running = True
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while self._running:
            try:
                data, source = self.socket.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            if len(data) >= 8 and data[0] >> 6 == 2 and 192 <= data[1] <= 223:
                self.received.append((data[1], source))
                self.datagrams.append(data)

    def close(self) -> None:
        self._running = False
        self._thread.join(1)
        self.socket.close()


@pytest.mark.parametrize("behind_nat", [False, True])
def test_a_held_phone_whose_rtcp_is_not_next_to_its_rtp_gets_it_where_it_says(
    pbx,  # noqa: F811
    tmp_path,
    behind_nat,
):
    """Bob's descriptions put his RTCP seven ports above his RTP (``a=rtcp``, RFC
    3605), as a phone does whose NAT mapped them so. Named at his real address, and
    sending nothing while held, he gets the music at his RTP port and the desk's sender
    reports at his RTCP port. Named at an address nobody reaches (behind NAT), sending
    only RTCP, from that port: the music goes to his real RTP port (his RTCP's port less
    the seven), not the port before his RTCP's, and the reports back where his RTCP
    came from."""
    base = pbx.port
    rtcp = RtcpPort(base + 27)
    held, phones = holding_by_update(pbx, tmp_path, UNREACHABLE if behind_nat else HOST, base + 27)
    try:
        source = music_source(pbx)
        desk_rtcp = (source[0], source[1] + 1)
        if behind_nat:
            talking = threading.Thread(
                target=send_reports, args=(rtcp.socket, desk_rtcp, 2.0), daemon=True
            )
            talking.start()
        assert wait_for(lambda: len(held.heard_from(0, source)) > 8000, 5), "a second of it"
        heard = held.heard_from(0, source)
        assert share_at(heard, HOLD_MUSIC_NOTES) > 0.5, share_at(heard, HOLD_MUSIC_NOTES)
        assert wait_for(lambda: (RTCP_SR, desk_rtcp) in rtcp.received, 3), rtcp.received
        (stream,) = pbx.running.media.holds.streams.values()
        session = stream.ports[stream.listener or ""].session
        assert session is not None and session.remote == (HOST, base + 20)
        assert session.rtcp_destination() == ((HOST, base + 27), False)
        # Each report is a compound packet that a WebRTC stack's parser reads: the SR,
        # then the session's CNAME for the same SSRC (RFC 3550 §6.1).
        report = next(data for data in rtcp.datagrams if data[1] == RTCP_SR)
        sr, sdes = RtcpPacket.parse(report)
        assert isinstance(sr, RtcpSrPacket) and isinstance(sdes, RtcpSdesPacket)
        (chunk,) = sdes.chunks
        assert sr.ssrc == chunk.ssrc == session.ssrc
        assert chunk.items == [(1, session.cname.encode())] and len(session.cname) == 16
        if behind_nat:
            assert session.counters.rtcp > 0 and session.counters.latched_to is None
            talking.join(5)
    finally:
        finish(phones, held)
        rtcp.close()


@dataclass(frozen=True)
class HoldState:
    """What the desk does in the call at one moment: who hears the music (None: nobody,
    the phones talk directly) and who holds, by phone ("alice", "bob")."""

    listener: str | None
    holding: frozenset[str]


@pytest.mark.parametrize("held_back", ["recvonly", "inactive"])
def test_two_phones_holding_each_other_each_hear_the_music_while_held(
    pbx,  # noqa: F811
    tmp_path,
    held_back,
):
    """Alice holds Bob, Bob holds back, Alice resumes first, Bob resumes; then Alice
    holds Bob, Bob holds back, Bob resumes first, Alice resumes. Alice answers Bob's
    holds ``recvonly`` (she accepts to receive), or ``inactive`` (as a phone that still
    holds answers, RFC 6337 §5.3: she is sent nothing then, and hears the music once
    she resumes while Bob still holds), and Bob's resume ``sendonly`` while she still
    holds; Bob answers Alice's resume ``sendonly`` while he still holds."""
    base = pbx.port
    phones_media = {"alice": HeldPhone(base + 24), "bob": HeldPhone(base + 20)}
    holds = pbx.running.server.proxy.holds
    assert holds is not None
    timeline: list[tuple[float, HoldState]] = []
    watching = True

    def who(tag: str) -> str:
        return "alice" if "calling" in tag else "bob"

    def watch() -> None:
        """The desk's state every 10 ms, each change with its time."""
        while watching:
            try:
                streams = list(holds.streams.streams.values())
                calls = list(holds.calls.values())
            except RuntimeError:  # changed while read: read again
                continue
            listener = streams[0].listener if streams else None
            holding = frozenset(who(tag) for tag in calls[0].holding) if calls else frozenset()
            state = HoldState(who(listener) if listener else None, holding)
            if not timeline or timeline[-1][1] != state:
                timeline.append((time.monotonic(), state))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    bob = sipp_phone(
        tmp_path,
        "uas_mutual_hold.xml", base + 4, "-mp", str(base + 30), "-key", "user", "202",
        "-key", "rtp_host", HOST, "-key", "rtp_port", str(base + 20),
    )  # fmt: skip
    phones = [bob]
    try:
        assert register(tmp_path, pbx, "202", base + 4, base + 2) == 0
        alice = sipp_phone(
            tmp_path,
            "uac_mutual_hold.xml", base + 6, f"{HOST}:{pbx.port}", "-mp", str(base + 40),
            "-key", "rtp_port", str(base + 24), "-key", "held_back", held_back,
            "-inf", injection_file(tmp_path, *credentials("201", "202").split(";")),
        )  # fmt: skip
        phones.insert(0, alice)
        for phone in phones:
            assert phone.wait(60) == 0, phone.stderr.read().decode() if phone.stderr else ""
    finally:
        watching = False
        watcher.join(2)
        for phone in phones:
            if phone.poll() is None:
                phone.kill()
        for media in phones_media.values():
            media.close()
    ended = time.monotonic()

    alice_holds, bob_holds, both = (
        frozenset({"alice"}),
        frozenset({"bob"}),
        frozenset({"alice", "bob"}),
    )
    nobody = HoldState(None, frozenset())
    expected = [
        nobody,  # the call, before any hold
        HoldState("bob", alice_holds),  # Alice holds Bob
        HoldState("alice", both),  # Bob holds back: his music stops, hers starts
        HoldState("alice", bob_holds),  # Alice resumes first: Bob still holds her
        nobody,  # Bob resumes: the phones talk directly
        HoldState("bob", alice_holds),
        HoldState("alice", both),
        HoldState("bob", alice_holds),  # Bob resumes first: Alice still holds him
        nobody,  # Alice resumes
    ]
    # A state seen for less than 50 ms is one caught between two writes of one change.
    timeline = [
        (at, state)
        for (at, state), (then, _next) in zip(timeline, [*timeline[1:], (ended, None)], strict=True)
        if then - at >= 0.05
    ]
    timeline = [
        entry
        for index, entry in enumerate(timeline)
        if index == 0 or timeline[index - 1][1] != entry[1]
    ]
    assert [state for _at, state in timeline] == expected, "\n".join(map(str, timeline))

    # In each state's time (its first 0.3 s and last 0.1 s left out: the change
    # reaches the sockets within them), the listener hears the chime, the other
    # phone nothing at all; with no listener, neither hears anything, nor while both
    # hold and Alice answered Bob's hold ``inactive``.
    bounds = [at for at, _state in timeline[1:]] + [ended]
    figures = []
    for (start, state), end in zip(timeline[1:], bounds[1:], strict=True):
        window = (start + 0.3, end - 0.1)
        for name, media in phones_media.items():
            packets = [p for p in media.since(window[0]) if p[0] < window[1]]
            silent = held_back == "inactive" and state.holding == both
            if name != state.listener or silent:
                assert not packets, (state, name, len(packets))
                continue
            heard = decode(b"".join(payload for _at, _whence, payload in packets), 0)
            seconds = window[1] - window[0]
            assert len(heard) > 0.8 * 8000 * seconds, (state, len(heard), seconds)
            assert share_at(heard, HOLD_MUSIC_NOTES) > 0.5, (
                state,
                share_at(heard, HOLD_MUSIC_NOTES),
            )
            assert len({whence for _at, whence, _payload in packets}) == 1, state
            figures.append(
                f"{name} held: {len(heard) / 8000:.2f} s of music in {seconds:.2f} s, "
                f"{share_at(heard, HOLD_MUSIC_NOTES):.3f} at the chime's notes"
            )
    assert not pbx.running.media.ports.in_use
    print("\n".join(figures))  # noqa: T201 - the figures docs/pbx.md quotes, with -s
