"""Hold music from the media desk: the descriptions the proxy rewrites, their versions,
and the desk's hold ports (music on the clock to the listener, latched to its RTP, freed
after silence).

The real call (a baresip holding a SIPp phone) is in ``test_hold_music_desk.py``.
"""

from __future__ import annotations

import asyncio
import socket
import struct

import numpy as np

from officina.pbx.anchoring import HOLD_MUSIC_NOTES
from officina.pbx.hold import HeldCall, desk_answer, held_offer
from officina.pbx.media.g711 import decode, encode
from officina.pbx.media.hold import HoldStreams
from officina.pbx.media.ports import MediaPorts
from officina.pbx.media.session import RtpSession
from officina.pbx.tests.test_rtpengine import share_at
from officina.sip.rtp import RtpStream
from officina.sip.sdp import DIRECTIONS, SessionDescription, audio_agreement

DESK = "192.0.2.10"

# The RFC 2543 way: the connection address 0.0.0.0, with video, G.722 and RTCP's port.
OLD_HOLD = b"""v=0\r
o=alice 7 12 IN IP4 198.51.100.1\r
s=-\r
c=IN IP4 0.0.0.0\r
t=0 0\r
m=audio 4000 RTP/AVP 9 0 8 101\r
a=rtpmap:9 G722/8000\r
a=rtpmap:0 PCMU/8000\r
a=rtpmap:8 PCMA/8000\r
a=rtpmap:101 telephone-event/8000\r
a=fmtp:101 0-16\r
a=rtcp:4009\r
a=sendrecv\r
m=video 4002 RTP/AVP 96\r
a=rtpmap:96 H264/90000\r
"""


def answer_of(version: int, address: str = "198.51.100.2", direction: str = "recvonly") -> bytes:
    return (
        f"v=0\r\no=bob 3 {version} IN IP4 {address}\r\ns=-\r\nc=IN IP4 {address}\r\nt=0 0\r\n"
        f"m=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na={direction}\r\n"
        "m=video 0 RTP/AVP 96\r\n"
    ).encode()


def test_the_held_party_is_offered_the_desks_port_sending_g711_only():
    rewritten = held_offer(OLD_HOLD, DESK, 30010)
    assert rewritten is not None
    offer = SessionDescription.parse(rewritten)
    audio, video = offer.media
    assert offer.media_address(0) == (DESK, 30010)
    assert offer.connection_address == DESK  # nothing names 0.0.0.0 any more
    assert audio.direction == "sendonly" and offer.direction == "sendrecv"
    assert audio.formats == ["0", "8", "101"]  # G.722 left out: the desk speaks G.711
    assert [codec.name for codec in audio.codecs()] == ["PCMU", "PCMA", "telephone-event"]
    assert audio.attribute("rtcp") is None  # RTCP goes to the desk's next port
    assert video.port == 0
    # The origin is the holder's: its session and address stay, its version is renumbered
    # when delivered (below).
    assert offer.origin.username == "alice" and offer.origin.session_id == "7"


def test_an_inactive_offer_becomes_sendonly_and_other_media_are_not_taken():
    inactive = OLD_HOLD.replace(b"0.0.0.0", b"198.51.100.1").replace(b"a=sendrecv", b"a=inactive")
    rewritten = held_offer(inactive, DESK, 30010)
    assert rewritten is not None
    assert SessionDescription.parse(rewritten).media[0].direction == "sendonly"
    g729 = OLD_HOLD.replace(b"m=audio 4000 RTP/AVP 9 0 8 101", b"m=audio 4000 RTP/AVP 18")
    assert held_offer(g729, DESK, 30010) is None  # no G.711 to play in
    srtp = OLD_HOLD.replace(b"RTP/AVP 9 0 8", b"RTP/SAVP 9 0 8")
    assert held_offer(srtp, DESK, 30010) is None  # keys the desk does not hold
    assert held_offer(b"not sdp", DESK, 30010) is None


def test_the_holder_is_answered_with_the_desks_port_as_the_held_party_chose():
    answer = SessionDescription.parse(answer_of(4))
    at_desk = desk_answer(answer, DESK, 30010)
    assert at_desk is not None
    assert at_desk.media_address(0) == (DESK, 30010)
    assert at_desk.media[0].direction == "recvonly" and at_desk.media[1].port == 0
    refused = SessionDescription.parse(answer_of(4).replace(b"audio 5000", b"audio 0"))
    assert desk_answer(refused, DESK, 30010) is None


def test_while_the_other_phone_holds_an_offer_and_its_answer_make_the_desk_play_to_its_author():
    """The held phone resumes (or offers anything) while the other still holds: the
    holder is offered the desk ``recvonly``, and its answer says the desk sends."""
    resume = OLD_HOLD.replace(b"c=IN IP4 0.0.0.0", b"c=IN IP4 198.51.100.1")
    rewritten = held_offer(resume, DESK, 30012, "recvonly")
    assert rewritten is not None
    offer = SessionDescription.parse(rewritten)
    assert offer.media_address(0) == (DESK, 30012) and offer.media[0].direction == "recvonly"
    holding = SessionDescription.parse(answer_of(5, direction="sendonly"))
    at_desk = desk_answer(holding, DESK, 30010, "sendonly")
    assert at_desk is not None
    assert at_desk.media_address(0) == (DESK, 30010) and at_desk.media[0].direction == "sendonly"
    assert [value for kind, value in at_desk.media[0].lines if value in DIRECTIONS] == ["sendonly"]


def test_a_rewritten_description_gets_a_version_its_receiver_has_not_seen():
    call = HeldCall()

    def delivered(body: bytes, *, rewritten: bool) -> int:
        description = SessionDescription.parse(body)
        if rewritten:
            description = desk_answer(description, DESK, 30010) or description
        out = call.deliver("bob", description, rewritten=rewritten)
        return SessionDescription.parse(out).origin.session_version

    # An old phone answers the hold with its first answer again (version 4): the holder
    # must see the desk's port as a change, so a version above 4.
    assert delivered(answer_of(4, direction="sendrecv"), rewritten=True) == 5
    assert delivered(answer_of(4, direction="sendrecv"), rewritten=True) == 5  # unchanged
    # The resume's answer is the phone's first one again: content changed since version 5.
    assert delivered(answer_of(4, direction="sendrecv"), rewritten=False) == 6
    assert delivered(answer_of(4, direction="sendrecv"), rewritten=False) == 6
    assert delivered(answer_of(9), rewritten=False) == 9  # the author's own, when higher
    assert delivered(answer_of(9, address="198.51.100.3"), rewritten=False) == 10


def received(phone: socket.socket) -> np.ndarray:
    """What reached ``phone`` so far, decoded (PCMU)."""
    samples = [np.zeros(0, dtype=np.int16)]
    while True:
        try:
            samples.append(decode(phone.recv(2048)[12:], 0))
        except BlockingIOError:
            return np.concatenate(samples)


async def test_the_desk_plays_the_chime_to_the_listener_and_frees_its_ports_after_silence():
    phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    phone.bind(("127.0.0.1", 0))
    phone.setblocking(False)
    ports = MediaPorts("127.0.0.1", 39000, 39099)
    holds = HoldStreams(ports, media_timeout=5.0)
    loop = asyncio.get_running_loop()
    try:
        port = holds.open("call-1", "bob", holder_number="")  # no holder's company: the chime
        holder_port = holds.open("call-1", "alice", holder_number="")
        assert holds.open("call-1", "bob", holder_number="") == port  # opened once
        answer = SessionDescription.parse(
            answer_of(1, address="127.0.0.1").replace(b"5000", str(phone.getsockname()[1]).encode())
        )
        assert holds.start("call-1", "bob", audio_agreement(answer, answer))
        stream = holds.streams["call-1"]
        bobs = stream.ports["bob"]
        for _ in range(200):  # the music is loaded in the loop's executor
            if bobs.music is not None and bobs.session is not None:
                break
            await asyncio.sleep(0.01)
        start = loop.time()
        for tick in range(150):  # three seconds of the clock, the chime's first notes
            holds.tick(start + 0.02 * tick)
        await asyncio.sleep(0.2)
        heard = received(phone)
        assert len(heard) == 150 * 160  # and nothing from the holder's port
        assert share_at(heard, HOLD_MUSIC_NOTES) > 0.5

        # The holder's stream and the held phone's RTCP keep the ports; silence frees them.
        phone.sendto(b"\x80\x00" + b"\x00" * 170, ("127.0.0.1", holder_port))
        await asyncio.sleep(0.1)
        session = stream.ports["alice"].session
        assert session is not None and session.heard_at is not None
        holds.tick(session.heard_at + 4.0)
        assert "call-1" in holds.streams
        holds.tick(session.heard_at + 5.5)
        assert "call-1" not in holds.streams and not {port, holder_port} & ports.in_use
        assert holds.stats["timed_out"] == 1
    finally:
        holds.close_all()
        phone.close()


async def test_the_music_follows_the_held_phones_rtp_rather_than_its_description():
    """A held phone behind NAT names an address nobody reaches; its RTP, from its real
    socket, says where the music must go (latching, RFC 4961)."""
    phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    phone.bind(("127.0.0.1", 0))
    phone.setblocking(False)
    ports = MediaPorts("127.0.0.1", 39000, 39099)
    holds = HoldStreams(ports)
    loop = asyncio.get_running_loop()
    try:
        port = holds.open("call-1", "bob", holder_number="")
        holds.open("call-1", "alice", holder_number="")
        answer = SessionDescription.parse(answer_of(1, address="192.0.2.33"))
        assert holds.start("call-1", "bob", audio_agreement(answer, answer))
        bobs = holds.streams["call-1"].ports["bob"]
        for _ in range(200):
            if bobs.music is not None and bobs.session is not None:
                break
            await asyncio.sleep(0.01)
        start = loop.time()
        for tick in range(25):
            holds.tick(start + 0.02 * tick)
        await asyncio.sleep(0.1)
        assert received(phone).size == 0  # sent to 192.0.2.33:5000 meanwhile

        keepalive = RtpStream(0xB0B, 0, 1).packet(encode(np.zeros(160, dtype=np.int16), 0), 160)
        phone.sendto(keepalive, ("127.0.0.1", port))
        await asyncio.sleep(0.1)
        assert bobs.session is not None
        assert bobs.session.counters.latched_to == phone.getsockname()
        for tick in range(25, 75):
            holds.tick(start + 0.02 * tick)
        await asyncio.sleep(0.1)
        assert len(received(phone)) == 50 * 160
    finally:
        holds.close_all()
        phone.close()


async def test_a_held_phones_rtcp_says_where_its_rtp_goes_till_rtp_comes():
    """A held phone behind NAT that sends only RTCP: its first report, from an address
    other than its description's, has the RTP go to the port before the report's; a
    stranger's report after it is foreign; the phone's RTP, when it comes, latches."""

    def udp(host: str = "127.0.0.1") -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((host, 0))
        return sock

    phone_rtcp, stranger, phone_rtp = udp(), udp("127.0.0.2"), udp()
    ports = MediaPorts("127.0.0.1", 39000, 39099)
    rtp, rtcp = ports.open()
    answer = SessionDescription.parse(answer_of(1, address="192.0.2.33"))
    session = RtpSession(rtp, rtcp, audio_agreement(answer, answer), lambda _digit: None)
    await session.start()
    report = struct.pack("!BBHI", 0x80, 201, 1, 0xB0B)
    try:
        assert session.remote == ("192.0.2.33", 5000)
        phone_rtcp.sendto(report, ("127.0.0.1", session.local_port + 1))
        await asyncio.sleep(0.1)
        assert session.remote == ("127.0.0.1", phone_rtcp.getsockname()[1] - 1)
        assert session.counters.rtcp == 1 and session.counters.latched_to is None
        stranger.sendto(report, ("127.0.0.1", session.local_port))  # muxed, and too late
        await asyncio.sleep(0.1)
        assert session.remote == ("127.0.0.1", phone_rtcp.getsockname()[1] - 1)
        assert session.counters.foreign == 1 and session.counters.rtcp == 1
        keepalive = RtpStream(0xB0B, 0, 1).packet(encode(np.zeros(160, dtype=np.int16), 0), 160)
        phone_rtp.sendto(keepalive, ("127.0.0.1", session.local_port))
        await asyncio.sleep(0.1)
        assert session.counters.latched_to == phone_rtp.getsockname()
        assert session.remote == phone_rtp.getsockname()
        # A new offer/answer: the description's address again, till RTCP or RTP says.
        session.agree(audio_agreement(answer, answer))
        assert session.remote == ("192.0.2.33", 5000)
    finally:
        session.close()
        ports.release(session.local_port)
        for sock in (phone_rtcp, stranger, phone_rtp):
            sock.close()


async def test_the_address_a_new_description_names_takes_the_latch_back():
    """The desk's leg was held: the PBX's hold music came to it from a port of its own.
    The resume names the phone's address again, but a music packet still on its way
    arrives first and latches. The phone's own RTP, from the very address its new
    description names, takes the latch back and is heard; what the music's port sends
    after that is foreign."""
    music = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    music.bind(("127.0.0.1", 0))
    phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    phone.bind(("127.0.0.1", 0))
    ports = MediaPorts("127.0.0.1", 39100, 39199)
    rtp, rtcp = ports.open()

    def naming(sock: socket.socket) -> SessionDescription:
        host, port = sock.getsockname()
        return SessionDescription.parse(
            answer_of(1, address=host, direction="sendrecv").replace(
                b"m=audio 5000", f"m=audio {port}".encode()
            )
        )

    held = naming(music)
    session = RtpSession(rtp, rtcp, audio_agreement(held, held), lambda _digit: None)
    await session.start()
    silence = encode(np.zeros(160, dtype=np.int16), 0)
    music_stream, phone_stream = RtpStream(0x4D05, 0, 1), RtpStream(0xB0B, 0, 1)
    to_desk = ("127.0.0.1", session.local_port)
    try:
        music.sendto(music_stream.packet(silence, 160), to_desk)
        await asyncio.sleep(0.05)
        assert session.counters.latched_to == music.getsockname()
        resumed = naming(phone)
        session.agree(audio_agreement(resumed, resumed))
        music.sendto(music_stream.packet(silence, 160), to_desk)  # late, latches first
        await asyncio.sleep(0.05)
        assert session.counters.latched_to == music.getsockname()
        phone.sendto(phone_stream.packet(silence, 160), to_desk)
        await asyncio.sleep(0.05)
        assert session.counters.latched_to == phone.getsockname()
        assert session.remote == phone.getsockname()
        music.sendto(music_stream.packet(silence, 160), to_desk)
        await asyncio.sleep(0.05)
        assert session.counters.foreign == 1
        assert session.counters.latched_to == phone.getsockname()
    finally:
        session.close()
        ports.release(session.local_port)
        music.close()
        phone.close()
