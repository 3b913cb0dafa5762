"""The relay attempts of a SIP scanner against a real PBX, over UDP, TCP and WebSocket:
each one is refused with 403 and nothing reaches the gateway it named."""

from __future__ import annotations

import asyncio

import pytest
import websockets
from websockets.typing import Origin, Subprotocol

from officina.pbx.tests.attacks import GATEWAY_HOST, RELAY_METHODS, relay_attempt
from officina.pbx.tests.livepbx import HOST
from officina.pbx.tests.test_websocket import UdpPhone, frame, next_response, servers
from officina.sip import SipResponse, parse_message

pytestmark = pytest.mark.django_db(transaction=True)


async def test_relay_attempts_are_refused_over_every_transport():
    async with servers() as (running, sip_port, web_port):
        loop = asyncio.get_running_loop()
        gateway_port = sip_port + 5
        gateway_udp, gateway = await loop.create_datagram_endpoint(
            UdpPhone, local_addr=(GATEWAY_HOST, gateway_port)
        )
        connected: list[int] = []

        async def count_connection(
            _reader: asyncio.StreamReader, writer: asyncio.StreamWriter
        ) -> None:
            connected.append(1)
            writer.close()

        gateway_tcp = await asyncio.start_server(count_connection, GATEWAY_HOST, gateway_port)
        number = 0

        udp, scanner = await loop.create_datagram_endpoint(
            UdpPhone, local_addr=(HOST, sip_port + 6)
        )
        for method in RELAY_METHODS:
            number += 1
            attempt = relay_attempt(
                method, f"SIP/2.0/UDP {HOST}:{sip_port + 6}", number, gateway_port
            )
            udp.sendto(attempt.serialize(), (HOST, sip_port))
            refusal = await next_response(scanner.messages, 403)
            assert refusal.cseq.method == method

        reader, writer = await asyncio.open_connection(HOST, sip_port)
        local_port = writer.get_extra_info("sockname")[1]
        for method in RELAY_METHODS:
            number += 1
            attempt = relay_attempt(
                method, f"SIP/2.0/TCP {HOST}:{local_port}", number, gateway_port
            )
            writer.write(attempt.serialize())
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            assert head.startswith(b"SIP/2.0 403"), head
            assert f"1 {method}".encode() in head
        writer.close()

        browser = await websockets.connect(
            f"ws://{HOST}:{web_port}/sip/ws",
            subprotocols=[Subprotocol("sip")],
            origin=Origin(f"http://{HOST}:{web_port}"),
        )
        for method in RELAY_METHODS:
            number += 1
            attempt = relay_attempt(method, "SIP/2.0/WS df7jal23ls0d.invalid", number, gateway_port)
            await browser.send(attempt.serialize().decode())
            answer = parse_message(frame(await asyncio.wait_for(browser.recv(), 5)))
            assert isinstance(answer, SipResponse) and answer.status == 403
            assert answer.cseq.method == method
        await browser.close()

        await asyncio.sleep(0.5)  # time for anything forwarded to arrive
        assert gateway.messages.empty()
        assert connected == []
        assert running.server.relay.refused == 3 * len(RELAY_METHODS)
        udp.close()
        gateway_udp.close()
        gateway_tcp.close()
