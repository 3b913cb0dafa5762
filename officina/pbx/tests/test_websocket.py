"""SIP over WebSocket (RFC 7118) through the ASGI app, and calls reaching a browser's
connection; SIP over TCP with its limits."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
import uvicorn
import websockets
from asgiref.sync import sync_to_async
from websockets.typing import Origin, Subprotocol

from officina.pbx.runtime import start_pbx
from officina.pbx.tests.livepbx import HOST, make_extensions, port_base
from officina.pbx.transports import base as transport_limits
from officina.sip import SipRequest, SipResponse, make_response, parse_message
from officina.sip.digest import DigestClient

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORDS = {"201": "udp-phone-secret", "202": "browser-secret"}
REALM = "officina.local"


def request(method: str, uri: str, user: str, to: str, via: str, number: int) -> SipRequest:
    return SipRequest(
        method,
        uri,
        [
            ("Via", f"{via};branch=z9hG4bKws{number}"),
            ("Max-Forwards", "70"),
            ("From", f"<sip:{user}@{REALM}>;tag=t{number}"),
            ("To", to),
            ("Call-ID", f"ws-test-{method}-{number}"),
            ("CSeq", f"1 {method}"),
            ("Contact", f"<sip:{user}@df7jal23ls0d.invalid;transport=ws>"),
            ("Expires", "600"),
        ],
    )


def frame(data: str | bytes) -> bytes:
    return data.encode() if isinstance(data, str) else data


class UdpPhone(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.messages: asyncio.Queue[SipRequest | SipResponse] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.messages.put_nowait(parse_message(data))


async def next_response(queue: asyncio.Queue[SipRequest | SipResponse], status: int) -> SipResponse:
    while True:
        message = await asyncio.wait_for(queue.get(), 5)
        if isinstance(message, SipResponse) and message.status == status:
            return message


@contextlib.asynccontextmanager
async def servers():
    await sync_to_async(make_extensions)(PASSWORDS)
    sip_port = port_base() + 70
    web_port = 18100 + (port_base() - 15200) // 100
    running = await start_pbx(HOST, sip_port, advertised_host=HOST)
    from officina.asgi import application

    web = uvicorn.Server(
        uvicorn.Config(application, host=HOST, port=web_port, lifespan="off", log_level="warning")
    )
    serving = asyncio.ensure_future(web.serve())
    while not web.started:
        await asyncio.sleep(0.05)
    try:
        yield running, sip_port, web_port
    finally:
        web.should_exit = True
        await serving
        await running.stop()


async def test_browser_registers_over_websocket_and_only_a_browsers_call_rings_it():
    async with servers() as (running, sip_port, web_port):
        browser = await websockets.connect(
            f"ws://{HOST}:{web_port}/sip/ws",
            subprotocols=[Subprotocol("sip")],
            origin=Origin(f"http://{HOST}:{web_port}"),
        )
        assert browser.subprotocol == "sip"
        via = "SIP/2.0/WS df7jal23ls0d.invalid"
        register = request("REGISTER", f"sip:{REALM}", "202", f"<sip:202@{REALM}>", via, 1)
        await browser.send(register.serialize().decode())
        challenge = parse_message(frame(await browser.recv()))
        assert isinstance(challenge, SipResponse) and challenge.status == 401
        retry = DigestClient("202", PASSWORDS["202"]).authorize(register, challenge)
        assert retry is not None
        retry.set_header("Via", f"{via};branch=z9hG4bKws2")
        await browser.send(retry.serialize().decode())
        ok = parse_message(frame(await browser.recv()))
        assert isinstance(ok, SipResponse) and ok.status == 200

        # A desk phone on UDP calls the browser's extension. With no rtpengine to bridge
        # plain RTP and WebRTC the browser could not take the call: it is not rung, and
        # 202, with no other phone, is unreachable, so the voicemail answers.
        loop = asyncio.get_running_loop()
        transport, phone = await loop.create_datagram_endpoint(
            UdpPhone, local_addr=(HOST, sip_port + 1)
        )
        for _ in range(150):  # the voicemail's prompts are ready (read at start)
            if len(running.media.sounds) >= 2:
                break
            await asyncio.sleep(0.1)
        udp_via = f"SIP/2.0/UDP {HOST}:{sip_port + 1}"
        invite = request("INVITE", f"sip:202@{REALM}", "201", f"<sip:202@{REALM}>", udp_via, 3)
        invite.set_header("Contact", f"<sip:201@{HOST}:{sip_port + 1}>")
        transport.sendto(invite.serialize(), (HOST, sip_port))
        proxy_challenge = await next_response(phone.messages, 407)
        authorized = DigestClient("201", PASSWORDS["201"]).authorize(invite, proxy_challenge)
        assert authorized is not None
        authorized.set_header("Via", f"{udp_via};branch=z9hG4bKws4;rport")
        transport.sendto(authorized.serialize(), (HOST, sip_port))
        answered = await next_response(phone.messages, 200)
        assert "sip:voicemail@" in (answered.header("Contact") or "")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(browser.recv(), 0.5)  # no INVITE came down
        transport.close()

        # Another browser calls it: the INVITE comes down the first's own WebSocket (its
        # Contact host does not exist), recorded on the WebSocket transport.
        caller = await websockets.connect(
            f"ws://{HOST}:{web_port}/sip/ws",
            subprotocols=[Subprotocol("sip")],
            origin=Origin(f"http://{HOST}:{web_port}"),
        )
        ws_invite = request("INVITE", f"sip:202@{REALM}", "201", f"<sip:202@{REALM}>", via, 5)
        await caller.send(ws_invite.serialize().decode())
        challenge = parse_message(frame(await asyncio.wait_for(caller.recv(), 5)))
        assert isinstance(challenge, SipResponse) and challenge.status == 407
        authorized = DigestClient("201", PASSWORDS["201"]).authorize(ws_invite, challenge)
        assert authorized is not None
        authorized.set_header("Via", f"{via};branch=z9hG4bKws6")
        await caller.send(authorized.serialize().decode())
        incoming = parse_message(frame(await asyncio.wait_for(browser.recv(), 5)))
        assert isinstance(incoming, SipRequest) and incoming.method == "INVITE"
        assert incoming.uri_text == "sip:202@df7jal23ls0d.invalid;transport=ws"
        assert "transport=ws" in (incoming.header("Record-Route") or "")
        busy = make_response(incoming, 486, to_tag="browser")
        await browser.send(busy.serialize().decode())
        final = None
        while final is None:
            message = parse_message(frame(await asyncio.wait_for(caller.recv(), 5)))
            if isinstance(message, SipResponse) and message.status >= 200:
                final = message
        # Busy everywhere: the caller gets 202's voicemail instead of the 486.
        assert final.status == 200 and "sip:voicemail@" in (final.header("Contact") or "")
        await caller.close()

        await browser.close()
        await asyncio.sleep(0.2)
        # A closed WebSocket takes its binding with it: the browser is unreachable now.
        entry = running.directory.entry("202")
        assert entry is not None
        assert running.directory.live_bindings(entry.extension_id) == []


async def test_websocket_without_the_sip_subprotocol_is_refused():
    async with servers() as (_running, _sip_port, web_port):
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(
                f"ws://{HOST}:{web_port}/sip/ws", origin=Origin(f"http://{HOST}:{web_port}")
            ) as connection:
                await connection.recv()


async def test_tcp_registration_and_slow_or_oversized_streams_are_cut():
    async with servers() as (running, sip_port, _web_port):
        reader, writer = await asyncio.open_connection(HOST, sip_port)
        local_port = writer.get_extra_info("sockname")[1]
        via = f"SIP/2.0/TCP {HOST}:{local_port}"
        register = request("REGISTER", f"sip:{REALM}", "201", f"<sip:201@{REALM}>", via, 5)
        writer.write(b"\r\n\r\n" + register.serialize())  # a keep-alive ping first
        await writer.drain()
        assert await asyncio.wait_for(reader.readexactly(2), 5) == b"\r\n"  # the pong
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"SIP/2.0 401")
        writer.close()

        # A message that never ends is cut off instead of holding memory.
        _reader, slow = await asyncio.open_connection(HOST, sip_port)
        slow.write(b"REGISTER sip:officina.local SIP/2.0\r\nVia: SIP/2.0/TCP x")
        await slow.drain()
        assert running.network.tcp is not None
        await asyncio.sleep(0.3)
        now = transport_limits.monotonic() + transport_limits.PARTIAL_MESSAGE_TIMEOUT + 1
        assert running.network.tcp.reap_stalled(now) == 1
        slow.close()

        # An oversized message closes the connection.
        big_reader, big = await asyncio.open_connection(HOST, sip_port)
        big.write(b"OPTIONS sip:x SIP/2.0\r\nX-Padding: " + b"a" * 70_000)
        await big.drain()
        assert await asyncio.wait_for(big_reader.read(), 5) == b""
        big.close()


async def test_a_udp_flood_is_survived_with_bounded_state():
    async with servers() as (running, sip_port, _web_port):
        loop = asyncio.get_running_loop()
        flood, _protocol = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, local_addr=(HOST, sip_port + 2)
        )
        options = request("OPTIONS", f"sip:{REALM}", "201", f"<sip:{REALM}>", "x", 0)
        header_flood = options.serialize().replace(
            b"\r\n\r\n", b"\r\n" + b"X-F: 1\r\n" * 400 + b"\r\n"
        )
        for index in range(3000):
            flood.sendto(b"\x16\x03\x01 not sip at all", (HOST, sip_port))
            flood.sendto(b"INVITE sip:a SIP/2.0\r\n" + b"A" * 40_000, (HOST, sip_port))
            flood.sendto(header_flood, (HOST, sip_port))
            if index % 200 == 0:
                await asyncio.sleep(0)  # let the server read
        await asyncio.sleep(0.5)
        flood.close()
        server = running.server
        assert len(server.limiter) <= server.limiter.max_sources
        assert len(server.layer.core) < 10  # the flood opened no transactions

        # The flooding address is silenced; another one is served at once.
        transport, phone = await loop.create_datagram_endpoint(
            UdpPhone, local_addr=("127.0.0.2", sip_port + 3)
        )
        probe = request(
            "OPTIONS", f"sip:{REALM}", "201", f"<sip:{REALM}>",
            f"SIP/2.0/UDP 127.0.0.2:{sip_port + 3}", 99,
        )  # fmt: skip
        transport.sendto(probe.serialize(), (HOST, sip_port))
        assert (await next_response(phone.messages, 200)).status == 200
        transport.close()
