"""Media benchmark: concurrent G.711 voicemail sessions and relayed phone-to-phone calls
through ``officina serve``.

    .venv/bin/python benchmarks/media.py [--sessions 50,100,200] [--seconds 20]
                                         [--conference 3,10,30] [--opus 5,10,20]
                                         [--bridge 1,5,10,20]
                                         [--relayed 100,200,300] [--no-kamailio]

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
* the CPU of the server and every process it started (user + system, from /proc) per
  second of the steady part,
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

``--bridge 1,5,10,20`` bridges that many browsers to as many plain phones at once in
this process, along the desk's own path for a browser put through to a phone
(``MediaDesk._answer_browser`` then ``_onward_answered``): each browser's offer answered by
``WebRtcSession`` (ICE, DTLS-SRTP, Opus), each phone's leg an ``RtpSession`` agreed from
the desk's G.711 offer (``sdp.offer``) and the phone's answer (``sdp.answer``), the two
joined by a ``BridgedCall`` that a ``MediaDesk``'s own media clock (``run_clock``) ticks
every 20 ms: Opus in, G.711 out and the other way. The browsers are aiortc peers in a
child process sending loud noise (as ``--opus``); the phones, plain RTP sockets in
another, one event loop sending every phone's 20 ms PCMU frame of noise on one timer.
After two seconds both sides measure for ``--seconds``: the browsers the frames their
tracks decoded and the packets their inbound RTP statistics count lost; the phones the
packets received, lost (sequence numbers) and each packet's jitter (as the sessions
step). It prints this process's CPU (all its threads) as a share of one core, frames per
second per leg on each side (50 is all of them), lost frames each side, the p99 jitter at
the phones, the frames the bridge relayed each way, and whether the step passed: nothing
lost either way, p99 jitter under 20 ms, and at least 47.5 frames a second on each side
(a bridge that stopped relaying loses nothing by sequence numbers).

``--relayed 100,200,300`` measures calls between two plain SIP phones whose media pass
through rtpengine. It starts ``officina serve`` as the sessions do (a fresh SQLite
database, its own ports), with ``MEDIA_ANCHORING=always`` and the rtpengine it starts
itself on the ``BENCH_RTPENGINE_PORTS`` range (four ports a call: at least five times
the largest step). The generator runs in two child processes, one event loop each,
sending every leg's frame on one 20 ms timer: the callee (202, registered with digest)
answers each INVITE the PBX forks to it with 180 and 200 with its SDP, the callers (201,
registered too) place the N calls, a second per 100, as phones do (INVITE, 407, ACK, INVITE with
credentials, ACK along the Record-Route). A call counts as relayed when the SDP each side
got names a port of rtpengine's range, not the other phone's. Both sides send 20 ms PCMU
frames; once every call is set up and two seconds have passed, each measures for
``--seconds`` what arrives from the relay, as the sessions step does (jitter p50 and p99,
the RFC 3550 estimate, lost packets from sequence numbers), then the callers hang up
(BYE). It prints per step the calls answered and relayed, the jitter and losses of both
directions, the CPU of the server's whole process tree (rtpengine included) per second
of the measured part and calls per core, and the CPU of each side of the generator and
how late its clock ran (p99), to tell which side was saturated. A step passes with every
call relayed, p99 under 20 ms and nothing lost. Steps start 32 s apart: rtpengine keeps
a deleted call's ports 30 s.

Then, unless ``--no-kamailio``, the same steps through Kamailio
(``benchmarks/kamailio/kamailio-relay.cfg``: registrar, digest, record-routing proxy,
its ``rtpengine`` module) driving an rtpengine of its own started with the same command
and ports, on the same SIP port, and the two printed side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import multiprocessing
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from process_cpu import process_tree_cpu  # noqa: E402
from sip import stop  # noqa: E402

from officina.pbx.media.g711 import encode  # noqa: E402
from officina.sip import DigestClient, SipRequest, SipResponse, parse_message  # noqa: E402
from officina.sip.rtp import PCMU, RtpPacket, RtpStream  # noqa: E402
from officina.sip.sdp import SessionDescription  # noqa: E402

HOST = "127.0.0.1"
WEB_PORT = int(os.environ.get("BENCH_WEB_PORT", "21500"))
SIP_PORT = int(os.environ.get("BENCH_SIP_PORT", "21501"))
MEDIA_PORTS = os.environ.get("BENCH_MEDIA_PORTS", "22000-23999")
PASSWORD = "bench-media-password"  # noqa: S105 - a throw-away database
DOMAIN = "bench.officina.local"
WARM_UP = 2.0  # seconds of each call not measured (set-up, first packets)
# The relayed calls' rtpengine (four ports a call: RTP and RTCP, each side).
RTPENGINE_PORTS = os.environ.get("BENCH_RTPENGINE_PORTS", "44000-45999")
RTPENGINE_DELETE_DELAY = 30  # seconds: rtpengine's default (--delete-delay)
KAMAILIO_RELAY_CFG = REPO / "benchmarks" / "kamailio" / "kamailio-relay.cfg"
Result = TypeVar("Result")


# ---------------------------------------------------------------------- the server
def start_server(
    workdir: Path,
    web_port: int = WEB_PORT,
    sip_port: int = SIP_PORT,
    media_ports: str = MEDIA_PORTS,
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """``officina serve`` on a fresh SQLite database in ``workdir``, with extensions 201
    and 202 (their password ``PASSWORD``); ``extra_env`` adds to its settings."""
    low, high = media_ports.split("-")
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
        **(extra_env or {}),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("RTPENGINE_URL", None)
    officina = [sys.executable, "-m", "officina.cli"]
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
        [*officina, "serve", "--host", HOST, "--port", str(web_port),
         "--sip-host", HOST, "--sip-port", str(sip_port)],
        env=env, cwd=REPO, stdout=(workdir / "officina.log").open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    time.sleep(6.0)  # migrations done; the PBX loads its prompts in the background
    if process.poll() is not None:
        raise SystemExit((workdir / "officina.log").read_text()[-2000:])
    return process


# ---------------------------------------------------------------------- signalling
Address = tuple[str, int]
OnRequest = Callable[[SipRequest, Address], None]


class Signalling(asyncio.DatagramProtocol):
    """One UDP socket for every call's SIP, answers routed by Call-ID and CSeq.

    Requests go to ``on_request`` when given; otherwise (the PBX hanging up, a NOTIFY,
    an OPTIONS) they get a 200 so that the PBX stops retrying."""

    def __init__(self, server: Address = (HOST, SIP_PORT), on_request: OnRequest | None = None):
        self.transport: asyncio.DatagramTransport | None = None
        self.waiting: dict[tuple[str, int], asyncio.Queue[SipResponse]] = {}
        self.port = 0
        self.server = server
        self.on_request = on_request

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
        elif self.on_request is not None:
            self.on_request(message, addr)
        elif message.method in ("BYE", "NOTIFY", "OPTIONS"):
            self.reply(response(message, 200), addr)

    def send(self, text: str) -> None:
        self.reply(text, self.server)

    def reply(self, text: str, addr: Address) -> None:
        assert self.transport is not None
        self.transport.sendto(text.encode(), addr)

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


CALLER_NUMBER, CALLEE_NUMBER = "201", "202"
CALLEE = f"<sip:{CALLEE_NUMBER}@{DOMAIN}>"


def request(method: str, uri: str, call_id: str, cseq: int, from_tag: str, sip_port: int,
            to: str = CALLEE, extra: list[str] | None = None, body: str = "",
            user: str = CALLER_NUMBER) -> str:  # fmt: skip
    branch = f"z9hG4bK{random.getrandbits(48):x}"
    lines = [
        f"{method} {uri} SIP/2.0",
        f"Via: SIP/2.0/UDP {HOST}:{sip_port};branch={branch};rport",
        f"From: <sip:{user}@{DOMAIN}>;tag={from_tag}",
        f"To: {to}",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} {method}",
        f"Contact: <sip:{user}@{HOST}:{sip_port}>",
        "Max-Forwards: 70",
        *(extra or []),
    ]
    if body:
        lines.append("Content-Type: application/sdp")
    lines += [f"Content-Length: {len(body)}", "", body]
    return "\r\n".join(lines)


def response(message: SipRequest, status: int, reason: str = "OK", to_tag: str = "",
             extra: list[str] | None = None, body: str = "") -> str:  # fmt: skip
    """The answer to ``message``: its Via, From, To (with ``to_tag``), Call-ID and CSeq."""
    lines = [f"SIP/2.0 {status} {reason}"]
    lines += [f"Via: {value}" for value in message.header_values("Via")]
    lines += [f"From: {value}" for value in message.header_values("From")]
    to = message.header("To") or ""
    lines.append(f"To: {to};tag={to_tag}" if to_tag and ";tag=" not in to else f"To: {to}")
    for name in ("Call-ID", "CSeq"):
        lines += [f"{name}: {value}" for value in message.header_values(name)]
    lines += extra or []
    if body:
        lines.append("Content-Type: application/sdp")
    lines += [f"Content-Length: {len(body)}", "", body]
    return "\r\n".join(lines)


async def register(sip: Signalling, number: str, expires: int = 3600) -> None:
    """REGISTER ``number`` at the signalling socket's address, 401, then with digest
    (``expires`` 0: the binding removed)."""
    uri = f"sip:{sip.server[0]}:{sip.server[1]}"
    call_id = f"register-{number}-{expires}-{random.getrandbits(32):x}"
    tag, to = f"r{number}", f"<sip:{number}@{DOMAIN}>"
    lifetime = [f"Expires: {expires}"]
    answer = await sip.transaction(
        request("REGISTER", uri, call_id, 1, tag, sip.port, to=to, extra=lifetime, user=number),
        call_id, 1,
    )  # fmt: skip
    if answer.status == 401:
        challenge = DigestClient.pick(answer.www_authenticate)
        assert challenge is not None
        credentials = DigestClient(number, PASSWORD).authorization(challenge, "REGISTER", uri)
        answer = await sip.transaction(
            request("REGISTER", uri, call_id, 2, tag, sip.port, to=to, user=number,
                    extra=[*lifetime, f"Authorization: {credentials}"]),
            call_id, 2,
        )  # fmt: skip
    if answer.status != 200:
        raise SystemExit(f"{number} could not register: {answer.status}")


async def invite(sip: Signalling, call_id: str, tag: str, port: int) -> SipResponse:
    """Call the callee as a phone does (INVITE, 407, ACK, INVITE with credentials),
    offering PCMU on ``port``: the final answer."""
    uri = f"sip:{CALLEE_NUMBER}@{sip.server[0]}:{sip.server[1]}"
    first = await sip.transaction(
        request("INVITE", uri, call_id, 1, tag, sip.port, body=offer(port)), call_id, 1
    )
    if first.status != 407:
        return first
    sip.send(request("ACK", uri, call_id, 1, tag, sip.port, to=first.header("To") or ""))
    challenge = DigestClient.pick(first.proxy_authenticate)
    assert challenge is not None
    credentials = DigestClient(CALLER_NUMBER, PASSWORD).authorization(challenge, "INVITE", uri)
    return await sip.transaction(
        request("INVITE", uri, call_id, 2, tag, sip.port,
                extra=[f"Proxy-Authorization: {credentials}"], body=offer(port)),
        call_id, 2,
    )  # fmt: skip


def offer(port: int) -> str:
    return (
        f"v=0\r\no=bench 1 1 IN IP4 {HOST}\r\ns=-\r\nc=IN IP4 {HOST}\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
    )


def media_address(sdp: bytes) -> Address:
    """Where an SDP's first stream wants RTP."""
    host, port = SessionDescription.parse(sdp).media_address(0)
    return host or HOST, port


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
        if len(data) > 1 and 192 <= data[1] <= 223:
            # RTCP (RFC 5761 §4): the PBX's receiver reports go to our RTP port + 1, which
            # may be another session's RTP socket here (ports come from the kernel, not
            # in pairs as a phone takes them). Not audio: left out.
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


async def open_session(measure_from: float = 0.0) -> Session:
    """A phone's RTP socket on a port the kernel picks, and its outgoing PCMU stream."""
    transport, reception = await asyncio.get_running_loop().create_datagram_endpoint(
        Reception, local_addr=(HOST, 0)
    )
    reception.measure_from = measure_from
    return Session(RtpStream(random.getrandbits(32), PCMU), transport, reception)


async def send_frames(
    sessions: list[Session], stop: asyncio.Event, lateness: list[float] | None = None
) -> None:
    """Every 20 ms, on absolute deadlines, one frame to each session that has somewhere
    to send it: one timer for all of them. ``lateness`` gets how late each tick ran (s)."""
    frames = speech_like_frames()
    # The process's clock, not the loop's: uvloop's counts whole milliseconds, read when
    # the loop wakes, and would hide how late a tick really runs.
    deadline = time.monotonic()
    index = 0
    while not stop.is_set():
        deadline += 0.02
        delay = deadline - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if lateness is not None:
            lateness.append(max(time.monotonic() - deadline, 0.0))
        frame = frames[index % len(frames)]
        index += 1
        for session in sessions:
            if session.remote is not None:
                session.transport.sendto(session.stream.packet(frame, 160), session.remote)


def arrivals(receptions: list[Reception]) -> dict[str, Any]:
    """What ``receptions`` measured: every deviation (ms, an array), the largest RFC 3550
    estimate (ms), the packets received and lost."""
    return {
        "deviations": np.array([d for r in receptions for d in r.deviations]) * 1000,
        "max_rfc3550_ms": max((r.jitter / 8 for r in receptions), default=0.0),
        "received": sum(r.received for r in receptions),
        "lost": sum(r.lost for r in receptions),
    }


def percentiles(deviations: np.ndarray) -> dict[str, float]:
    """The p50 and p99 of the deviations (ms), NaN when nothing arrived."""
    if not len(deviations):
        return {"p50_ms": float("nan"), "p99_ms": float("nan")}
    p50, p99 = np.percentile(deviations, [50, 99])
    return {"p50_ms": float(p50), "p99_ms": float(p99)}


async def run_step(count: int, seconds: float) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    _transport, sip = await loop.create_datagram_endpoint(Signalling, local_addr=(HOST, 0))
    sessions: list[Session] = []
    stop_sending = asyncio.Event()

    async def call(number: int) -> None:
        session = await open_session()
        sessions.append(session)
        call_id = f"bench-{number}-{random.getrandbits(32):x}"
        tag = f"t{number}"
        port = session.transport.get_extra_info("sockname")[1]
        answer = await invite(sip, call_id, tag, port)
        if answer.status != 200:
            return
        to = answer.header("To") or ""
        contact = answer.contacts[0].uri
        sip.send(request("ACK", str(contact), call_id, answer.cseq.number, tag, sip.port, to=to))
        session.remote = media_address(answer.body)
        session.answered = True
        session.reception.measure_from = time.monotonic() + WARM_UP
        await asyncio.sleep(seconds)
        session.remote = None  # stop sending
        await sip.transaction(
            request("BYE", str(contact), call_id, 3, tag, sip.port, to=to), call_id, 3
        )

    sending = loop.create_task(send_frames(sessions, stop_sending))
    # Calls start over about a second per 100, as phones would not all dial in one tick.
    starts = []
    for number in range(count):
        starts.append(loop.create_task(call(number)))
        await asyncio.sleep(0.01)
    results = await asyncio.gather(*starts, return_exceptions=True)
    stop_sending.set()
    await sending
    failures = [r for r in results if isinstance(r, BaseException)]
    heard = arrivals([s.reception for s in sessions])
    return {
        "sessions": count,
        "answered": sum(s.answered for s in sessions),
        "failures": len(failures),
        **percentiles(heard["deviations"]),
        "max_rfc3550_ms": heard["max_rfc3550_ms"],
        "received": heard["received"],
        "lost": heard["lost"],
    }


def print_largest_passing(
    rows: list[dict[str, Any]], count: str, what: str, prefix: str = ""
) -> None:
    passed = [row for row in rows if row["ok"]]
    if passed:
        best = max(passed, key=lambda row: row[count])
        print(
            f"{prefix}largest passing step: {best[count]:.0f} concurrent {what} "
            f"(p99 jitter {best['p99_ms']:.2f} ms, no loss), "
            f"{best['per_core']:.0f} {what} per core of server CPU"
        )


def run(step: Coroutine[None, None, Result]) -> Result:
    """The generator on uvloop when installed (as the server runs)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(step)
    return uvloop.run(step)


# ---------------------------------------------------------------------- relayed calls
# The generator of relayed calls runs in two processes, each one event loop sending every
# leg's frame on one timer: the callers (201) and the callee (202) that answers them.
# The parent tells them when to measure and when to stop, and counts everyone's CPU.
def relay_callers(connection: Connection, count: int, server: Address) -> None:
    run(_place_relayed_calls(connection, count, server))


def relay_callee(connection: Connection, server: Address) -> None:
    run(_answer_relayed_calls(connection, server))


async def _told(connection: Connection, what: str) -> None:
    said = await asyncio.get_running_loop().run_in_executor(None, connection.recv)
    assert said == what, (said, what)


async def _measured(
    connection: Connection, sessions: list[Session], lateness: list[float], until: str
) -> dict[str, Any]:
    """What the sessions received from when the parent says "measure" until it says
    ``until``, and how late the clock ran meanwhile (ms)."""
    await _told(connection, "measure")
    for session in sessions:
        session.reception.measure_from = time.monotonic()
    lateness.clear()
    await _told(connection, until)
    return {**arrivals([s.reception for s in sessions]), "late": np.array(lateness) * 1000}


async def _place_relayed_calls(connection: Connection, count: int, server: Address) -> None:
    """201 registers, then calls 202 ``count`` times as a phone does and talks until
    told to hang up; reports, per Call-ID, (its RTP port, the port its answer named)."""
    loop = asyncio.get_running_loop()
    _transport, sip = await loop.create_datagram_endpoint(
        lambda: Signalling(server), local_addr=(HOST, 0)
    )
    await register(sip, CALLER_NUMBER)
    connection.send("registered")
    sessions: list[Session] = []
    ports: dict[str, tuple[int, int]] = {}
    stop = asyncio.Event()
    lateness: list[float] = []
    sending = loop.create_task(send_frames(sessions, stop, lateness))

    async def call(number: int) -> tuple[str, str, int] | None:
        """The BYE that ends the call once it is answered: (request, Call-ID, CSeq)."""
        session = await open_session(measure_from=math.inf)
        sessions.append(session)
        call_id, tag = f"relayed-{number}-{random.getrandbits(32):x}", f"c{number}"
        port = session.transport.get_extra_info("sockname")[1]
        answer = await invite(sip, call_id, tag, port)
        if answer.status != 200:
            raise RuntimeError(f"{answer.status} {answer.reason} {answer.header('Warning') or ''}")
        # The caller's route set is the Record-Route list read bottom-up (RFC 3261 §12.1.2).
        routes = [f"Route: {route}" for route in reversed(answer.split_header("Record-Route"))]
        to, contact = answer.header("To") or "", str(answer.contacts[0].uri)
        sip.send(request("ACK", contact, call_id, answer.cseq.number, tag, sip.port, to=to,
                         extra=routes))  # fmt: skip
        session.remote = media_address(answer.body)
        session.answered = True
        ports[call_id] = (port, session.remote[1])
        cseq = answer.cseq.number + 1
        bye = request("BYE", contact, call_id, cseq, tag, sip.port, to=to, extra=routes)
        return bye, call_id, cseq

    # Calls start over about a second per 100, as phones would not all dial in one tick.
    starts = []
    for number in range(count):
        starts.append(loop.create_task(call(number)))
        await asyncio.sleep(0.01)
    placed = await asyncio.gather(*starts, return_exceptions=True)
    connection.send("placed")
    heard = await _measured(connection, sessions, lateness, "hang up")
    for session in sessions:
        session.remote = None
    byes = [bye for bye in placed if isinstance(bye, tuple)]
    await asyncio.gather(*(sip.transaction(*bye) for bye in byes), return_exceptions=True)
    stop.set()
    await sending
    await register(sip, CALLER_NUMBER, expires=0)
    failures = [str(result) for result in placed if isinstance(result, BaseException)]
    connection.send({**heard, "ports": ports, "answered": len(byes), "failures": failures})


@dataclass
class Answering:
    """A call 202 answers: its RTP session, where the INVITE's SDP said to send, and
    the 200 it repeats until the ACK comes."""

    session: Session | None = None
    remote: Address | None = None
    ok: str | None = None
    acked: asyncio.Event = field(default_factory=asyncio.Event)


async def _answer_relayed_calls(connection: Connection, server: Address) -> None:
    """202 registers and answers every INVITE with 180 and 200 (its SDP), talks from the
    ACK until the BYE; reports, per Call-ID, (its RTP port, the port the INVITE named)."""
    loop = asyncio.get_running_loop()
    sessions: list[Session] = []
    calls: dict[str, Answering] = {}
    answering: set[asyncio.Task[None]] = set()  # referenced until done (the loop's are weak)

    async def answer(call: Answering, invitation: SipRequest, addr: Address) -> None:
        tag = f"a{random.getrandbits(32):x}"
        sip.reply(response(invitation, 180, "Ringing", tag), addr)
        call.session = await open_session(measure_from=math.inf)
        sessions.append(call.session)
        call.remote = media_address(invitation.body)
        port = call.session.transport.get_extra_info("sockname")[1]
        extra = [f"Record-Route: {route}" for route in invitation.header_values("Record-Route")]
        extra.append(f"Contact: <sip:{CALLEE_NUMBER}@{HOST}:{sip.port}>")
        call.ok = response(invitation, 200, "OK", tag, extra, offer(port))
        interval = 0.5  # RFC 3261 §13.3.1.4: the 200 again, T1 doubling up to T2
        for _attempt in range(10):
            sip.reply(call.ok, addr)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(call.acked.wait(), interval)
                return
            interval = min(interval * 2, 4.0)

    def on_request(message: SipRequest, addr: Address) -> None:
        call = calls.get(message.call_id)
        if message.method == "INVITE":
            if call is None:
                calls[message.call_id] = call = Answering()
                task = loop.create_task(answer(call, message, addr))
                answering.add(task)
                task.add_done_callback(answering.discard)
            elif call.ok is not None:
                sip.reply(call.ok, addr)  # our 200 was lost, or the INVITE came again
        elif message.method == "ACK":
            if call is not None and call.session is not None and not call.acked.is_set():
                call.acked.set()
                call.session.answered = True
                call.session.remote = call.remote
        elif message.method == "BYE":
            sip.reply(response(message, 200), addr)
            if call is not None and call.session is not None:
                call.session.remote = None
        else:
            sip.reply(response(message, 200), addr)

    _transport, sip = await loop.create_datagram_endpoint(
        lambda: Signalling(server, on_request), local_addr=(HOST, 0)
    )
    await register(sip, CALLEE_NUMBER)
    stop = asyncio.Event()
    lateness: list[float] = []
    sending = loop.create_task(send_frames(sessions, stop, lateness))
    connection.send("registered")
    heard = await _measured(connection, sessions, lateness, "report")
    stop.set()
    await sending
    # The next step's callee registers from another socket: this one must not ring.
    await register(sip, CALLEE_NUMBER, expires=0)
    ports = {
        call_id: (call.session.transport.get_extra_info("sockname")[1], call.remote[1])
        for call_id, call in calls.items()
        if call.session is not None and call.remote is not None and call.acked.is_set()
    }
    connection.send({**heard, "ports": ports})


async def sip_answers(server: Address) -> bool:
    """Does the SIP server answer an OPTIONS yet?"""
    loop = asyncio.get_running_loop()
    transport, sip = await loop.create_datagram_endpoint(
        lambda: Signalling(server), local_addr=(HOST, 0)
    )
    call_id, uri = f"ready-{random.getrandbits(32):x}", f"sip:{server[0]}:{server[1]}"
    try:
        await sip.transaction(
            request("OPTIONS", uri, call_id, 1, "ready", sip.port, to=f"<{uri}>"), call_id, 1
        )
    except TimeoutError:
        return False
    finally:
        transport.close()
    return True


def _expect(connection: Connection, what: str, timeout: float, process: BaseProcess) -> None:
    deadline = time.monotonic() + timeout
    while not connection.poll(0.5):
        if not process.is_alive():
            raise SystemExit(f"the generator stopped before saying {what!r}")
        if time.monotonic() > deadline:
            raise SystemExit(f"the generator did not say {what!r} in {timeout:.0f} s")
    said = connection.recv()
    if said != what:
        raise SystemExit(f"the generator said {said!r}, not {what!r}")


def _cpu(pids: list[int], named: str | None = None) -> float:
    return sum(process_tree_cpu(pid, named) for pid in pids)


def relayed_step(
    count: int, seconds: float, server: Address, engine_ports: range, server_pids: list[int]
) -> dict[str, Any]:
    """``count`` calls from 201 to 202 through the server, measured for ``seconds``
    once every call is set up and ``WARM_UP`` has passed."""
    spawn = multiprocessing.get_context("spawn")
    to_callee, callee_end = spawn.Pipe()
    to_callers, callers_end = spawn.Pipe()
    callee = spawn.Process(target=relay_callee, args=(callee_end, server), daemon=True)
    callers = spawn.Process(target=relay_callers, args=(callers_end, count, server), daemon=True)
    callee.start()
    try:
        _expect(to_callee, "registered", 60, callee)
        callers.start()
        _expect(to_callers, "registered", 60, callers)
        _expect(to_callers, "placed", 60 + count / 10, callers)
        time.sleep(WARM_UP)
        to_callers.send("measure")
        to_callee.send("measure")
        parts = (server_pids, [callers.pid or 0], [callee.pid or 0])
        before, started = [_cpu(pids) for pids in parts], time.monotonic()
        relay_before = _cpu(server_pids, "rtpengine")
        time.sleep(seconds)
        elapsed = time.monotonic() - started
        spent = [_cpu(pids) - cpu for pids, cpu in zip(parts, before, strict=True)]
        server_cpu, callers_cpu, callee_cpu = (cpu / elapsed for cpu in spent)
        rtpengine_cpu = (_cpu(server_pids, "rtpengine") - relay_before) / elapsed
        to_callers.send("hang up")
        placed = to_callers.recv()
        to_callee.send("report")
        answered = to_callee.recv()
    finally:
        for process in (callers, callee):
            if process.pid is None:
                continue  # never started
            process.join(10)
            if process.is_alive():
                process.kill()

    def relayed(call_id: str) -> bool:
        """Each side was told to send to rtpengine, not to the other phone."""
        if call_id not in answered["ports"]:
            return False
        caller_port, caller_sends_to = placed["ports"][call_id]
        callee_port, callee_sends_to = answered["ports"][call_id]
        return (
            caller_sends_to in engine_ports and caller_sends_to != callee_port
            and callee_sends_to in engine_ports and callee_sends_to != caller_port
        )  # fmt: skip

    row: dict[str, Any] = {
        "calls": count,
        "answered": placed["answered"],
        "relayed": sum(relayed(call_id) for call_id in placed["ports"]),
        "failures": placed["failures"],
        **percentiles(np.concatenate([placed["deviations"], answered["deviations"]])),
        "p99_to_callers_ms": percentiles(placed["deviations"])["p99_ms"],
        "p99_to_callee_ms": percentiles(answered["deviations"])["p99_ms"],
        "max_rfc3550_ms": max(placed["max_rfc3550_ms"], answered["max_rfc3550_ms"]),
        "received": placed["received"] + answered["received"],
        "lost_to_callers": placed["lost"],
        "lost_to_callee": answered["lost"],
        "server_cpu": server_cpu,
        "rtpengine_cpu": rtpengine_cpu,
        "callers_cpu": callers_cpu,
        "callee_cpu": callee_cpu,
        # How late the generator's 20 ms clock ran (p99 of both sides' ticks): a late
        # tick delays every leg's frame, and shows as jitter that is not the relay's.
        "late_p99_ms": percentiles(np.concatenate([placed["late"], answered["late"]]))["p99_ms"],
    }
    row["lost"] = row["lost_to_callers"] + row["lost_to_callee"]
    row["per_core"] = row["relayed"] / server_cpu if server_cpu > 0 else float("inf")
    row["ok"] = row["relayed"] == count and row["p99_ms"] < 20 and row["lost"] == 0
    return row


def relayed_calls(steps: list[int], seconds: float, kamailio: bool) -> None:
    """Start ``officina serve`` with every call between two phones through its rtpengine,
    and run each step of relayed calls; then, with ``kamailio``, the same steps through
    Kamailio and an rtpengine of its own (see the docstring)."""
    if shutil.which("rtpengine") is None:
        raise SystemExit("rtpengine is needed for --relayed (Debian: rtpengine-daemon)")
    if kamailio and shutil.which("kamailio") is None:
        raise SystemExit("kamailio is not installed: --no-kamailio leaves the reference out")
    low, high = (int(port) for port in RTPENGINE_PORTS.split("-"))
    engine_ports = range(low, high + 1)
    # Four ports a call (RTP and RTCP, each side), a quarter more for calls being freed.
    needed = 5 * max(steps)
    if len(engine_ports) < needed:
        raise SystemExit(
            f"BENCH_RTPENGINE_PORTS {RTPENGINE_PORTS} has {len(engine_ports)} ports; "
            f"{max(steps)} calls need {needed}"
        )
    results: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="officina-relay-bench-") as folder:
        workdir = Path(folder)
        (workdir / "var").mkdir()
        server = start_server(
            workdir,
            extra_env={
                "MEDIA_ANCHORING": "always",
                "RTPENGINE_PORT_MIN": str(low),
                "RTPENGINE_PORT_MAX": str(high),
            },
        )
        try:
            results["officina"] = relayed_steps("officina", steps, seconds, engine_ports, [server])
        finally:
            stop(server)
        if kamailio:
            processes = start_kamailio_relay(workdir, engine_ports)
            try:
                results["kamailio"] = relayed_steps(
                    "kamailio", steps, seconds, engine_ports, processes
                )
            finally:
                for process in processes:
                    stop(process)
    if len(results) == 2:
        print("relayed calls, Officina beside Kamailio (each with its rtpengine):")
        for ours, theirs in zip(results["officina"], results["kamailio"], strict=True):
            print(
                f"{ours['calls']:4d} calls: "
                + "; ".join(
                    f"{name} relayed {row['relayed']}, p99 {row['p99_ms']:.2f} ms, lost "
                    f"{row['lost']}, CPU {row['server_cpu'] * 100:.0f}% -> "
                    f"{row['per_core']:.0f} calls per core"
                    for name, row in (("Officina", ours), ("Kamailio", theirs))
                )
                + f"; CPU ratio {ours['server_cpu'] / max(theirs['server_cpu'], 1e-9):.2f}"
            )


def start_kamailio_relay(workdir: Path, engine_ports: range) -> list[subprocess.Popen[bytes]]:
    """rtpengine (as ``officina serve`` starts it) and Kamailio driving it, on SIP_PORT."""
    from officina.pbx.rtpengine_process import rtpengine_command

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((HOST, 0))  # a free port for the NG commands, a moment before rtpengine
        ng_port = probe.getsockname()[1]
    engine = subprocess.Popen(
        rtpengine_command(ng_port, HOST, engine_ports.start, engine_ports.stop - 1),
        stdin=subprocess.DEVNULL, stdout=(workdir / "rtpengine.log").open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    kamailio = subprocess.Popen(
        ["kamailio", "-f", str(KAMAILIO_RELAY_CFG), "-DD", "-E",
         "-A", f"BENCH_PORT={SIP_PORT}", "-A", "BENCH_CHILDREN=2",
         "-A", f'BENCH_NG="udp:{HOST}:{ng_port}"', "-A", f'BENCH_PASSWORD="{PASSWORD}"',
         "-m", "256", "-M", "16"],
        cwd=workdir, stdout=(workdir / "kamailio.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    time.sleep(2.0)
    for process in (engine, kamailio):
        if process.poll() is not None:
            raise SystemExit(
                (workdir / "rtpengine.log").read_text()[-1000:]
                + (workdir / "kamailio.log").read_text()[-1000:]
            )
    return [engine, kamailio]


def relayed_steps(
    name: str,
    steps: list[int],
    seconds: float,
    engine_ports: range,
    processes: list[subprocess.Popen[bytes]],
) -> list[dict[str, Any]]:
    """Each step of relayed calls through the SIP server on SIP_PORT, once it relays one;
    the CPU is that of ``processes`` and their children."""
    address = (HOST, SIP_PORT)
    pids = [process.pid for process in processes]
    # Ready when one call was relayed: rtpengine starts beside the SIP server.
    deadline = time.monotonic() + 60
    while not run(sip_answers(address)):
        if time.monotonic() > deadline:
            raise SystemExit(f"{name} did not answer SIP in 60 s")
    while relayed_step(1, 1.0, address, engine_ports, pids)["relayed"] < 1:
        if time.monotonic() > deadline:
            raise SystemExit(f"{name} relayed no call through rtpengine in 60 s")
    rows = []
    for index, count in enumerate(steps):
        if index:
            # rtpengine keeps a deleted call's ports RTPENGINE_DELETE_DELAY seconds: the
            # next step starts once the last one's are free, as a fresh range would be.
            time.sleep(RTPENGINE_DELETE_DELAY + 2)
        row = relayed_step(count, seconds, address, engine_ports, pids)
        rows.append(row)
        print(
            f"{name}: {count:4d} relayed calls: answered {row['answered']}, relayed "
            f"{row['relayed']}; jitter p50 {row['p50_ms']:.2f} ms p99 "
            f"{row['p99_ms']:.2f} ms (to the callers {row['p99_to_callers_ms']:.2f}, "
            f"to the callee {row['p99_to_callee_ms']:.2f}; RFC 3550 max "
            f"{row['max_rfc3550_ms']:.2f}), received {row['received']} lost "
            f"{row['lost_to_callers']} + {row['lost_to_callee']}; server CPU "
            f"{row['server_cpu'] * 100:.0f}% of a core (rtpengine "
            f"{row['rtpengine_cpu'] * 100:.0f}%) -> {row['per_core']:.0f} calls "
            f"per core; generator CPU {row['callers_cpu'] * 100:.0f}% (callers) "
            f"{row['callee_cpu'] * 100:.0f}% (callee), its clock late p99 "
            f"{row['late_p99_ms']:.2f} ms [{'pass' if row['ok'] else 'FAIL'}]",
            flush=True,
        )
        if row["failures"]:
            examples = "; ".join(sorted(set(row["failures"]))[:3])
            print(f"{name}: {len(row['failures'])} calls failed, e.g. {examples}", flush=True)
    print_largest_passing(rows, "calls", "relayed calls", f"{name}: ")
    return rows


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
    from aiortc.mediastreams import MediaStreamError
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

    async def lost(peers: list[Any]) -> int:
        """Packets the peers' inbound RTP statistics count lost (sequence numbers)."""
        total = 0
        for peer in peers:
            for stats in (await peer.getStats()).values():
                if stats.type == "inbound-rtp":
                    total += stats.packetsLost
        return total

    async def browse() -> None:
        loop = asyncio.get_running_loop()
        received = [0]
        peers: list[Any] = []

        async def listen(track: MediaStreamTrack) -> None:
            with contextlib.suppress(MediaStreamError):  # the leg closed, at the end
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
        # From "measure" (or the start, without one) to "done", the end of the step.
        measured_from, frames_before, lost_before = loop.time(), 0, 0
        while (said := await loop.run_in_executor(None, connection.recv)) != "done":
            assert said == "measure", said
            measured_from, frames_before, lost_before = loop.time(), received[0], await lost(peers)
        connection.send(
            {
                "frames": received[0] - frames_before,
                "seconds": loop.time() - measured_from,
                "lost": await lost(peers) - lost_before,
            }
        )
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
        "browsers_received": float(browsers_received["frames"]),
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


async def _bridge_phones(connection: Connection, count: int) -> None:
    """``count`` plain phones: their RTP ports to the parent, the desk's ports from it;
    then a PCMU frame of noise to each every 20 ms, and what they received from
    "measure" to "done" back to the parent."""
    sessions = [await open_session(measure_from=math.inf) for _ in range(count)]
    connection.send([s.transport.get_extra_info("sockname")[1] for s in sessions])
    desk_ports = await asyncio.get_running_loop().run_in_executor(None, connection.recv)
    for session, port in zip(sessions, desk_ports, strict=True):
        session.remote = (HOST, port)
    stop = asyncio.Event()
    lateness: list[float] = []
    sending = asyncio.create_task(send_frames(sessions, stop, lateness))
    started = time.monotonic()
    result = await _measured(connection, sessions, lateness, "done")
    result["seconds"] = time.monotonic() - max(
        (s.reception.measure_from for s in sessions), default=started
    )
    stop.set()
    await sending
    connection.send(result)


def bridge_phones(connection: Connection, count: int) -> None:
    run(_bridge_phones(connection, count))


@dataclass
class BridgeDialog:
    """What the desk's clock reads of a call it answered (``DeskDialog``): its Call-ID
    and the call it ticks. The signalling of the two legs is not measured here."""

    call_id: str
    call: Any


async def bridge_step(count: int, seconds: float) -> dict[str, float]:
    """``count`` browsers each bridged to a plain phone as the desk bridges them (see the
    module's comment), measured for ``seconds``."""
    from officina.pbx.media.bridge import BridgedCall
    from officina.pbx.media.desk import MediaDesk
    from officina.pbx.media.ports import MediaPorts
    from officina.pbx.media.session import RtpSession
    from officina.pbx.media.webrtc import WebRtcSession
    from officina.sip.sdp import Codec, answer, audio_agreement
    from officina.sip.sdp import offer as desk_offer

    loop = asyncio.get_running_loop()
    spawn = multiprocessing.get_context("spawn")
    to_browsers, browsers_end = multiprocessing.Pipe()
    to_phones, phones_end = multiprocessing.Pipe()
    children = [
        spawn.Process(target=opus_browsers, args=(browsers_end, count), daemon=True),
        spawn.Process(target=bridge_phones, args=(phones_end, count), daemon=True),
    ]
    for child in children:
        child.start()
    ports = MediaPorts(HOST, 42000, 43999)
    # The desk's media clock, with neither signalling nor a directory: only its clock runs.
    desk = MediaDesk(cast(Any, None), cast(Any, None), ports, HOST)
    phone_ports = await loop.run_in_executor(None, to_phones.recv)
    bridges: list[BridgedCall] = []
    browsers: list[WebRtcSession] = []
    for index, phone_port in enumerate(phone_ports):
        browser_offer = await loop.run_in_executor(None, to_browsers.recv)
        browser = WebRtcSession(*ports.open(), HOST)
        to_browsers.send(await browser.answer(browser_offer.encode()))
        browsers.append(browser)
        rtp, rtcp = ports.open()
        # The desk's offer to the phone, the browser's law (PCMU) first, and the phone's
        # answer (PCMU), as ``MediaDesk._call_onward`` and ``_onward_answered`` make them.
        ours = desk_offer(
            address=HOST,
            port=rtp.getsockname()[1],
            codecs=[Codec("0", "PCMU", 8000), Codec("8", "PCMA", 8000)],
        )
        theirs = answer(ours, address=HOST, ports=[phone_port], codecs=["PCMU"])
        phone = RtpSession(rtp, rtcp, audio_agreement(theirs, theirs), lambda _digit: None)
        await phone.start()
        bridge = BridgedCall(browser, phone, on_done=lambda _call: None)
        bridges.append(bridge)
        desk.dialogs[f"bridge-{index}"] = cast(Any, BridgeDialog(f"bridge-{index}", bridge))
    to_phones.send([bridge.onward.local_port for bridge in bridges])
    clock = loop.create_task(desk.run_clock())
    await asyncio.sleep(WARM_UP)  # ICE and DTLS, the first frames
    relayed_before = [dict(bridge.relayed) for bridge in bridges]
    cpu_before, wall_before = time.process_time(), time.monotonic()
    to_browsers.send("measure")
    to_phones.send("measure")
    # How late this loop runs a 20 ms timer on absolute deadlines, as the desk's clock
    # is run (its own ticks are not timed): a late tick holds back every leg's frame.
    lateness: list[float] = []
    deadline = time.monotonic()
    while time.monotonic() < wall_before + seconds:
        deadline += 0.02
        await asyncio.sleep(max(deadline - time.monotonic(), 0))
        lateness.append(max(time.monotonic() - deadline, 0.0))
    to_browsers.send("done")
    to_phones.send("done")
    cpu = (time.process_time() - cpu_before) / (time.monotonic() - wall_before)
    at_browsers = await loop.run_in_executor(None, to_browsers.recv)
    at_phones = await loop.run_in_executor(None, to_phones.recv)
    clock.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await clock
    relayed = {
        way: sum(
            b.relayed[way] - before[way] for b, before in zip(bridges, relayed_before, strict=True)
        )
        for way in ("to_onward", "to_caller")
    }
    for bridge in bridges:
        bridge.session.close()
        bridge.onward.close()
    desk.dialogs.clear()
    desk.close()
    await asyncio.sleep(0.5)
    for child in children:
        child.join(10)
    return {
        "legs": float(count),
        "cpu": cpu,
        "per_core": count / cpu if cpu > 0 else float("inf"),
        "browser_frames_s": at_browsers["frames"] / count / at_browsers["seconds"],
        "browser_lost": float(at_browsers["lost"]),
        "phone_frames_s": at_phones["received"] / count / at_phones["seconds"],
        "phone_lost": float(at_phones["lost"]),
        **percentiles(at_phones["deviations"]),
        "late_p99_ms": float(np.percentile(np.array(lateness) * 1000, 99)),
        "phones_late_p99_ms": float(np.percentile(at_phones["late"], 99)),
        "to_phones_s": relayed["to_onward"] / count / seconds,
        "to_browsers_s": relayed["to_caller"] / count / seconds,
        "dropped": float(sum(browser.counters.send_dropped for browser in browsers)),
    }


def bridge_cost(steps: list[int], seconds: float) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officina.settings.test")
    django.setup()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}", flush=True)
    for count in steps:
        row = run(bridge_step(count, seconds))
        lost = row["browser_lost"] + row["phone_lost"]
        ok = (
            lost == 0
            and row["p99_ms"] < 20
            and row["browser_frames_s"] >= 47.5
            and row["phone_frames_s"] >= 47.5
        )
        print(
            f"{count:4d} browsers bridged to phones: {row['cpu'] * 100:5.1f}% of a core "
            f"-> {row['per_core']:.0f} bridges per core; frames in per leg: browser "
            f"{row['browser_frames_s']:.1f}/s, phone {row['phone_frames_s']:.1f}/s; lost: "
            f"browsers {row['browser_lost']:.0f}, phones {row['phone_lost']:.0f}; phone "
            f"jitter p50 {row['p50_ms']:.2f} ms p99 {row['p99_ms']:.2f} ms; relayed per leg "
            f"{row['to_phones_s']:.1f}/s to the phone, {row['to_browsers_s']:.1f}/s to the "
            f"browser; {row['dropped']:.0f} frames dropped (sender behind); clock late p99: "
            f"bridge {row['late_p99_ms']:.1f} ms, phones {row['phones_late_p99_ms']:.1f} ms; "
            f"load average "
            f"{os.getloadavg()[0]:.2f} [{'pass' if ok else 'FAIL'}]",
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
    parser.add_argument(
        "--bridge",
        default="",
        help="comma-separated counts of browsers bridged at once to plain RTP phones",
    )
    parser.add_argument(
        "--relayed",
        default="100,200,300",
        help="comma-separated steps of concurrent calls between two phones through rtpengine",
    )
    parser.add_argument(
        "--no-kamailio",
        dest="kamailio",
        action="store_false",
        help="leave out the reference: the relayed calls through Kamailio and its rtpengine",
    )
    args = parser.parse_args()
    if args.opus:
        opus_cost([int(n) for n in args.opus.split(",")], args.seconds)
    if args.bridge:
        bridge_cost([int(n) for n in args.bridge.split(",")], args.seconds)
    if args.conference:
        conference_cost([int(n) for n in args.conference.split(",")])
    if args.sessions:
        voicemail_sessions([int(n) for n in args.sessions.split(",")], args.seconds)
    if args.relayed:
        relayed_calls([int(n) for n in args.relayed.split(",")], args.seconds, args.kamailio)


def voicemail_sessions(steps: list[int], seconds: float) -> None:
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed (the PBX speaks its prompts with it)")
    with tempfile.TemporaryDirectory(prefix="officina-media-bench-") as folder:
        workdir = Path(folder)
        (workdir / "var").mkdir()
        server = start_server(workdir)
        try:
            # Ready when one call is answered: the PBX loads its prompts after it starts
            # listening, and calls that come before are not what a step measures.
            deadline = time.monotonic() + 60
            while run(run_step(1, 1.0))["answered"] < 1:
                if time.monotonic() > deadline:
                    raise SystemExit("the PBX answered no call in 60 s")
            rows = []
            for count in steps:
                before = process_tree_cpu(server.pid)
                started = time.monotonic()
                row = run(run_step(count, seconds))
                elapsed = time.monotonic() - started
                cpu = (process_tree_cpu(server.pid) - before) / elapsed
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
            print_largest_passing(rows, "sessions", "sessions")
        finally:
            stop(server)


if __name__ == "__main__":
    main()
