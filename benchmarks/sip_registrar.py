"""What one registration costs the PBX, and what any Python server would pay anyway.

    .venv/bin/python benchmarks/sip_registrar.py [--registrations 5000]
    .venv/bin/python benchmarks/sip_registrar.py --floor [--rate 3000]

Without --floor: drives the PBX's ``SipServer`` in process, as the UDP
transport does, with SIPp's two REGISTERs (no credentials, 401; with digest
credentials, 200) for 498 extensions, and prints the microseconds of CPU
each half takes on one core, then what the stages of the authenticated
REGISTER cost on their own.

With --floor: runs SIPp's registration scenario against a Python responder
that does next to nothing (uvloop, one datagram in, the copied headers and a
canned 401 or 200 out) and prints its CPU per registration: the share of the
event loop and the kernel, which no SIP work can go below.
"""

from __future__ import annotations

import argparse
import asyncio
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
    from officina.sip import Peer, SipRequest, SipResponse, parse_message, stamp_via
    from officina.sip.digest import DigestClient

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

    def authorized(extension: str, number: int, challenge: bytes) -> bytes:
        request = parse_message(first_register(extension, number))
        response = parse_message(challenge)
        assert isinstance(request, SipRequest) and isinstance(response, SipResponse)
        retry = DigestClient(extension, PASSWORD).authorize(request, response)
        assert retry is not None
        via = f"SIP/2.0/UDP 127.0.0.1:15173;branch=z9hG4bK-1-{number}-3;rport"
        retry.set_header("Via", via)
        return retry.serialize()

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
            retry = authorized(extension, number, wire.last)
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

    port = 15260
    with tempfile.TemporaryDirectory(prefix="officina-sip-floor-") as temp:
        workdir = Path(temp)
        server = subprocess.Popen([sys.executable, __file__, "--serve-floor", str(port)])
        try:
            time.sleep(1.0)
            users = sip.write_csv(
                workdir / "users.csv", [sip.credentials_row(str(201 + i)) for i in range(50)]
            )
            before = sip.cpu_seconds(server.pid)
            step = sip.sipp_run(
                "register.xml", port, port + 13, workdir, rate, int(rate * seconds),
                ["-inf", str(users), "-key", "contact_host", "127.0.0.1", "-key",
                 "contact_port", "5999", "-key", "expires", "3600"],
                timeout=seconds * 3 + 30,
            )  # fmt: skip
            cpu = sip.cpu_seconds(server.pid) - before
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
    parser.add_argument("--floor", action="store_true", help="measure the do-nothing responder")
    parser.add_argument("--rate", type=float, default=3000.0, help="with --floor")
    parser.add_argument("--seconds", type=float, default=8.0, help="with --floor")
    parser.add_argument("--serve-floor", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor)
    elif args.floor:
        floor(args.rate, args.seconds)
    else:
        in_process(args.registrations)


if __name__ == "__main__":
    main()
