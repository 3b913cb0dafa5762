"""Message-waiting indication over UDP against the running PBX, from a phone written
here: SUBSCRIBE with digest credentials, a NOTIFY saying nothing waits, another once a
message is left, and the end of the subscription."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import numpy as np
import pytest
from asgiref.sync import sync_to_async

from officina.pbx.models import Extension
from officina.pbx.runtime import start_pbx
from officina.pbx.tests.livepbx import HOST, make_extensions, port_base
from officina.sip import DigestClient, SipRequest, SipResponse, make_response, parse_message
from officina.voicemail.actions import NewMessage, do_store_message
from officina.voicemail.sound import wav_bytes

pytestmark = [pytest.mark.realpeer, pytest.mark.django_db(transaction=True)]

PASSWORDS = {"201": "mwi-phone-secret"}


class Phone(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.messages: asyncio.Queue[SipRequest | SipResponse] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        message = parse_message(data)
        if isinstance(message, SipRequest) and self.transport is not None:
            self.transport.sendto(make_response(message, 200).serialize(), addr)
        self.messages.put_nowait(message)


async def next_message(phone: Phone, kind: str) -> SipRequest | SipResponse:
    while True:
        message = await asyncio.wait_for(phone.messages.get(), 10)
        if isinstance(message, SipRequest) and message.method == kind:
            return message
        if isinstance(message, SipResponse) and str(message.status) == kind:
            return message


def subscribe(port: int, expires: int, cseq: int, to_tag: str | None = None) -> SipRequest:
    to = f"<sip:201@{HOST}>" + (f";tag={to_tag}" if to_tag else "")
    return SipRequest(
        "SUBSCRIBE",
        f"sip:201@{HOST}",
        [
            ("Via", f"SIP/2.0/UDP {HOST}:{port};branch=z9hG4bKmwi{cseq};rport"),
            ("Max-Forwards", "70"),
            ("From", f"<sip:201@{HOST}>;tag=phone"),
            ("To", to),
            ("Call-ID", "mwi-test-1"),
            ("CSeq", f"{cseq} SUBSCRIBE"),
            ("Contact", f"<sip:201@{HOST}:{port}>"),
            ("Event", "message-summary"),
            ("Accept", "application/simple-message-summary"),
            ("Expires", str(expires)),
        ],
    )


def leave_message() -> None:
    extension = Extension.objects.get(number="201")
    samples = (np.sin(np.arange(8000) / 8000 * 2 * np.pi * 300) * 5000).astype(np.int16)
    do_store_message(
        NewMessage(extension.pk, "202", "", datetime.now(UTC), wav_bytes(samples), 1.0)
    )


async def test_a_phone_subscribes_and_is_told_when_a_message_waits():
    await sync_to_async(make_extensions)(PASSWORDS)
    sip_port = port_base() + 90
    running = await start_pbx(HOST, sip_port, advertised_host=HOST)
    loop = asyncio.get_running_loop()
    transport, phone = await loop.create_datagram_endpoint(Phone, local_addr=(HOST, sip_port + 1))
    try:
        first = subscribe(sip_port + 1, 600, 1)
        transport.sendto(first.serialize(), (HOST, sip_port))
        challenge = await next_message(phone, "401")
        assert isinstance(challenge, SipResponse)
        authorized = DigestClient("201", PASSWORDS["201"]).authorize(first, challenge)
        assert authorized is not None
        authorized.set_header("Via", f"SIP/2.0/UDP {HOST}:{sip_port + 1};branch=z9hG4bKmwi2;rport")
        authorized.set_header("CSeq", "2 SUBSCRIBE")
        transport.sendto(authorized.serialize(), (HOST, sip_port))
        ok = await next_message(phone, "200")
        assert isinstance(ok, SipResponse) and ok.header("Expires") == "600"
        notify = await next_message(phone, "NOTIFY")
        assert b"Messages-Waiting: no" in notify.body
        assert (notify.header("Subscription-State") or "").startswith("active")
        await sync_to_async(leave_message)()
        notify = await next_message(phone, "NOTIFY")
        assert b"Messages-Waiting: yes" in notify.body
        assert b"Voice-Message: 1/0 (0/0)" in notify.body
        assert b"Message-Account: sip:*97@" in notify.body
        # Ending the subscription: 200, then a last NOTIFY saying it is over.
        end = subscribe(sip_port + 1, 0, 3, to_tag=ok.to_tag)
        transport.sendto(end.serialize(), (HOST, sip_port))
        assert isinstance(await next_message(phone, "200"), SipResponse)
        last = await next_message(phone, "NOTIFY")
        assert (last.header("Subscription-State") or "").startswith("terminated")
        assert running.server.message_waiting is not None
        assert running.server.message_waiting.subscriptions == {}
        # Another event package is not served.
        other = subscribe(sip_port + 1, 600, 4)
        other.set_header("Event", "presence")
        other.set_header("Call-ID", "mwi-test-2")
        transport.sendto(other.serialize(), (HOST, sip_port))
        challenge = await next_message(phone, "401")
        assert isinstance(challenge, SipResponse)
        again = DigestClient("201", PASSWORDS["201"]).authorize(other, challenge)
        assert again is not None
        again.set_header("Via", f"SIP/2.0/UDP {HOST}:{sip_port + 1};branch=z9hG4bKmwi5;rport")
        again.set_header("CSeq", "5 SUBSCRIBE")
        transport.sendto(again.serialize(), (HOST, sip_port))
        assert isinstance(await next_message(phone, "489"), SipResponse)
    finally:
        transport.close()
        await running.stop()
