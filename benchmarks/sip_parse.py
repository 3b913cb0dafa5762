"""Micro-benchmark of the SIP core's hot paths: messages per second on one core.

    .venv/bin/python benchmarks/sip_parse.py [--seconds 1.0]

Cases: parse + read the fields a proxy needs + serialize, for a typical
INVITE and an authenticated REGISTER; a stateful proxy's edit of an INVITE
(pop Route, decrement Max-Forwards, add Record-Route and Via, serialize);
and a transaction layer absorbing an INVITE and answering it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from officina.sip import (
    AckReceived,
    Peer,
    RequestReceived,
    ResponseReceived,
    SipRequest,
    TransactionLayer,
    Via,
    make_response,
    new_branch,
    parse_message,
)

INVITE = (
    b"INVITE sip:202@officina.local SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-5211-1-0;rport\r\n"
    b"Max-Forwards: 70\r\n"
    b"Route: <sip:pbx.officina.local;lr>\r\n"
    b'From: "Giulia Bianchi" <sip:201@officina.local>;tag=5211SIPpTag001\r\n'
    b"To: <sip:202@officina.local>\r\n"
    b"Call-ID: 1-5211@192.0.2.10\r\n"
    b"CSeq: 1 INVITE\r\n"
    b"Contact: <sip:201@192.0.2.10:5060;transport=udp>\r\n"
    b"Supported: replaces, timer\r\n"
    b"User-Agent: Officina benchmark\r\n"
    b"Content-Type: application/sdp\r\n"
    b"Content-Length: 129\r\n"
    b"\r\n"
    b"v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
    b"m=audio 6000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
)

REGISTER = (
    b"REGISTER sip:officina.local SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-reg-2;rport\r\n"
    b"Max-Forwards: 70\r\n"
    b"From: <sip:201@officina.local>;tag=reg201\r\n"
    b"To: <sip:201@officina.local>\r\n"
    b"Call-ID: reg-201@192.0.2.10\r\n"
    b"CSeq: 2 REGISTER\r\n"
    b'Contact: <sip:201@192.0.2.10:5060>;expires=3600;+sip.instance="<urn:uuid:1>"\r\n'
    b'Authorization: Digest username="201", realm="officina.local", '
    b'nonce="AAABjQ3kR0Q9yXb2WJ0a3o8s0lXJk9QhZkq2m8s5xXk", uri="sip:officina.local", '
    b'response="5f2a3c1d0e9b8a7f6e5d4c3b2a190817", algorithm=MD5, cnonce="abc", '
    b"qop=auth, nc=00000001\r\n"
    b"Expires: 3600\r\n"
    b"Content-Length: 0\r\n"
    b"\r\n"
)


def parse_invite() -> None:
    msg = parse_message(INVITE)
    _ = (msg.top_via.branch, msg.call_id, msg.cseq, msg.to_tag, msg.max_forwards)
    msg.serialize()


def parse_register() -> None:
    msg = parse_message(REGISTER)
    _ = (msg.top_via.branch, msg.from_tag, msg.to.uri, msg.expires)
    _ = (msg.contacts[0].expires, msg.authorization[0].params["response"])
    msg.serialize()


RECORD_ROUTE = "<sip:pbx.officina.local;lr>"
PROXY_VIA = Via("UDP", "pbx.officina.local", 5060, {"branch": new_branch()})


def proxy_edit() -> None:
    msg = parse_message(INVITE)
    assert isinstance(msg, SipRequest)
    _ = (msg.top_via.branch, msg.call_id, msg.cseq, msg.to_tag)
    msg.pop_route()
    msg.decrement_max_forwards()
    msg.prepend_record_route(RECORD_ROUTE)
    msg.prepend_via(PROXY_VIA)
    msg.uri = "sip:202@192.0.2.20:5062"
    msg.serialize()


def transaction_round() -> None:
    # A fresh layer each time keeps the table small; the lookup itself is one dict get.
    layer = TransactionLayer()
    source = Peer("UDP", "192.0.2.10", 5060)
    event = layer.receive(parse_message(INVITE), source, 0.0)[-1]
    assert isinstance(event, RequestReceived)
    layer.send_response(event.transaction, make_response(event.request, 486, to_tag="b"), 0.0)


class ProxyCall:
    """The SIP core's share of a stateful proxy relaying one call: INVITE, 100, 180,
    200, ACK, BYE, 200 (UDP), with a transaction layer per side; no sockets."""

    caller = Peer("UDP", "192.0.2.10", 5060)
    callee = Peer("UDP", "192.0.2.20", 5062)

    def __init__(self) -> None:
        self.layer = TransactionLayer(send_trying=True)
        self.calls = 0

    def run(self) -> None:
        layer = self.layer
        self.calls += 1
        n = self.calls
        invite = INVITE.replace(b"1-5211", b"%d-5211" % n).replace(
            b"z9hG4bK-5211-1", b"z9hG4bK-%d" % n
        )
        # caller -> proxy: INVITE (100 Trying goes back by itself)
        event = layer.receive(parse_message(invite), self.caller, 0.0)[-1]
        assert isinstance(event, RequestReceived)
        server = event.transaction
        fork = event.request.copy()
        fork.pop_route()
        fork.decrement_max_forwards()
        fork.prepend_record_route(RECORD_ROUTE)
        fork.uri = "sip:202@192.0.2.20:5062"
        fork.prepend_via(Via("UDP", "pbx.officina.local", 5060, {"branch": new_branch()}))
        client, _ = layer.send_request(fork, self.callee, 0.0)
        # callee -> proxy: 180 and 200, relayed upstream
        wire = parse_message(fork.serialize())
        assert isinstance(wire, SipRequest)
        for status in (180, 200):
            answer = make_response(wire, status, to_tag="callee")
            for received in layer.receive(parse_message(answer.serialize()), self.callee, 0.0):
                if isinstance(received, ResponseReceived):
                    relayed = received.response.copy()
                    relayed.pop_via()
                    layer.send_response(server, relayed, 0.0)
        # caller -> proxy: ACK and BYE (forwarded statelessly / on a new transaction)
        for method in (b"ACK", b"BYE"):
            request = invite.replace(b"INVITE", method).replace(
                b"z9hG4bK-%d" % n, b"z9hG4bK-%s-%d" % (method, n)
            )
            request = request.replace(
                b"To: <sip:202@officina.local>", b"To: <sip:202@officina.local>;tag=callee"
            )
            incoming = layer.receive(parse_message(request), self.caller, 0.0)[-1]
            assert isinstance(incoming, AckReceived | RequestReceived)
            forward = incoming.request.copy()
            forward.pop_route()
            forward.decrement_max_forwards()
            forward.prepend_via(Via("UDP", "pbx.officina.local", 5060, {"branch": new_branch()}))
            if isinstance(incoming, AckReceived):
                layer.send_stateless(forward, self.callee)
                continue
            layer.send_request(forward, self.callee, 0.0)
            at_callee = parse_message(forward.serialize())
            assert isinstance(at_callee, SipRequest)
            ok = make_response(at_callee, 200)
            for result in layer.receive(parse_message(ok.serialize()), self.callee, 0.0):
                if isinstance(result, ResponseReceived):
                    relayed = result.response.copy()
                    relayed.pop_via()
                    layer.send_response(incoming.transaction, relayed, 0.0)
        del client
        # Let the layer forget finished transactions (their timers, in a real run).
        layer.handle_timer(1000.0 * n)


def measure(function: Callable[[], None], seconds: float) -> float:
    """Calls per second of CPU time (process time, so other load on the machine
    does not count against us)."""
    count = 0
    for _ in range(200):
        function()
    start = time.process_time()
    deadline = start + seconds
    while True:
        for _ in range(200):
            function()
        count += 200
        now = time.process_time()
        if now >= deadline:
            return count / (now - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    cases = [
        ("parse+serialize INVITE", parse_invite),
        ("parse+serialize REGISTER", parse_register),
        ("proxy edit+serialize INVITE", proxy_edit),
        ("transaction INVITE -> 100 + 486", transaction_round),
    ]
    proxy = ProxyCall()
    for name, function in cases:
        rate = measure(function, args.seconds)
        print(f"{name:34s} {rate:10,.0f} msg/s  ({1e6 / rate:6.1f} µs)")
    rate = measure(proxy.run, args.seconds)
    print(f"{'proxied call, core only (14 msgs)':34s} {rate:10,.0f} calls/s ({1e6 / rate:6.1f} µs)")


if __name__ == "__main__":
    main()
