"""Hold music from the media desk, without rtpengine: a baresip holds a SIPp phone.

Alice's baresip (201) sends a 1 kHz tone and calls Bob (202), a SIPp phone whose media
are a plain UDP socket of the test, which shows every packet and where it came from.
Alice is a member of two companies, each with its own music: the primary one plays.

That Alice's phone receives Bob again after the resume is read from her RTCP reports
about Bob's stream: baresip 1.0 records nothing it decodes once it has held a call and
resumed it (seen in a run with the desk's hold music switched off, too).
"""

from __future__ import annotations

import re
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from officina.accounts.kinds import CompanyRole
from officina.accounts.models import Company, CompanyMembership, Member
from officina.pbx.actions import check_upload_hold_music
from officina.pbx.media.desk import MediaDesk
from officina.pbx.media.g711 import decode, encode
from officina.pbx.models import CallRecord, Extension
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, make_extensions, port_base
from officina.pbx.tests.test_baresip import command, configure, wait_for
from officina.pbx.tests.test_hold_music import music
from officina.pbx.tests.test_rtpengine import share_at
from officina.pbx.tests.test_sipp import SCENARIOS, register
from officina.sip.rtp import RtpStream

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in ("baresip", "sipp", "sox")),
        reason="baresip, SIPp and sox are needed",
    ),
]

PASSWORDS = {"201": "alice-baresip-pw", "202": "callee-secret-2"}


BOB_SSRC = 0xB0B
BOB_FIRST_SEQUENCE = 1000


class HeldPhone:
    """Bob's RTP port: every packet that reaches it, with when and whence; and his RTCP
    port: the highest sequence number of Bob's stream each report about it gives."""

    def __init__(self, port: int) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind((HOST, port))
        self.rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtcp.bind((HOST, port + 1))
        self.packets: list[tuple[float, tuple[str, int], bytes]] = []
        self.reported: list[int] = []  # of Bob's stream, as the reports came
        self._running = True
        self._threads = [
            threading.Thread(target=self._receive, args=(sock, handle), daemon=True)
            for sock, handle in ((self.socket, self._rtp), (self.rtcp, self._report))
        ]
        for thread in self._threads:
            thread.start()

    def _receive(
        self, sock: socket.socket, handle: Callable[[bytes, tuple[str, int]], None]
    ) -> None:
        sock.settimeout(0.2)
        while self._running:
            try:
                data, source = sock.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            handle(data, source)

    def _rtp(self, data: bytes, source: tuple[str, int]) -> None:
        if len(data) > 12 and data[0] >> 6 == 2 and data[1] & 0x7F == 0:  # PCMU RTP
            self.packets.append((time.monotonic(), source, data[12:]))

    def _report(self, data: bytes, _source: tuple[str, int]) -> None:
        """Report blocks of SR (200) and RR (201) packets (RFC 3550 §6.4)."""
        offset = 0
        while offset + 8 <= len(data):
            first, kind, words = struct.unpack_from("!BBH", data, offset)
            blocks = offset + 8 + (20 if kind == 200 else 0)
            if kind in (200, 201):
                for index in range(first & 0x1F):
                    at = blocks + 24 * index
                    if at + 24 > len(data):
                        break
                    ssrc, _lost, highest = struct.unpack_from("!III", data, at)
                    if ssrc == BOB_SSRC:
                        self.reported.append(highest & 0xFFFF)
            offset += 4 * (words + 1)

    def since(self, start: float) -> list[tuple[float, tuple[str, int], bytes]]:
        return [packet for packet in list(self.packets) if packet[0] >= start]

    def heard_from(self, start: float, source: tuple[str, int]) -> np.ndarray:
        payloads = [payload for _at, whence, payload in self.since(start) if whence == source]
        return decode(b"".join(payloads), 0) if payloads else np.zeros(0, dtype=np.int16)

    def talk(self, to: tuple[str, int], seconds: float) -> None:
        """Send ``seconds`` of a 440 Hz tone to ``to`` in PCMU, 20 ms a packet."""
        stream = RtpStream(BOB_SSRC, 0, BOB_FIRST_SEQUENCE)
        t = np.arange(int(8000 * seconds)) / 8000
        tone = encode((12000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16), 0)
        started = time.monotonic()
        for index in range(len(tone) // 160):
            self.socket.sendto(stream.packet(tone[index * 160 : (index + 1) * 160], 160), to)
            time.sleep(max(0.0, started + (index + 1) * 0.02 - time.monotonic()))

    def close(self) -> None:
        self._running = False
        for thread in self._threads:
            thread.join(2)
        self.socket.close()
        self.rtcp.close()


def music_port(desk: MediaDesk) -> int | None:
    """The desk port the music of the one held call comes from, once it plays."""
    streams = list(desk.holds.streams.values())
    if len(streams) != 1 or streams[0].listener is None:
        return None
    return streams[0].ports[streams[0].listener].port


@pytest.fixture
def pbx() -> Iterator[LivePbx]:
    make_extensions(PASSWORDS)
    with live_pbx(port_base() + 70) as running:
        yield running


def company_with_music(
    name: str, member: Member, notes: tuple[float, ...], primary: bool
) -> Company:
    company = Company.objects.create(name=name, slug=name.lower())
    CompanyMembership.objects.create(
        member=member, company=company, role=CompanyRole.OWNER, is_primary=primary
    )
    wav = music(4.0, notes=notes)
    check_upload_hold_music(company, SimpleUploadedFile("theme.wav", wav))
    return company


def test_a_baresip_holds_a_sipp_phone_which_hears_the_companys_music_then_alice(pbx, tmp_path):
    alice = Extension.objects.get(number="201").member
    assert alice is not None
    # Alice joined the other company first; the studio is the one she marked primary.
    company_with_music("Other", alice, (1500.0,), primary=False)
    company_with_music("Studio", alice, (600.0, 900.0), primary=True)
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(tmp_path / "tone.wav"),
         "synth", "40", "sine", "1000", "vol", "0.5"],
        check=True,
    )  # fmt: skip
    base = pbx.port
    sipp_port, rtp_port = base + 4, base + 20
    assert register(tmp_path, pbx, "202", sipp_port, base + 2) == 0
    held = HeldPhone(rtp_port)
    bob = subprocess.Popen(
        ["sipp", "-sf", str(SCENARIOS / "uas_held.xml"), "-i", HOST, "-p", str(sipp_port),
         "-m", "1", "-nostdin", "-trace_msg", "-trace_err", "-timeout", "90s",
         "-timeout_error", "-key", "rtp_port", str(rtp_port)],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    home = tmp_path / "alice"
    configure(home, "201", pbx, base + 6, base + 8, base + 10)
    log = (tmp_path / "alice.log").open("w")
    phone = subprocess.Popen(
        ["baresip", "-f", str(home), "-t", "90"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    desk = pbx.running.media
    try:
        assert wait_for(lambda: "200 OK" in (tmp_path / "alice.log").read_text(errors="replace"))
        command(base + 8, "dial", f"sip:202@{HOST}:{pbx.port}")
        assert wait_for(lambda: CallRecord.objects.filter(outcome="answered").exists())
        # Before the hold: Alice's tone, straight from her phone.
        assert wait_for(lambda: len(held.packets) > 50), "Bob receives Alice's RTP"
        alice_address = held.packets[-1][1]
        assert alice_address[1] in range(base + 10, base + 20)

        command(base + 8, "hold")
        assert wait_for(lambda: music_port(desk) is not None, 20), "the desk plays to Bob"
        (stream,) = desk.holds.streams.values()
        port = music_port(desk)
        assert port is not None
        desk_address = (HOST, port)
        assert wait_for(lambda: len(held.heard_from(0, desk_address)) > 8000, 20), (
            "a second of music from the desk"
        )
        start = time.monotonic()
        time.sleep(3)
        on_hold = held.heard_from(start, desk_address)
        assert len(on_hold) > 8000, len(on_hold)  # about 3 s of it (the clock may skip)
        assert share_at(on_hold, (600, 900)) > 0.5, share_at(on_hold, (600, 900))
        assert share_at(on_hold, (1500,)) < 0.05  # not the other company's
        assert share_at(on_hold, (1000,)) < 0.05  # nor Alice's tone
        assert held.heard_from(start, alice_address).size == 0, "Alice's stream went to the desk"
        print(  # noqa: T201 - the figures docs/pbx.md quotes, with -s
            f"held: {len(on_hold) / 8000:.2f} s of music in 3 s, "
            f"{share_at(on_hold, (600, 900)):.3f} of it at 600+900 Hz, "
            f"{share_at(on_hold, (1500,)):.4f} at 1500 Hz, "
            f"{share_at(on_hold, (1000,)):.4f} at 1 kHz"
        )

        command(base + 8, "resume")
        # (The desk's loop drops the stream, then releases its ports: wait for both.)
        held_ports = {held_port.port for held_port in stream.ports.values()}
        assert wait_for(
            lambda: not desk.holds.streams and not held_ports & desk.ports.in_use, 20
        ), "the resume freed the port"
        resumed = time.monotonic()
        assert wait_for(lambda: len(held.heard_from(resumed, alice_address)) > 8000, 20)
        again = held.heard_from(resumed, alice_address)
        assert share_at(again, (1000,)) > 0.5, "Bob hears Alice again"
        after = held.since(resumed + 0.5)  # the music stopped with the resume's answer
        assert after and {whence for _at, whence, _payload in after} == {alice_address}
        held.talk(alice_address, 3.0)  # and Alice receives Bob: her reports say so
        assert wait_for(
            lambda: any(highest >= BOB_FIRST_SEQUENCE + 140 for highest in held.reported), 20
        ), held.reported
        print(  # noqa: T201
            f"resumed: {share_at(again, (1000,)):.3f} of Bob's audio at Alice's 1 kHz; "
            f"Alice's highest sequence received: {max(held.reported) - BOB_FIRST_SEQUENCE + 1} "
            "of Bob's 150 packets"
        )

        command(base + 8, "hold")  # held again, and hung up while held: the BYE frees it
        assert wait_for(lambda: bool(desk.holds.streams), 20)
        command(base + 8, "hangup")
        assert wait_for(lambda: CallRecord.objects.filter(ended_at__isnull=False).exists())
        assert wait_for(lambda: not desk.holds.streams, 5)
        assert bob.wait(30) == 0, bob.stderr.read().decode() if bob.stderr else ""
    finally:
        phone.terminate()
        phone.wait(10)
        log.close()
        if bob.poll() is None:
            bob.kill()
        held.close()
    assert desk.holds.stats["held"] == 2 and not desk.ports.in_use
    # What the SIPp phone was offered while held: the desk's port, sendonly, a new version.
    messages = "\n".join(p.read_text() for p in tmp_path.glob("*uas_held*messages.log"))
    offers = re.findall(r"INVITE sip:.*?(?=\n\n\n|\Z)", messages, re.S)
    hold_offer = next(offer for offer in offers if "a=sendonly" in offer)
    assert f"m=audio {port} RTP/AVP" in hold_offer
    assert f"c=IN IP4 {HOST}" in hold_offer
    # Each description Bob got from Alice's side has a higher version than the last.
    versions = [int(re.findall(r"o=\S+ \S+ (\d+)", offer)[0]) for offer in offers]
    assert len(versions) == 4 and versions == sorted(set(versions)), versions
