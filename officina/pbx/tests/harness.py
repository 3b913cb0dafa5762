"""An in-memory network for driving the SIP server without sockets.

``Phone`` plays a SIP device: it builds requests, answers challenges with the
SIP core's digest client, and reads what the server sent to its address.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from officina.pbx.cdr import CallRecordWriter
from officina.pbx.directory import Directory
from officina.pbx.server import ServerConfig, SipServer
from officina.pbx.transports.base import Connection, Flow
from officina.sip import SipRequest, SipResponse, make_response, parse_message
from officina.sip.digest import DigestClient
from officina.sip.rport import Peer

REALM = "officina.local"
PROXY_HOST = "10.0.0.1"
PROXY_PORT = 5060


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.wall_now = 1_800_000_000.0

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.wall_now

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.wall_now += seconds


class FakeNetwork:
    """Collects what the server sends, by destination address."""

    def __init__(self) -> None:
        self.sent: list[tuple[Peer, bytes]] = []
        self.connections: dict[str, Connection] = {}

    def send(self, peer: Peer, data: bytes) -> bool:
        self.sent.append((Peer(peer.transport, peer.host, peer.port), data))
        return True

    def send_datagram(self, data: bytes, address: tuple[str, int]) -> None:
        self.sent.append((Peer("UDP", *address), data))

    def connection(self, key: str) -> Connection | None:
        return self.connections.get(key)

    def local_via(self, transport: str) -> tuple[str, int]:
        return PROXY_HOST, PROXY_PORT

    def take(self, host: str, port: int) -> list[SipRequest | SipResponse]:
        """Messages sent to ``host:port`` since the last take (removed from the log)."""
        mine = [data for peer, data in self.sent if (peer.host, peer.port) == (host, port)]
        self.sent = [
            (peer, data) for peer, data in self.sent if (peer.host, peer.port) != (host, port)
        ]
        return [parse_message(data) for data in mine]


class Pbx:
    def __init__(self, directory: Directory) -> None:
        self.clock = FakeClock()
        directory.clock = self.clock.wall
        self.network = FakeNetwork()
        self.records = CallRecordWriter()
        self.server = SipServer(
            ServerConfig(realm=REALM, secret=b"0123456789abcdef0123456789abcdef"),
            directory,
            self.network,
            self.records,
            clock=self.clock.monotonic,
            wall=self.clock.wall,
        )
        self.server.routes.local_hosts = {PROXY_HOST, REALM}
        self.directory = directory

    def advance(self, seconds: float) -> None:
        """Let time pass, firing due timers in small steps."""
        end = self.clock.now + seconds
        while self.clock.now < end:
            self.clock.advance(min(0.25, end - self.clock.now))
            self.server.tick(self.clock.now)


_numbers = itertools.count(1)


@dataclass
class Phone:
    pbx: Pbx
    user: str
    password: str
    host: str
    port: int
    transport: str = "UDP"
    user_agent: str = "Test phone"
    connection: Connection | None = None
    cseq: int = field(default=0)

    def __post_init__(self) -> None:
        self.digest = DigestClient(self.user, self.password)

    @property
    def flow(self) -> Flow:
        return Flow(
            self.transport,
            self.host,
            self.port,
            connection=self.connection,
            sender=self.pbx.network if self.connection is None else None,
        )

    def via_sent_by(self) -> str:
        return f"SIP/2.0/{self.transport} {self.host}:{self.port}"

    def send(self, message: SipRequest | SipResponse | bytes) -> None:
        data = message if isinstance(message, bytes) else message.serialize()
        self.pbx.server.receive(data, self.flow)

    def inbox(self) -> list[SipRequest | SipResponse]:
        return self.pbx.network.take(self.host, self.port)

    def request(
        self,
        method: str,
        uri: str,
        to: str,
        *,
        call_id: str | None = None,
        from_tag: str | None = None,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
    ) -> SipRequest:
        self.cseq += 1
        number = next(_numbers)
        return SipRequest(
            method,
            uri,
            [
                ("Via", f"{self.via_sent_by()};branch=z9hG4bKt{number};rport"),
                ("Max-Forwards", "70"),
                ("From", f"<sip:{self.user}@{REALM}>;tag={from_tag or f'f{number}'}"),
                ("To", to),
                ("Call-ID", call_id or f"call-{number}@{self.host}"),
                ("CSeq", f"{self.cseq} {method}"),
                ("Contact", f"<sip:{self.user}@{self.host}:{self.port}>"),
                ("User-Agent", self.user_agent),
                *(headers or []),
            ],
            body,
        )

    def authorized(self, request: SipRequest, challenge: SipResponse) -> SipRequest:
        retry = self.digest.authorize(request, challenge)
        assert retry is not None
        number = next(_numbers)
        retry.set_header("Via", f"{self.via_sent_by()};branch=z9hG4bKt{number};rport")
        self.cseq = retry.cseq.number
        return retry

    def register(self, expires: int = 3600, contact: str | None = None) -> SipResponse:
        headers = [("Expires", str(expires))]
        request = self.request(
            "REGISTER", f"sip:{REALM}", f"<sip:{self.user}@{REALM}>", headers=headers
        )
        if contact is not None:
            request.set_header("Contact", contact)
        self.send(request)
        challenge = self.last_response()
        if challenge.status != 401:
            return challenge
        self.send(self.authorized(request, challenge))
        return self.last_response()

    async def register_checked_in_database(self) -> SipResponse:
        """Register with credentials the server reads from the database before answering
        (a wrong password, an extension made since the last refresh)."""
        request = self.request("REGISTER", f"sip:{REALM}", f"<sip:{self.user}@{REALM}>")
        self.send(request)
        challenge = self.last_response()
        if challenge.status != 401:
            return challenge
        self.send(self.authorized(request, challenge))
        return await self.awaited_response()

    def last_response(self) -> SipResponse:
        responses = [m for m in self.inbox() if isinstance(m, SipResponse)]
        assert responses, "no response"
        return responses[-1]

    async def awaited_response(self) -> SipResponse:
        """The last response, once the server's look-ups have let it answer."""
        for _ in range(250):
            responses = [m for m in self.inbox() if isinstance(m, SipResponse)]
            if responses:
                return responses[-1]
            await asyncio.sleep(0.02)
        raise AssertionError("no response")

    def answer(self, request: SipRequest, status: int, to_tag: str = "callee") -> SipResponse:
        response = make_response(request, status, to_tag=to_tag)
        if request.method == "INVITE" and status < 300:
            for value in request.header_values("Record-Route"):
                response.add_header("Record-Route", value)
            response.add_header("Contact", f"<sip:{self.user}@{self.host}:{self.port}>")
        self.send(response)
        return response
