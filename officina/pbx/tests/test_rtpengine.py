"""The NG client against a real rtpengine (Debian's, userspace): a browser's SDP made fit
for a SIP phone and back, plain RTP relayed, refusals and silence."""

from __future__ import annotations

import asyncio
import shutil
import socket
import struct
import threading
import time
from collections.abc import Coroutine, Iterable, Iterator
from typing import Any, TypeVar

import numpy as np
import pytest

from officina.pbx.anchoring import HOLD_MUSIC_NOTES, MediaAnchor
from officina.pbx.media.g711 import decode, encode
from officina.pbx.rtpengine import Leg, RtpEngine, RtpEngineError, ng_address
from officina.pbx.tests.livepbx import HOST, port_base, running_rtpengine
from officina.voicemail.sound import wav_bytes

pytestmark = pytest.mark.realpeer

T = TypeVar("T")

# What Chromium offers for an audio call once its candidates are gathered, as JsSIP sends
# it (trimmed to what matters here).
BROWSER_OFFER = (
    b"v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    b"a=group:BUNDLE 0\r\na=msid-semantic: WMS\r\n"
    b"m=audio 50000 UDP/TLS/RTP/SAVPF 111 0 8 126\r\nc=IN IP4 127.0.0.1\r\n"
    b"a=rtcp:9 IN IP4 0.0.0.0\r\n"
    b"a=candidate:1 1 udp 2113937151 127.0.0.1 50000 typ host generation 0\r\n"
    b"a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    b"a=fingerprint:sha-256 11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:"
    b"55:66:77:88:99:AA:BB:CC:DD:EE:FF:00\r\n"
    b"a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n"
    b"a=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
    b"a=rtpmap:126 telephone-event/8000\r\n"
)


def plain_sdp(port: int) -> bytes:
    """What baresip answers or offers: RTP/AVP, G.711, no ICE, no DTLS."""
    return (
        f"v=0\r\no=baresip 1 2 IN IP4 {HOST}\r\ns=-\r\nc=IN IP4 {HOST}\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
    ).encode()


def media_port(sdp: bytes) -> int:
    (line,) = [line for line in sdp.decode().split("\r\n") if line.startswith("m=audio ")]
    return int(line.split()[1])


@pytest.fixture
def rtpengine() -> Iterator[str]:
    if shutil.which("rtpengine") is None:
        pytest.skip("rtpengine is not installed")
    with running_rtpengine(port_base() + 80, port_base() + 82, port_base() + 99) as url:
        yield url


async def started(url: str) -> RtpEngine:
    engine = RtpEngine(url)
    await engine.start()
    return engine


async def test_a_browser_offer_is_made_plain_and_the_phone_answer_made_webrtc(rtpengine):
    engine = await started(rtpengine)
    try:
        to_phone = (await engine.offer("call-1", "browser", BROWSER_OFFER, Leg.PLAIN)).decode()
        assert "m=audio" in to_phone and " RTP/AVP " in to_phone
        for webrtc_only in ("a=ice-ufrag", "a=fingerprint", "a=candidate", "SAVPF"):
            assert webrtc_only not in to_phone
        assert f"c=IN IP4 {HOST}" in to_phone and "a=sendrecv" in to_phone
        assert port_base() + 82 <= media_port(to_phone.encode()) <= port_base() + 99

        to_browser = (
            await engine.answer("call-1", "browser", "phone", plain_sdp(30000), Leg.WEBRTC)
        ).decode()
        assert " UDP/TLS/RTP/SAVPF " in to_browser
        for webrtc_needs in ("a=ice-ufrag", "a=fingerprint:sha-256", "a=candidate", "a=rtcp-mux"):
            assert webrtc_needs in to_browser
        assert "a=rtpmap:0 PCMU/8000" in to_browser

        assert (await engine.delete("call-1", "browser"))["result"] == "ok"
    finally:
        engine.close()


async def test_a_phone_offer_is_made_webrtc_for_a_browser(rtpengine):
    engine = await started(rtpengine)
    try:
        to_browser = (await engine.offer("call-2", "phone", plain_sdp(30002), Leg.WEBRTC)).decode()
        assert " UDP/TLS/RTP/SAVPF " in to_browser
        assert "a=setup:actpass" in to_browser and "a=ice-pwd" in to_browser
        await engine.delete("call-2", "phone")
    finally:
        engine.close()


async def test_rtp_between_two_plain_legs_is_relayed(rtpengine):
    caller = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    callee = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for leg in (caller, callee):
        leg.bind((HOST, 0))
        leg.settimeout(2)
    engine = await started(rtpengine)
    try:
        caller_port, callee_port = caller.getsockname()[1], callee.getsockname()[1]
        offer = await engine.offer("call-3", "a", plain_sdp(caller_port), Leg.PLAIN)
        answer = await engine.answer("call-3", "a", "b", plain_sdp(callee_port), Leg.PLAIN)
        silence = b"\xff" * 160  # 20 ms of PCMU silence
        for sequence in range(5):
            header = struct.pack("!BBHII", 0x80, 0, sequence, sequence * 160, 0x1234)
            caller.sendto(header + silence, (HOST, media_port(answer)))
            callee.sendto(header + silence, (HOST, media_port(offer)))
        heard_by_callee, _ = await asyncio.to_thread(callee.recvfrom, 2048)
        heard_by_caller, _ = await asyncio.to_thread(caller.recvfrom, 2048)
        assert heard_by_callee.endswith(silence) and heard_by_caller.endswith(silence)
        totals = await engine.delete("call-3", "a")
        assert totals["result"] == "ok"
    finally:
        engine.close()
        caller.close()
        callee.close()


async def test_an_ack_answering_a_late_offer_is_rewritten_once_for_its_retransmissions(
    rtpengine,
):
    """A browser's INVITE without SDP: the phone offers in its 200 (made WebRTC for the
    browser), the browser answers in its ACK (made plain for the phone). A retransmitted
    ACK gets the same SDP without another command; an ACK of another INVITE is not
    taken for it."""
    anchor = MediaAnchor(await started(rtpengine))
    try:
        rewritten_offer = await anchor.offer_in_response(
            "call-late", 2, ("phone", "browser"), plain_sdp(30004), (Leg.WEBRTC, Leg.PLAIN)
        )
        assert b" UDP/TLS/RTP/SAVPF " in rewritten_offer
        sent: list[bytes] = []
        browser_answer = BROWSER_OFFER.replace(b"a=setup:actpass", b"a=setup:active")
        assert anchor.answer_in_ack("call-late", 2, browser_answer, sent.append)
        for _ in range(100):
            if sent:
                break
            await asyncio.sleep(0.01)
        (to_phone,) = sent
        assert b" RTP/AVP " in to_phone and b"a=fingerprint" not in to_phone
        assert port_base() + 82 <= media_port(to_phone) <= port_base() + 99
        assert anchor.answer_in_ack("call-late", 2, browser_answer, sent.append)
        assert sent == [to_phone, to_phone]  # at once, the same
        assert not anchor.answer_in_ack("call-late", 3, browser_answer, sent.append)
        anchor.end("call-late")
        assert not anchor.answer_in_ack("call-late", 2, browser_answer, sent.append)
    finally:
        anchor.close()


async def test_an_sdp_rtpengine_cannot_read_is_refused(rtpengine):
    engine = await started(rtpengine)
    try:
        with pytest.raises(RtpEngineError):
            await engine.offer("call-4", "a", b"this is no SDP", Leg.PLAIN)
    finally:
        engine.close()


async def test_silence_is_an_error_after_the_retries():
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind((HOST, 0))  # bound, never answering
    engine = await started(f"udp://{HOST}:{silent.getsockname()[1]}")
    try:
        started_at = time.monotonic()
        with pytest.raises(RtpEngineError, match="did not answer"):
            await engine.ping()
        assert time.monotonic() - started_at >= 1.0  # three tries, not one
    finally:
        engine.close()
        silent.close()


@pytest.mark.parametrize("url", ["tcp://127.0.0.1:2223", "udp://127.0.0.1", "udp://:2223"])
def test_only_a_udp_address_names_rtpengine(url):
    with pytest.raises(ValueError, match="NG address"):
        ng_address(url)


def test_a_bare_host_and_port_is_udp():
    assert ng_address("127.0.0.1:2223") == ("127.0.0.1", 2223)


# A browser's end of a call without SIP: its offer and answer go through the test.
BROWSER_PEER = """async () => {
  const context = new AudioContext();
  const tone = context.createOscillator();
  const output = context.createMediaStreamDestination();
  tone.connect(output);
  tone.start();
  const peer = new RTCPeerConnection({ iceServers: [] });
  peer.addTrack(output.stream.getAudioTracks()[0], output.stream);
  await peer.setLocalDescription(await peer.createOffer());
  await new Promise((done) => {
    if (peer.iceGatheringState === "complete") return done();
    peer.addEventListener("icegatheringstatechange", () => {
      if (peer.iceGatheringState === "complete") done();
    });
  });
  window.peer = peer;
  return peer.localDescription.sdp;
}"""
AUDIO_BYTES = """async () => {
  let received = 0, sent = 0;
  (await window.peer.getStats()).forEach((entry) => {
    if (entry.type === "inbound-rtp" && entry.kind === "audio") received += entry.bytesReceived;
    if (entry.type === "outbound-rtp" && entry.kind === "audio") sent += entry.bytesSent;
  });
  return [received, sent];
}"""


@pytest.mark.browser
def test_a_browser_and_a_plain_rtp_phone_hear_each_other_through_rtpengine(rtpengine, browser):
    """Chromium (ICE, DTLS-SRTP) on one side, a plain RTP/AVP socket on the other:
    rtpengine bridges them, and audio arrives both ways."""
    phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    phone.bind((HOST, 0))
    phone.settimeout(5)
    page = browser.new_context().new_page()
    engine = RtpEngine(rtpengine)
    # Playwright's sync API holds this thread's event loop: the client gets its own.
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(10)

    try:
        run(engine.start())
        browser_offer = page.evaluate(BROWSER_PEER).replace("\n", "\r\n").replace("\r\r", "\r")
        to_phone = run(engine.offer("call-5", "browser", browser_offer.encode(), Leg.PLAIN))
        assert b" RTP/AVP " in to_phone
        to_browser = run(
            engine.answer(
                "call-5", "browser", "phone", plain_sdp(phone.getsockname()[1]), Leg.WEBRTC
            )
        )
        page.evaluate(
            "sdp => window.peer.setRemoteDescription({ type: 'answer', sdp })", to_browser.decode()
        )
        # The phone hears the browser: plain RTP, PCMU (the only codec the phone offered).
        packet, _ = phone.recvfrom(2048)
        assert packet[0] >> 6 == 2 and packet[1] & 0x7F == 0
        # The browser hears the phone: a second of PCMU sent to rtpengine's plain side.
        tone = bytes([0x00, 0x80] * 80)
        for sequence in range(50):
            header = struct.pack("!BBHII", 0x80, 0, sequence, sequence * 160, 0x4321)
            phone.sendto(header + tone, (HOST, media_port(to_phone)))
            time.sleep(0.02)
        page.wait_for_function(
            "async () => { const [r] = await (" + AUDIO_BYTES + ")(); return r > 0; }"
        )
        received, sent = page.evaluate(AUDIO_BYTES)
        assert received > 0 and sent > 0
        run(engine.delete("call-5", "browser"))
    finally:
        loop.call_soon_threadsafe(engine.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
        phone.close()


def share_at(samples: np.ndarray, notes: Iterable[float]) -> float:
    """The share of the samples' energy at ``notes`` (Hz)."""
    power = np.abs(np.fft.rfft(samples.astype(np.float64))) ** 2
    frequencies = np.fft.rfftfreq(len(samples), 1 / 8000)
    near = np.zeros_like(power, dtype=bool)
    for note in notes:
        near |= np.abs(frequencies - note) < 8
    return float(power[near].sum() / power.sum())


def chime_share(samples: np.ndarray) -> float:
    """The share of the samples' energy at the notes of the default hold music."""
    return share_at(samples, HOLD_MUSIC_NOTES)


async def heard(phone: socket.socket, seconds: float) -> np.ndarray:
    """What reaches ``phone`` (PCMU RTP) in ``seconds``, decoded."""
    phone.setblocking(False)
    loop = asyncio.get_running_loop()
    samples = []
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        try:
            packet = phone.recv(2048)
        except BlockingIOError:
            await asyncio.sleep(0.005)
            continue
        if packet[1] & 0x7F == 0:
            samples.append(decode(packet[12:], 0))
    return np.concatenate(samples) if samples else np.zeros(0)


async def test_a_held_phone_hears_the_hold_music_instead_of_the_other_side(rtpengine):
    """Hold through rtpengine's play media / block media: the held phone gets the chime,
    not what the holder keeps sending; after resume, the holder again."""
    holder, held = (socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2))
    for phone in (holder, held):
        phone.bind((HOST, 0))
    anchor = MediaAnchor(await started(rtpengine))
    try:
        await anchor.engine.offer("call-6", "a", plain_sdp(holder.getsockname()[1]), Leg.PLAIN)
        answer = await anchor.engine.answer(
            "call-6", "a", "b", plain_sdp(held.getsockname()[1]), Leg.PLAIN
        )
        stop = asyncio.Event()

        async def holder_talks() -> None:  # a 1 kHz tone, all along
            tone = encode((8000 * np.sin(2 * np.pi * 1000 * np.arange(160) / 8000)), 0)
            sequence = 0
            while not stop.is_set():
                header = struct.pack("!BBHII", 0x80, 0, sequence, sequence * 160, 0x1234)
                holder.sendto(header + tone, (HOST, media_port(answer)))
                sequence += 1
                await asyncio.sleep(0.02)

        talking = asyncio.create_task(holder_talks())
        before = await heard(held, 1.0)
        anchor.hold("call-6", held_tag="b", holder_tag="a")
        await asyncio.sleep(0.3)
        on_hold = await heard(held, 2.0)
        anchor.resume("call-6")
        await asyncio.sleep(0.3)
        after = await heard(held, 1.0)
        stop.set()
        await talking
        assert len(before) and chime_share(before) < 0.01  # the holder's tone
        assert len(on_hold) > 8000 and chime_share(on_hold) > 0.5, chime_share(on_hold)
        assert len(after) and chime_share(after) < 0.01
        assert anchor.held == {}
    finally:
        anchor.close()
        holder.close()
        held.close()


async def test_a_held_phone_hears_the_holders_company_music(rtpengine, tmp_path):
    """A company's own music (a file as the upload leaves it: 8 kHz 16-bit mono WAV, here
    600 + 900 Hz) is what the held phone hears when one of its people holds; a holder whose
    company has none plays the chime."""
    t = np.arange(8000 * 6) / 8000
    chord = 6000 * (np.sin(2 * np.pi * 600 * t) + np.sin(2 * np.pi * 900 * t))
    company_music = tmp_path / "music.wav"
    company_music.write_bytes(wav_bytes(chord.astype(np.int16)))
    files = {"202": str(company_music)}
    holder, held = (socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2))
    for phone in (holder, held):
        phone.bind((HOST, 0))
    anchor = MediaAnchor(await started(rtpengine), hold_music_file=files.get)
    try:
        await anchor.engine.offer("call-7", "a", plain_sdp(holder.getsockname()[1]), Leg.PLAIN)
        answer = await anchor.engine.answer(
            "call-7", "a", "b", plain_sdp(held.getsockname()[1]), Leg.PLAIN
        )
        silence = encode(np.zeros(160, dtype=np.int16), 0)
        for sequence in range(10):  # the holder's RTP, so rtpengine knows where it is
            header = struct.pack("!BBHII", 0x80, 0, sequence, sequence * 160, 0x1234)
            holder.sendto(header + silence, (HOST, media_port(answer)))
        anchor.hold("call-7", held_tag="b", holder_tag="a", holder_number="202")
        await asyncio.sleep(0.3)
        on_hold = await heard(held, 2.0)
        anchor.resume("call-7")
        anchor.hold("call-7", held_tag="b", holder_tag="a", holder_number="203")  # no music
        await asyncio.sleep(0.3)
        chime = await heard(held, 2.0)
        anchor.resume("call-7")
        await asyncio.sleep(0.3)
        assert len(on_hold) > 8000, len(on_hold)
        assert share_at(on_hold, (600, 900)) > 0.5, share_at(on_hold, (600, 900))
        assert chime_share(on_hold) < 0.05
        assert len(chime) > 8000 and chime_share(chime) > 0.5, chime_share(chime)
        assert anchor.held == {}
    finally:
        anchor.close()
        holder.close()
        held.close()
