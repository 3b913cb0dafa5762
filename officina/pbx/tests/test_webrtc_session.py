"""A browser's leg, against aiortc as the browser: the answer names one host candidate on
the media range's address and port, audio goes both ways through ICE and DTLS-SRTP
(a tone each way, in Opus and in PCMA), and offers it cannot answer are refused."""

from __future__ import annotations

import asyncio
import fractions
import socket

import numpy as np
import pytest
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from av import AudioFrame

from officina.pbx.media.g711 import decode, encode
from officina.pbx.media.ports import MediaPorts
from officina.pbx.media.webrtc import WebRtcRefused, WebRtcSession, webrtc_offered
from officina.pbx.tests.livepbx import port_base
from officina.sip.rtp import PCMU
from officina.sip.sdp import SessionDescription

RATE = 48000


class Tone(MediaStreamTrack):
    """A browser's microphone saying a steady tone, paced as a capture is."""

    kind = "audio"

    def __init__(self, frequency: float) -> None:
        super().__init__()
        self.frequency = frequency
        self.pts = 0

    async def recv(self) -> AudioFrame:
        await asyncio.sleep(0.02)
        t = (self.pts + np.arange(960)) / RATE
        samples = (np.sin(2 * np.pi * self.frequency * t) * 8000).astype(np.int16)
        frame = AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.time_base, frame.pts = RATE, fractions.Fraction(1, RATE), self.pts
        self.pts += 960
        return frame


def dominant(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[int(np.argmax(spectrum))])


async def call(offered: list[str] | None, agreed: str) -> None:
    ports = MediaPorts("127.0.0.1", port_base() + 60, port_base() + 69)
    rtp, rtcp = ports.open()
    session = WebRtcSession(rtp, rtcp, "127.0.0.1")
    browser = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    transceiver = browser.addTransceiver(Tone(600), direction="sendrecv")
    if offered is not None:
        from aiortc import RTCRtpSender

        capabilities = RTCRtpSender.getCapabilities("audio")
        transceiver.setCodecPreferences(
            [
                c
                for name in offered
                for c in capabilities.codecs
                if c.mimeType.lower() == f"audio/{name}".lower()
            ]
        )
    heard: list[np.ndarray] = []

    async def listen(track: MediaStreamTrack) -> None:
        while True:
            frame = await track.recv()
            assert isinstance(frame, AudioFrame)
            heard.append(frame.to_ndarray().reshape(-1)[:: len(frame.layout.channels)])

    listening: list[asyncio.Task[None]] = []
    browser.on("track", lambda track: listening.append(asyncio.ensure_future(listen(track))))
    await browser.setLocalDescription(await browser.createOffer())
    offer = browser.localDescription.sdp.encode()
    assert webrtc_offered(offer)
    answer = await session.answer(offer)
    described = SessionDescription.parse(answer.encode())
    (audio,) = described.media
    candidates = [value or "" for name, value in audio.attributes if name == "candidate"]
    assert len(candidates) == 1 and f"127.0.0.1 {session.local_port} typ host" in candidates[0]
    assert session.codec.lower() == agreed.lower()
    await browser.setRemoteDescription(RTCSessionDescription(answer, "answer"))

    # The desk's media clock: a 1000 Hz tone out, the browser's 600 Hz in.
    loop = asyncio.get_running_loop()
    t = np.arange(160) / 8000
    tone = encode((np.sin(2 * np.pi * 1000 * t) * 8000).astype(np.int16), PCMU)
    received = []
    for _ in range(150):
        await asyncio.sleep(0.02)
        session.send(tone)
        received += [frame for frame in session.buffer.pop(loop.time()) if frame is not None]
    session.close()
    for task in listening:
        task.cancel()
    await browser.close()
    await asyncio.sleep(0.1)

    assert len(received) > 80
    inbound = np.concatenate([decode(frame, PCMU) for frame in received[-50:]])
    assert np.sqrt(np.mean(inbound.astype(np.float64) ** 2)) > 2000
    assert dominant(inbound, 8000) == pytest.approx(600, abs=25)
    assert len(heard) > 50
    outbound = np.concatenate(heard[-25:])
    rate = 48000 if session.codec == "opus" else 8000
    assert np.sqrt(np.mean(outbound.astype(np.float64) ** 2)) > 2000
    assert dominant(outbound, rate) == pytest.approx(1000, abs=25)


@pytest.mark.realpeer
@pytest.mark.parametrize(
    ("offered", "agreed"),
    [
        (None, "opus"),  # aiortc's own order: Opus, G.722, PCMU, PCMA
        (["PCMU", "opus"], "opus"),  # Opus is ours to prefer
        (["G722", "PCMA"], "PCMA"),  # G.722 is not one of ours
    ],
)
def test_a_browser_leg_carries_audio_both_ways(offered, agreed):
    asyncio.run(call(offered, agreed))


BASE = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
ICE = "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=mid:0\r\na=sendrecv\r\n"
FINGERPRINT = "a=fingerprint:sha-256 " + ":".join(["AB"] * 32) + "\r\na=setup:actpass\r\n"


@pytest.mark.parametrize(
    ("media", "reason"),
    [
        ("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n" + ICE, "DTLS"),
        (
            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=rtcp-mux\r\n"
            + ICE
            + "a=fingerprint:sha-256 AB:CD\r\n",
            "DTLS",
        ),
        (
            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n" + ICE + FINGERPRINT,
            "RTCP mux",
        ),
        (
            "m=audio 9 UDP/TLS/RTP/SAVPF 18\r\na=rtpmap:18 G729/8000\r\na=rtcp-mux\r\n"
            + ICE
            + FINGERPRINT,
            "not answerable",
        ),
        (
            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=rtcp-mux\r\n"
            + FINGERPRINT
            + "a=mid:0\r\na=sendrecv\r\n",
            "ICE",
        ),
        (
            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=rtcp-mux\r\n"
            + ICE
            + FINGERPRINT
            + "a=candidate:1 1 udp\r\n",
            "not answerable",
        ),
    ],
)
def test_offers_it_cannot_answer_are_refused_and_leave_nothing_open(media, reason):
    async def refuse() -> None:
        ports = MediaPorts("127.0.0.1", port_base() + 60, port_base() + 69)
        rtp, rtcp = ports.open()
        session = WebRtcSession(rtp, rtcp, "127.0.0.1")
        with pytest.raises(WebRtcRefused, match=reason):
            await session.answer((BASE + "c=IN IP4 127.0.0.1\r\n" + media).encode())
        session.close()
        ports.release(session.local_port)
        await asyncio.sleep(0.05)
        assert rtp.fileno() == -1 and rtcp.fileno() == -1  # both sockets closed
        for port in (session.local_port, session.local_port + 1):  # free for the next call
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.bind(("127.0.0.1", port))

    asyncio.run(refuse())
