"""Media benchmark: concurrent G.711 voicemail sessions through ``officina serve``.

    .venv/bin/python benchmarks/media.py [--sessions 50,100,200] [--seconds 20]
                                         [--conference 3,10,30] [--opus 5,10,20]

Starts the run command (``officina serve``: web and SIP in one process) on a
fresh SQLite database with two extensions, 201 (the caller) and 202 (absent, so
every call goes straight to their voicemail), and a media port range of its own.
A Python generator on asyncio then places N calls at once from 201 to 202, each
as a phone would: INVITE, 407, ACK, INVITE with digest credentials, 200 with the
PBX's SDP, ACK; then it sends 20 ms PCMU frames of noise at speech level (so the
PBX records all along) and receives what the PBX plays (greeting, tone, then
silence frames), and hangs up after ``--seconds``.

For every step it prints, over the packets the PBX sent during the steady part
(the first two seconds of each call are skipped: call set-up is not media):

* jitter: for each received packet, |arrival gap - timestamp gap| in ms, its p50
  and p99 over all sessions, and the largest RFC 3550 running estimate;
* lost packets: expected (from sequence numbers) minus received, all sessions;
* the server's CPU (user + system, from /proc) per second of the steady part,
  and sessions per core = sessions / that share of one core.

A step passes when every call was answered, p99 jitter is under 20 ms and no
packet was lost. The generator shares the machine's cores with the server.

``--conference`` measures, in this process, what a conference room costs the PBX
per 20 ms tick for each size given: taking every caller's frame out of their jitter
buffer and decoding it, the mix (each hears the sum of the others) and encoding a
frame for each, with the real ``LiveRoom`` and ``ConferenceCall`` (half the callers
in PCMU, half in PCMA; their sockets replaced by a counter, the packets put in their
jitter buffers outside the time measured). It does so with the clock on time (one
frame a tick) and 100 ms late at every tick (five frames a tick), and prints the time
per tick, per participant, and how many participants one core would mix in real time.
``--sessions ""`` skips the calls.

``--opus 5,10,20`` answers that many browsers at once in this process, as the desk
does, with ``WebRtcSession`` (aiortc: ICE, DTLS-SRTP, Opus): the browsers are aiortc
peers in a child process offering Opus and sending loud noise. A 20 ms clock sends
each leg a frame and reads its jitter buffer, for ``--seconds``. It prints this
process's CPU (user + system, all its threads: aiortc decodes in a thread) over the
steady part as a share of one core and legs per core, the frames each leg received
per second (50 is all of them), how late the clock's ticks ran (p99) and the frames
our sender queue dropped. A step passes at 47.5 frames a second or more and ticks
less than a frame late.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from officina.pbx.media.g711 import encode  # noqa: E402
from officina.sip import DigestClient, SipResponse, parse_message  # noqa: E402
from officina.sip.rtp import PCMU, RtpPacket, RtpStream  # noqa: E402

HOST = "127.0.0.1"
WEB_PORT = int(os.environ.get("BENCH_WEB_PORT", "21500"))
SIP_PORT = int(os.environ.get("BENCH_SIP_PORT", "21501"))
MEDIA_PORTS = os.environ.get("BENCH_MEDIA_PORTS", "21600-21999")
PASSWORD = "bench-media-password"  # noqa: S105 - a throw-away database
DOMAIN = "bench.officina.local"
WARM_UP = 2.0  # seconds of each call not measured (set-up, first packets)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------- the server
def start_server(workdir: Path) -> subprocess.Popen[bytes]:
    low, high = MEDIA_PORTS.split("-")
    env = {
        **os.environ,
        "OFFICINA_VAR_DIR": str(workdir / "var"),
        "DATABASE_URL": f"sqlite:///{workdir / 'var' / 'officina.sqlite3'}",
        "SIP_DOMAIN": DOMAIN,
        "SIP_ADVERTISED_HOST": HOST,
        "MEDIA_PORT_MIN": low,
        "MEDIA_PORT_MAX": high,
        "VOICEMAIL_PROMPTS_DIR": str(REPO / "var" / "prompts"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    officina = [str(REPO / ".venv" / "bin" / "officina")]
    subprocess.run([*officina, "migrate", "-v0"], env=env, check=True, cwd=REPO)
    populate = (
        "from officina.accounts.models import Member\n"
        "from officina.pbx.actions import do_provision_extension, do_set_sip_password\n"
        "for i in range(2):\n"
        "    m = Member.objects.create_user(email=f'bench{i}@example.invalid', password=None)\n"
        f"    do_set_sip_password(do_provision_extension(m), {PASSWORD!r})\n"
    )
    subprocess.run([*officina, "shell", "-c", populate], env=env, check=True, cwd=REPO)
    process = subprocess.Popen(
        [*officina, "serve", "--host", HOST, "--port", str(WEB_PORT),
         "--sip-host", HOST, "--sip-port", str(SIP_PORT)],
        env=env, cwd=REPO, stdout=(workdir / "officina.log").open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    time.sleep(6.0)  # migrations done; the PBX loads its prompts in the background
    if process.poll() is not None:
        raise SystemExit((workdir / "officina.log").read_text()[-2000:])
    return process


# ---------------------------------------------------------------------- signalling
class Signalling(asyncio.DatagramProtocol):
    """One UDP socket for every call's SIP, answers routed by Call-ID and CSeq."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.waiting: dict[tuple[str, int], asyncio.Queue[SipResponse]] = {}
        self.port = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.port = transport.get_extra_info("sockname")[1]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            message = parse_message(data)
        except Exception:
            return
        if isinstance(message, SipResponse):
            queue = self.waiting.get((message.call_id, message.cseq.number))
            if queue is not None:
                queue.put_nowait(message)
        elif message.method in ("BYE", "NOTIFY", "OPTIONS"):
            # The PBX hanging up (or anything else): answer 200 so it stops retrying.
            lines = ["SIP/2.0 200 OK"]
            for name in ("Via", "From", "To", "Call-ID", "CSeq"):
                lines += [f"{name}: {value}" for value in message.header_values(name)]
            assert self.transport is not None
            self.transport.sendto(
                ("\r\n".join([*lines, "Content-Length: 0", "", ""])).encode(), addr
            )

    def send(self, text: str) -> None:
        assert self.transport is not None
        self.transport.sendto(text.encode(), (HOST, SIP_PORT))

    async def transaction(self, text: str, call_id: str, cseq: int) -> SipResponse:
        """Send a request (again every 500 ms, as over UDP) until a final answer."""
        queue: asyncio.Queue[SipResponse] = asyncio.Queue()
        self.waiting[(call_id, cseq)] = queue
        try:
            for _attempt in range(14):
                self.send(text)
                try:
                    while True:
                        response = await asyncio.wait_for(queue.get(), 0.5)
                        if response.status >= 200:
                            return response
                except TimeoutError:
                    continue
            raise TimeoutError(f"no answer to {call_id}/{cseq}")
        finally:
            del self.waiting[(call_id, cseq)]


CALLEE = f"<sip:202@{DOMAIN}>"


def request(method: str, uri: str, call_id: str, cseq: int, from_tag: str, sip_port: int,
            to: str = CALLEE, extra: list[str] | None = None, body: str = "") -> str:  # fmt: skip
    branch = f"z9hG4bK{random.getrandbits(48):x}"
    lines = [
        f"{method} {uri} SIP/2.0",
        f"Via: SIP/2.0/UDP {HOST}:{sip_port};branch={branch};rport",
        f"From: <sip:201@{DOMAIN}>;tag={from_tag}",
        f"To: {to}",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} {method}",
        f"Contact: <sip:201@{HOST}:{sip_port}>",
        "Max-Forwards: 70",
        *(extra or []),
    ]
    if body:
        lines.append("Content-Type: application/sdp")
    lines += [f"Content-Length: {len(body)}", "", body]
    return "\r\n".join(lines)


def offer(port: int) -> str:
    return (
        f"v=0\r\no=bench 1 1 IN IP4 {HOST}\r\ns=-\r\nc=IN IP4 {HOST}\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
    )


# ---------------------------------------------------------------------- media
@dataclass
class Reception(asyncio.DatagramProtocol):
    """What one session received from the PBX."""

    measure_from: float = 0.0
    deviations: list[float] = field(default_factory=list)
    received: int = 0
    first_sequence: int | None = None
    last_sequence: int = 0
    jitter: float = 0.0  # RFC 3550 estimate, timestamp units
    _previous: tuple[float, int] | None = None

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        arrived = time.monotonic()
        if arrived < self.measure_from:
            return
        packet = RtpPacket.parse(data)
        if self.first_sequence is None:
            self.first_sequence = self.last_sequence = packet.sequence
        if ((packet.sequence - self.last_sequence) & 0xFFFF) < 0x8000:
            self.last_sequence = packet.sequence  # the highest seen (late packets are not)
        self.received += 1
        if self._previous is not None:
            gap = arrived - self._previous[0]
            step = (packet.timestamp - self._previous[1]) & 0xFFFFFFFF
            if step >= 0x80000000:
                step -= 0x100000000  # an earlier packet, arriving late
            expected = step / 8000
            deviation = abs(gap - expected)
            self.deviations.append(deviation)
            self.jitter += (deviation * 8000 - self.jitter) / 16
        self._previous = (arrived, packet.timestamp)

    @property
    def lost(self) -> int:
        if self.first_sequence is None:
            return 0
        expected = ((self.last_sequence - self.first_sequence) & 0xFFFF) + 1
        return max(expected - self.received, 0)


@dataclass
class Session:
    stream: RtpStream
    transport: asyncio.DatagramTransport
    reception: Reception
    remote: tuple[str, int] | None = None
    answered: bool = False


def speech_like_frames(count: int = 250) -> list[bytes]:
    """Noise at speech level, in 20 ms PCMU frames (the PBX hears a caller talking)."""
    rng = np.random.default_rng(1)
    return [encode(rng.normal(0, 3000, 160).astype(np.int16), PCMU) for _ in range(count)]


async def run_step(count: int, seconds: float) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    _transport, sip = await loop.create_datagram_endpoint(Signalling, local_addr=(HOST, 0))
    frames = speech_like_frames()
    sessions: list[Session] = []
    stop_sending = asyncio.Event()

    async def sender() -> None:
        deadline = loop.time()
        index = 0
        while not stop_sending.is_set():
            deadline += 0.02
            delay = deadline - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            frame = frames[index % len(frames)]
            index += 1
            for session in sessions:
                if session.remote is not None:
                    session.transport.sendto(session.stream.packet(frame, 160), session.remote)

    async def call(number: int) -> None:
        rtp_transport, reception = await loop.create_datagram_endpoint(
            Reception, local_addr=(HOST, 0)
        )
        port = rtp_transport.get_extra_info("sockname")[1]
        session = Session(RtpStream(random.getrandbits(32), PCMU), rtp_transport, reception)
        sessions.append(session)
        call_id = f"bench-{number}-{random.getrandbits(32):x}"
        tag = f"t{number}"
        uri = f"sip:202@{HOST}:{SIP_PORT}"
        first = await sip.transaction(
            request("INVITE", uri, call_id, 1, tag, sip.port, body=offer(port)), call_id, 1
        )
        if first.status == 407:
            sip.send(request("ACK", uri, call_id, 1, tag, sip.port, to=first.header("To") or ""))
            challenge = DigestClient.pick(first.proxy_authenticate)
            assert challenge is not None
            credentials = DigestClient("201", PASSWORD).authorization(challenge, "INVITE", uri)
            answer = await sip.transaction(
                request("INVITE", uri, call_id, 2, tag, sip.port,
                        extra=[f"Proxy-Authorization: {credentials}"], body=offer(port)),
                call_id, 2,
            )  # fmt: skip
        else:
            answer = first
        if answer.status != 200:
            return
        to = answer.header("To") or ""
        contact = answer.contacts[0].uri
        sdp = answer.body.decode()
        media_port = int(re.search(r"m=audio (\d+)", sdp).group(1))  # type: ignore[union-attr]
        sip.send(request("ACK", str(contact), call_id, answer.cseq.number, tag, sip.port, to=to))
        session.remote = (HOST, media_port)
        session.answered = True
        reception.measure_from = time.monotonic() + WARM_UP
        await asyncio.sleep(seconds)
        session.remote = None  # stop sending
        await sip.transaction(
            request("BYE", str(contact), call_id, 3, tag, sip.port, to=to), call_id, 3
        )

    sending = loop.create_task(sender())
    # Calls start over about a second per 100, as phones would not all dial in one tick.
    starts = []
    for number in range(count):
        starts.append(loop.create_task(call(number)))
        await asyncio.sleep(0.01)
    results = await asyncio.gather(*starts, return_exceptions=True)
    stop_sending.set()
    await sending
    failures = [r for r in results if isinstance(r, BaseException)]
    deviations = np.array([d for s in sessions for d in s.reception.deviations]) * 1000
    return {
        "sessions": count,
        "answered": sum(s.answered for s in sessions),
        "failures": len(failures),
        "p50_ms": float(np.percentile(deviations, 50)) if len(deviations) else float("nan"),
        "p99_ms": float(np.percentile(deviations, 99)) if len(deviations) else float("nan"),
        "max_rfc3550_ms": max((s.reception.jitter / 8 for s in sessions), default=0.0),
        "received": sum(s.reception.received for s in sessions),
        "lost": sum(s.reception.lost for s in sessions),
    }


def run(step: Coroutine[None, None, dict[str, float]]) -> dict[str, float]:
    """The generator on uvloop when installed (as the server runs)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(step)
    return uvloop.run(step)


def conference_cost(sizes: list[int], ticks: int = 3000) -> None:
    """Jitter buffers out + decode + mix + encode per tick for rooms of ``sizes`` callers,
    with the clock on time and with it 100 ms late at every tick (see the docstring)."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officina.settings.test")
    django.setup()
    import numpy as np

    from officina.conferences.selectors import RoomPlan
    from officina.pbx.media.conference import ConferenceCall, LiveRoom
    from officina.pbx.media.player import CATCH_UP_FRAMES, FRAME_SECONDS
    from officina.sip.rtp import JitterBuffer

    class Socketless:
        """What the mix asks of an RTP session: its codec, its jitter buffer (filled by
        the benchmark as the datagrams would), and where a frame goes."""

        def __init__(self, payload_type: int) -> None:
            self.payload_type = payload_type
            self.buffer = JitterBuffer()
            self.sent = 0

        def send(self, payload: bytes) -> None:
            self.sent += 1

    rng = np.random.default_rng(7)
    speech = (rng.normal(0, 3000, 160 * 50)).astype(np.int16)  # a second of loud noise
    for size in sizes:
        for frames_per_tick in (1, CATCH_UP_FRAMES):
            room = LiveRoom(1)
            plan = RoomPlan(1, "800", "", "en")
            calls = []
            for index in range(size):
                session = Socketless(0 if index % 2 == 0 else 8)
                call = ConferenceCall(
                    session,  # type: ignore[arg-type]
                    plan,
                    lambda name, language: np.zeros(0, dtype=np.int16),
                    inband_dtmf=False,
                    on_join=lambda call: None,
                    on_mute=lambda call: None,
                    on_done=lambda call: None,
                )
                room.join(call)
                calls.append((session, encode(speech, session.payload_type)))
            spent = 0.0
            for frame in range(ticks * frames_per_tick):
                at = frame * FRAME_SECONDS
                offset = (frame % 50) * 160
                for index, (session, said) in enumerate(calls):
                    packet = RtpPacket(
                        session.payload_type, frame & 0xFFFF, frame * 160, index,
                        said[offset : offset + 160],
                    )  # fmt: skip
                    session.buffer.push(packet, at)
                if (frame + 1) % frames_per_tick == 0:
                    started = time.perf_counter()
                    room.mix(at)
                    spent += time.perf_counter() - started
            sent = [session.sent for session, _said in calls]
            # Every frame after the first tick's (the clock starts there) went to everyone.
            assert sent == [ticks * frames_per_tick - frames_per_tick + 1] * size, sent
            per_tick = spent / ticks
            share = spent / (ticks * frames_per_tick * FRAME_SECONDS)
            clock = "on time" if frames_per_tick == 1 else f"{frames_per_tick * 20} ms late"
            print(
                f"conference of {size:3d}, clock {clock}: {per_tick * 1e6:7.1f} us per tick "
                f"({frames_per_tick} frame{'s' if frames_per_tick > 1 else ''}), "
                f"{per_tick * 1e6 / size:5.1f} us per participant, {share * 100:5.2f}% of a "
                f"core -> {size / share:6.0f} participants per core",
                flush=True,
            )


def opus_browsers(connection: Any, count: int) -> None:
    """In a process of its own: ``count`` aiortc peers playing the browser, each offering
    Opus and sending loud noise at 48 kHz; reports the frames they received."""
    import fractions

    from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection
    from aiortc import RTCSessionDescription as Description
    from av import AudioFrame

    class Microphone(MediaStreamTrack):
        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self.pts = 0
            self.started = 0.0
            noise = np.random.default_rng(3).normal(0, 3000, 960 * 50)
            self.noise = noise.astype(np.int16)

        async def recv(self) -> AudioFrame:
            # Paced on absolute deadlines as a capture is: sleeping 20 ms after each
            # frame would send fewer than 50 a second.
            loop = asyncio.get_running_loop()
            if self.pts == 0:
                self.started = loop.time()
            delay = self.started + self.pts / 48000 - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            start = (self.pts // 960 % 50) * 960
            frame = AudioFrame.from_ndarray(
                self.noise[start : start + 960].reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate, frame.time_base, frame.pts = (
                48000,
                fractions.Fraction(1, 48000),
                self.pts,
            )
            self.pts += 960
            return frame

    async def browse() -> None:
        loop = asyncio.get_running_loop()
        received = [0]
        peers = []

        async def listen(track: MediaStreamTrack) -> None:
            while True:
                await track.recv()
                received[0] += 1

        for _ in range(count):
            peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            peer.addTrack(Microphone())
            peer.on("track", lambda track: loop.create_task(listen(track)))
            await peer.setLocalDescription(await peer.createOffer())
            connection.send(peer.localDescription.sdp)
            answer = await loop.run_in_executor(None, connection.recv)
            await peer.setRemoteDescription(Description(answer, "answer"))
            peers.append(peer)
        await loop.run_in_executor(None, connection.recv)  # the end of the step
        connection.send(received[0])
        for peer in peers:
            await peer.close()

    asyncio.run(browse())


async def opus_step(count: int, seconds: float) -> dict[str, float]:
    """``count`` WebRTC legs (``WebRtcSession``) answered in this process, driven by a
    20 ms clock as the desk drives them: a frame out and the buffer read on each tick."""
    import multiprocessing

    from officina.pbx.media.ports import MediaPorts
    from officina.pbx.media.webrtc import WebRtcSession

    loop = asyncio.get_running_loop()
    ours, theirs = multiprocessing.Pipe()
    browsers = multiprocessing.get_context("spawn").Process(
        target=opus_browsers, args=(theirs, count), daemon=True
    )
    browsers.start()
    ports = MediaPorts("127.0.0.1", 42000, 43999)
    sessions = []
    for _ in range(count):
        offer = await loop.run_in_executor(None, ours.recv)
        session = WebRtcSession(*ports.open(), "127.0.0.1")
        ours.send(await session.answer(offer.encode()))
        sessions.append(session)
    noise = [encode(f, PCMU) for f in _noise_frames()]
    received = 0
    lateness: list[float] = []
    deadline = loop.time()
    steady_from = loop.time() + 2.0
    cpu_before: float | None = None
    wall_before, received_before = loop.time(), 0
    ticks = int(seconds / 0.02)
    for tick in range(ticks):
        deadline += 0.02
        delay = deadline - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        now = loop.time()
        if now >= steady_from:
            if cpu_before is None:
                cpu_before, wall_before, received_before = time.process_time(), now, received
            lateness.append(max(now - deadline, 0.0))
        for session in sessions:
            session.send(noise[tick % len(noise)])
            received += sum(1 for packet in session.buffer.pop(now) if packet is not None)
    cpu = (time.process_time() - (cpu_before or time.process_time())) / (loop.time() - wall_before)
    steady_received = received - received_before
    steady_seconds = loop.time() - wall_before
    ours.send("done")
    browsers_received = await loop.run_in_executor(None, ours.recv)
    for session in sessions:
        session.close()
    await asyncio.sleep(0.5)
    browsers.join(10)
    late = np.array(lateness) * 1000
    return {
        "legs": float(count),
        "cpu": cpu,
        "per_core": count / cpu if cpu > 0 else float("inf"),
        "received_per_leg_s": steady_received / count / steady_seconds,
        "browsers_received": float(browsers_received),
        "late_p99_ms": float(np.percentile(late, 99)) if late.size else 0.0,
        "dropped": float(sum(s.counters.send_dropped for s in sessions)),
    }


def _noise_frames() -> list[np.ndarray]:
    noise = np.random.default_rng(5).normal(0, 3000, 160 * 50).astype(np.int16)
    return [noise[i : i + 160] for i in range(0, noise.size, 160)]


def opus_cost(steps: list[int], seconds: float) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officina.settings.test")
    django.setup()
    for count in steps:
        row = run(opus_step(count, seconds))
        # Passing: every leg received its 50 frames a second (within 5%) and the clock's
        # ticks ran at most a frame late (p99).
        ok = row["received_per_leg_s"] > 47.5 and row["late_p99_ms"] < 20
        print(
            f"{count:4d} Opus legs: {row['cpu'] * 100:5.1f}% of a core "
            f"-> {row['per_core']:.0f} legs per core; frames in {row['received_per_leg_s']:.1f}/s "
            f"per leg, clock late p99 {row['late_p99_ms']:.2f} ms, "
            f"{row['dropped']:.0f} frames dropped (sender behind) [{'pass' if ok else 'FAIL'}]",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", default="50,100,200", help="comma-separated steps")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each call")
    parser.add_argument(
        "--conference", default="", help="comma-separated room sizes to time the mixing of"
    )
    parser.add_argument(
        "--opus",
        default="",
        help="comma-separated counts of concurrent WebRTC (Opus) legs to answer and run",
    )
    args = parser.parse_args()
    if args.opus:
        opus_cost([int(n) for n in args.opus.split(",")], args.seconds)
    if args.conference:
        conference_cost([int(n) for n in args.conference.split(",")])
    if not args.sessions:
        return
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed (the PBX speaks its prompts with it)")
    with tempfile.TemporaryDirectory(prefix="officina-media-bench-") as folder:
        workdir = Path(folder)
        (workdir / "var").mkdir()
        server = start_server(workdir)
        try:
            rows = []
            for count in (int(n) for n in args.sessions.split(",")):
                before = cpu_seconds(server.pid)
                started = time.monotonic()
                row = run(run_step(count, args.seconds))
                elapsed = time.monotonic() - started
                cpu = (cpu_seconds(server.pid) - before) / elapsed
                row["server_cpu"] = cpu
                row["per_core"] = count / cpu if cpu > 0 else float("inf")
                row["ok"] = row["answered"] == count and row["p99_ms"] < 20 and row["lost"] == 0
                rows.append(row)
                print(
                    f"{count:4d} sessions: answered {row['answered']:4.0f}, "
                    f"jitter p50 {row['p50_ms']:.2f} ms p99 {row['p99_ms']:.2f} ms "
                    f"(RFC 3550 max {row['max_rfc3550_ms']:.2f} ms), "
                    f"received {row['received']:.0f} lost {row['lost']:.0f}, "
                    f"server CPU {row['server_cpu'] * 100:.0f}% of a core "
                    f"-> {row['per_core']:.0f} sessions per core "
                    f"[{'pass' if row['ok'] else 'FAIL'}]",
                    flush=True,
                )
                time.sleep(3.0)  # the messages of this step are stored
            passed = [r for r in rows if r["ok"]]
            if passed:
                best = max(passed, key=lambda r: r["sessions"])
                print(
                    f"largest passing step: {best['sessions']:.0f} concurrent sessions "
                    f"(p99 jitter {best['p99_ms']:.2f} ms, no loss), "
                    f"{best['per_core']:.0f} sessions per core of server CPU"
                )
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
