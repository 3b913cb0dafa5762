"""What one registration or one call costs the PBX, and what any Python server would pay anyway.

    .venv/bin/python benchmarks/sip_registrar.py [--registrations 5000]
    .venv/bin/python benchmarks/sip_registrar.py --calls 3000 [--profile]
    .venv/bin/python benchmarks/sip_registrar.py --floor [--rate 3000]

Without --floor or --calls: drives the PBX's ``SipServer`` in process, as the UDP
transport does, with SIPp's two REGISTERs (no credentials, 401; with digest
credentials, 200) for 498 extensions, and prints the microseconds of CPU
each half takes on one core, then what the stages of the authenticated
REGISTER cost on their own.

With --calls: starts the PBX as ``officina serve`` does (a fresh SQLite database
in a temporary directory, every part attached), but hands its messages to it
in process, as the UDP transport does, with what it sends kept in memory. Two
registered phones then make SIPp's call scenario (uac_call.xml against
uas_answer.xml): INVITE, 407, ACK, INVITE with credentials, 100, 180, 200,
ACK, BYE, 200 -- eight messages in, eight out. It prints the microseconds of
CPU per call on the PBX's thread (its event loop's turn after each message
included, the phones' own work left out), the garbage collector's share of it by
generation, and with --profile the 30 functions with the
most time of their own (OFFICINA_BENCH_CUMULATIVE=<n> adds the first n by
cumulative time). No sockets are read or written: the kernel's share, which
`benchmarks/sip.py` counts, is not in these figures. Nor is a steady state: a call's
transactions live up to 32 s (Timers J, L, M), so a run of fewer calls than the PBX
makes in 32 s keeps every call it made, and a longer one (--calls 10000 --rounds 7)
shows what the collector pays for the calls kept.

With --floor: runs SIPp's registration scenario against a Python responder
that does next to nothing (uvloop, one datagram in, the copied headers and a
canned 401 or 200 out) and prints its CPU per registration: the share of the
event loop and the kernel, which no SIP work can go below.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

REALM = "bench.officina.local"
PASSWORD = "bench-secret"  # noqa: S105 - throwaway extensions in memory
EXTENSIONS = 498
SOURCE = ("127.0.0.1", 15173)


def first_register(extension: str, number: int) -> bytes:
    """REGISTER as SIPp's register.xml writes it, without credentials."""
    return (
        f"REGISTER sip:127.0.0.1:15160 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:15173;branch=z9hG4bK-1-{number}-0;rport\r\n"
        f"From: <sip:{extension}@127.0.0.1>;tag=1reg{number}\r\n"
        f"To: <sip:{extension}@127.0.0.1>\r\n"
        f"Call-ID: {number}-1@127.0.0.1\r\n"
        f"CSeq: 1 REGISTER\r\n"
        f"Contact: <sip:{extension}@127.0.0.1:5999;transport=UDP>\r\n"
        f"Max-Forwards: 70\r\nExpires: 3600\r\nUser-Agent: SIPp register\r\n"
        f"Content-Length: 0\r\n\r\n"
    ).encode()


def authorized_register(extension: str, number: int, challenge: bytes) -> bytes:
    """The second REGISTER of SIPp's scenario: the first one with digest credentials."""
    from officina.sip import SipRequest, SipResponse, parse_message
    from officina.sip.digest import DigestClient

    request = parse_message(first_register(extension, number))
    response = parse_message(challenge)
    assert isinstance(request, SipRequest) and isinstance(response, SipResponse)
    retry = DigestClient(extension, PASSWORD).authorize(request, response)
    assert retry is not None
    via = f"SIP/2.0/UDP 127.0.0.1:15173;branch=z9hG4bK-1-{number}-3;rport"
    retry.set_header("Via", via)
    return retry.serialize()


def in_process(registrations: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "officina.settings.test")
    import django

    django.setup()
    from officina.pbx.cdr import CallRecordWriter
    from officina.pbx.credentials import digest_ha1_pair
    from officina.pbx.directory import Directory
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.server import ServerConfig, SipServer
    from officina.pbx.transports.base import Flow
    from officina.sip import Peer, SipRequest, parse_message, stamp_via

    class Wire:
        """Keeps the last datagram the server sent."""

        last = b""

        def send(self, peer: Peer, data: bytes) -> bool:
            self.last = data
            return True

        def send_datagram(self, data: bytes, address: tuple[str, int]) -> None:
            self.last = data

        def connection(self, key: str) -> None:
            return None

        def local_via(self, transport: str) -> tuple[str, int]:
            return ("127.0.0.1", 15160)

    directory = Directory(node="bench")
    for index in range(EXTENSIONS):
        number = str(203 + index)
        md5, sha256 = digest_ha1_pair(number, REALM, PASSWORD)
        directory.add_entry(DirectoryEntry(index + 1, number, "", REALM, md5, sha256))
    wire = Wire()
    server = SipServer(
        ServerConfig(realm=REALM, secret=b"s" * 32, node="bench", digest_algorithms=("MD5",)),
        directory,
        wire,
        CallRecordWriter(),
    )

    def run(count: int, offset: int) -> tuple[float, float, bytes]:
        challenge_cpu = register_cpu = 0.0
        clock = time.thread_time
        retry = b""
        for k in range(count):
            number = offset + k
            extension = str(203 + number % EXTENSIONS)
            data = first_register(extension, number)
            started = clock()
            server.receive(data, Flow("UDP", *SOURCE, sender=wire))
            challenge_cpu += clock() - started
            assert wire.last.startswith(b"SIP/2.0 401"), wire.last[:60]
            retry = authorized_register(extension, number, wire.last)
            started = clock()
            server.receive(retry, Flow("UDP", *SOURCE, sender=wire))
            register_cpu += clock() - started
            assert wire.last.startswith(b"SIP/2.0 200"), wire.last[:60]
        return challenge_cpu / count * 1e6, register_cpu / count * 1e6, retry

    run(2000, 0)  # warm-up: every extension bound once, caches filled
    challenge, register, sample = run(registrations, 100_000)
    pair = challenge + register
    print(f"in process, one core, {registrations} registrations after 2,000 of warm-up:")
    print(f"  REGISTER without credentials -> 401   {challenge:7.1f} us")
    print(f"  REGISTER with credentials    -> 200   {register:7.1f} us")
    print(f"  one registration                       {pair:7.1f} us  ({1e6 / pair:,.0f}/s)")

    source = Peer("UDP", *SOURCE)

    def stage(label: str, action: Callable[[], object], repeat: int = 20_000) -> None:
        started = time.thread_time()
        for _ in range(repeat):
            action()
        print(f"  {label:44}{(time.thread_time() - started) / repeat * 1e6:7.1f} us")

    def stamped() -> None:
        request = parse_message(sample)
        assert isinstance(request, SipRequest)
        stamp_via(request, source)

    def credentials() -> None:
        request = parse_message(sample)
        assert isinstance(request, SipRequest)
        server.digest.credentials_for_realm(request)

    parsed = parse_message(sample)
    assert isinstance(parsed, SipRequest)
    print("stages of the authenticated REGISTER, each on its own (cumulative with parsing):")
    stage("parse", lambda: parse_message(sample))
    stage("parse + stamp received/rport into Via", stamped)
    stage("parse + read the Authorization header", credentials)
    stage(
        "challenge: fresh nonce, 401 serialized",
        lambda: server.digest.challenge_response(parsed, time.time(), to_tag="t").serialize(),
    )


# ---------------------------------------------------------------------- one whole call
CALLER, CALLEE = "201", "202"
CALLER_PHONE = ("127.0.0.1", 15172)
CALLEE_PHONE = ("127.0.0.1", 5999)  # the Contact first_register() binds
OFFER = (
    b"v=0\r\no=uac 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    b"m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
)
ANSWER = OFFER.replace(b"uac", b"uas").replace(b"6000", b"6002")


def calls(count: int, rounds: int, profile: bool) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    import sip

    with tempfile.TemporaryDirectory(prefix="officina-sip-calls-") as temp:
        os.environ.update(sip.prepare_officina_database(Path(temp)))
        import django

        django.setup()
        from officina.pbx.runtime import use_uvloop

        use_uvloop()
        asyncio.run(_calls(count, rounds, profile))


async def _calls(count: int, rounds: int, profile: bool) -> None:
    import cProfile
    import pstats
    import statistics

    from officina.pbx.runtime import start_pbx
    from officina.pbx.transports.base import Flow
    from officina.sip import Peer, SipRequest, SipResponse, parse_message
    from officina.sip.digest import DigestClient

    running = await start_pbx("127.0.0.1", 0)
    server = running.server
    pbx_port = running.udp_port
    outbox: dict[tuple[str, int], list[bytes]] = {}

    def keep(peer: Peer, data: bytes) -> bool:
        outbox.setdefault((peer.host, peer.port), []).append(data)
        return True

    class Wire:
        def send_datagram(self, data: bytes, address: tuple[str, int]) -> None:
            outbox.setdefault(address, []).append(data)

    running.network.send = keep  # type: ignore[method-assign]  # nothing leaves the process
    wire = Wire()
    caller_flow = Flow("UDP", *CALLER_PHONE, sender=wire)
    callee_flow = Flow("UDP", *CALLEE_PHONE, sender=wire)
    registrar_flow = Flow("UDP", *SOURCE, sender=wire)
    digest = DigestClient(CALLER, PASSWORD)

    def taken(address: tuple[str, int]) -> list[SipRequest | SipResponse]:
        return [parse_message(data) for data in outbox.pop(address, [])]

    def status_of(message: SipRequest | SipResponse) -> int:
        return message.status if isinstance(message, SipResponse) else 0

    server.receive(first_register(CALLEE, 1), registrar_flow)
    (challenge,) = outbox.pop(SOURCE)
    server.receive(authorized_register(CALLEE, 1, challenge), registrar_flow)
    assert outbox.pop(SOURCE)[0].startswith(b"SIP/2.0 200"), "the callee did not register"

    def invite(number: int) -> bytes:
        return (
            f"INVITE sip:{CALLEE}@127.0.0.1:{pbx_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{CALLER_PHONE[1]};branch=z9hG4bK-c{number}-1;rport\r\n"
            f"From: <sip:{CALLER}@127.0.0.1>;tag={number}uac\r\n"
            f"To: <sip:{CALLEE}@127.0.0.1>\r\n"
            f"Call-ID: {number}-call@127.0.0.1\r\n"
            f"CSeq: 1 INVITE\r\n"
            f"Contact: <sip:{CALLER}@127.0.0.1:{CALLER_PHONE[1]};transport=UDP>\r\n"
            f"Max-Forwards: 70\r\nContent-Type: application/sdp\r\n"
            f"Content-Length: {len(OFFER)}\r\n\r\n"
        ).encode() + OFFER

    def in_dialog(method: str, number: int, cseq: int, answer: SipResponse) -> bytes:
        """The caller's ACK or BYE: to the callee's Contact, along the Record-Route set."""
        routes = "".join(f"Route: {r}\r\n" for r in reversed(answer.header_values("Record-Route")))
        branch = f"z9hG4bK-c{number}-{cseq}"
        return (
            f"{method} {answer.contacts[0].uri_text} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{CALLER_PHONE[1]};branch={branch};rport\r\n"
            f"From: <sip:{CALLER}@127.0.0.1>;tag={number}uac\r\n"
            f"To: {answer.header('To')}\r\n"
            f"Call-ID: {number}-call@127.0.0.1\r\n"
            f"CSeq: {cseq} {method}\r\n{routes}"
            f"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        ).encode()

    def answered(request: SipRequest, status: str, tag: str, body: bytes = b"") -> bytes:
        """The callee's response, its headers copied as uas_answer.xml does."""
        lines = [f"SIP/2.0 {status}"]
        lines += [f"Via: {via}" for via in request.header_values("Via")]
        lines.append(f"From: {request.header('From')}")
        lines.append(f"To: {request.header('To')}{tag}")
        lines.append(f"Call-ID: {request.call_id}")
        lines.append(f"CSeq: {request.header('CSeq')}")
        lines += [f"Record-Route: {route}" for route in request.header_values("Record-Route")]
        lines.append(f"Contact: <sip:127.0.0.1:{CALLEE_PHONE[1]};transport=UDP>")
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    clock = time.thread_time

    async def one_call(number: int, profiler: cProfile.Profile | None = None) -> float:
        """One call as SIPp's scenarios make it; the PBX's CPU seconds for it (and its
        functions in ``profiler``, when given)."""
        spent = 0.0

        async def deliver(data: bytes, flow: Flow) -> None:
            """One datagram, then the event loop's turn, as the UDP transport has it: the
            loop's other work (timers, call records, live pages) runs between messages."""
            nonlocal spent
            started = clock()
            if profiler is not None:
                profiler.enable()
            server.receive(data, flow)
            await asyncio.sleep(0)
            if profiler is not None:
                profiler.disable()
            spent += clock() - started

        first = invite(number)
        await deliver(first, caller_flow)
        (challenge,) = taken(CALLER_PHONE)
        assert isinstance(challenge, SipResponse) and challenge.status == 407, challenge
        ack = first.split(b"\r\nContact:")[0].replace(b"INVITE sip", b"ACK sip", 1)
        ack = ack.replace(b"To: <sip:202@127.0.0.1>", f"To: {challenge.header('To')}".encode())
        ack = ack.replace(b"CSeq: 1 INVITE", b"CSeq: 1 ACK") + b"\r\nContent-Length: 0\r\n\r\n"
        await deliver(ack, caller_flow)
        request = parse_message(first)
        assert isinstance(request, SipRequest)
        retry = digest.authorize(request, challenge)
        assert retry is not None
        retry.set_header(
            "Via", f"SIP/2.0/UDP 127.0.0.1:{CALLER_PHONE[1]};branch=z9hG4bK-c{number}-2;rport"
        )
        await deliver(retry.serialize(), caller_flow)
        assert [status_of(m) for m in taken(CALLER_PHONE)] == [100]
        (forked,) = taken(CALLEE_PHONE)
        assert isinstance(forked, SipRequest) and forked.method == "INVITE", forked
        tag = f";tag={number}uas"
        await deliver(answered(forked, "180 Ringing", tag), callee_flow)
        await deliver(answered(forked, "200 OK", tag, ANSWER), callee_flow)
        ringing, ok = taken(CALLER_PHONE)
        assert status_of(ringing) == 180 and isinstance(ok, SipResponse) and ok.status == 200
        await deliver(in_dialog("ACK", number, 2, ok), caller_flow)
        await deliver(in_dialog("BYE", number, 3, ok), caller_flow)
        _ack_there, bye = taken(CALLEE_PHONE)
        assert isinstance(bye, SipRequest) and bye.method == "BYE", bye
        await deliver(answered(bye, "200 OK", ""), callee_flow)
        assert [status_of(m) for m in taken(CALLER_PHONE)] == [200]
        return spent

    numbers = itertools.count(1)
    for _ in range(500):  # warm-up: caches filled, first call records written
        await one_call(next(numbers))
    # The collector's own CPU time, by generation, from here on (whichever thread it ran on).
    collections = [0.0, 0.0, 0.0]
    collecting_since = [0.0]

    def timed_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting_since[0] = time.thread_time()
        else:
            collections[info["generation"]] += time.thread_time() - collecting_since[0]

    gc.callbacks.append(timed_collection)
    figures, others = [], []
    for _ in range(rounds):
        process, thread = time.process_time(), clock()
        spent = [await one_call(next(numbers)) for _ in range(count)]
        # The database threads' share (call records, registrations written behind).
        others.append(((time.process_time() - process) - (clock() - thread)) / count * 1e6)
        figures.append(sum(spent) / count * 1e6)
    print(f"in process, {rounds} rounds of {count} calls after 500 of warm-up")
    print(f"  CPU per call on the PBX's thread, each round: {_listed(figures)} us")
    print(f"  CPU per call on its database threads:         {_listed(others)} us")
    median = statistics.median(figures)
    print(f"  median on the PBX's thread {median:.0f} us  ({1e6 / median:,.0f} calls/s)")
    gc.callbacks.remove(timed_collection)
    young, middle, full = (seconds / (count * rounds) * 1e6 for seconds in collections)
    print(
        f"  garbage collector, per call: {young + middle + full:.0f} us "
        f"(young {young:.0f}, middle {middle:.0f}, full {full:.0f})"
    )
    if profile:
        # CPU time, not wall time: waits for the database threads to give the GIL back
        # are not the PBX's work.
        profiler = cProfile.Profile(time.thread_time)
        for _ in range(count):
            await one_call(next(numbers), profiler)
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(30)
        if os.environ.get("OFFICINA_BENCH_CUMULATIVE"):
            stats.sort_stats("cumulative").print_stats(int(os.environ["OFFICINA_BENCH_CUMULATIVE"]))
    await running.stop()


def _listed(figures: list[float]) -> str:
    return ", ".join(f"{figure:.0f}" for figure in figures)


class Floor(asyncio.DatagramProtocol):
    """Answers SIPp's registration scenario with the least work a server can do."""

    ECHOED = (b"via:", b"from:", b"to:", b"call-id:", b"cseq:")
    CHALLENGE = (
        b'WWW-Authenticate: Digest realm="bench", nonce="0123456789abcdef", '
        b'algorithm=MD5, qop="auth"\r\n'
    )

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement the interface without subclassing asyncio's.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        head = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        echoed = [line for line in head[1:] if line.lower().startswith(self.ECHOED)]
        authorized = any(line.startswith(b"Authorization:") for line in head)
        status = b"SIP/2.0 200 OK\r\n" if authorized else b"SIP/2.0 401 Unauthorized\r\n"
        extra = b"" if authorized else self.CHALLENGE
        answer = status + b"\r\n".join(echoed) + b"\r\n" + extra + b"Content-Length: 0\r\n\r\n"
        self.transport.sendto(answer, addr)


def serve_floor(port: int) -> None:
    import uvloop

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(Floor, local_addr=("127.0.0.1", port))
        await asyncio.Event().wait()

    uvloop.run(serve())


def floor(rate: float, seconds: float) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    import sip
    from process_cpu import process_tree_cpu

    port = 15260
    with tempfile.TemporaryDirectory(prefix="officina-sip-floor-") as temp:
        workdir = Path(temp)
        server = subprocess.Popen([sys.executable, __file__, "--serve-floor", str(port)])
        try:
            time.sleep(1.0)
            users = sip.write_csv(
                workdir / "users.csv", [sip.credentials_row(str(201 + i)) for i in range(50)]
            )
            before = process_tree_cpu(server.pid)
            step = sip.sipp_run(
                "register.xml", port, port + 13, workdir, rate, int(rate * seconds),
                ["-inf", str(users), "-key", "contact_host", "127.0.0.1", "-key",
                 "contact_port", "5999", "-key", "expires", "3600"],
                timeout=seconds * 3 + 30,
            )  # fmt: skip
            cpu = process_tree_cpu(server.pid) - before
        finally:
            server.terminate()
            server.wait(10)
    verdict = "ok" if step.ok else "FAILED"
    print(
        f"do-nothing Python responder at {rate:.0f} registrations/s: "
        f"{1000 * cpu / step.total:.3f} ms CPU per registration, "
        f"failed {step.failed}/{step.total} ({verdict})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=5000)
    parser.add_argument("--calls", type=int, help="measure whole calls, this many a round")
    parser.add_argument("--rounds", type=int, default=5, help="with --calls")
    parser.add_argument("--profile", action="store_true", help="with --calls: cProfile top 30")
    parser.add_argument("--floor", action="store_true", help="measure the do-nothing responder")
    parser.add_argument("--rate", type=float, default=3000.0, help="with --floor")
    parser.add_argument("--seconds", type=float, default=8.0, help="with --floor")
    parser.add_argument("--serve-floor", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor)
    elif args.calls:
        calls(args.calls, args.rounds, args.profile)
    elif args.floor:
        floor(args.rate, args.seconds)
    else:
        in_process(args.registrations)


if __name__ == "__main__":
    main()
