"""Client and server transaction layers talking through an in-memory, lossy network."""

from collections.abc import Callable, Iterable
from typing import TypeVar

import pytest

from officina.sip import SipRequest, SipResponse, make_response, parse_message
from officina.sip.errors import LocalProtocolError
from officina.sip.rport import Peer
from officina.sip.transactions import (
    AckReceived,
    CancelReceived,
    Event,
    RequestReceived,
    ResponseReceived,
    Send,
    StrayResponse,
    TimerConfig,
    TransactionLayer,
    TransactionTerminated,
    TransactionTimeout,
    TransportError,
    make_cancel,
    new_branch,
)

E = TypeVar("E")

ALICE = Peer("UDP", "192.0.2.10", 5060)
BOB = Peer("UDP", "192.0.2.20", 5060)


def request(method: str, transport: str = "UDP", branch: str | None = None) -> SipRequest:
    return SipRequest(
        method,
        "sip:bob@192.0.2.20",
        [
            ("Via", f"SIP/2.0/{transport} 192.0.2.10:5060;branch={branch or new_branch()}"),
            ("Max-Forwards", "70"),
            ("From", "<sip:alice@example.com>;tag=a1"),
            ("To", "<sip:bob@example.com>"),
            ("Call-ID", "call-1"),
            ("CSeq", f"1 {method}"),
        ],
    )


class Network:
    """Two layers, a clock, and a rule that decides which datagrams are lost."""

    def __init__(self, transport: str = "UDP", drop: Callable[[bytes], bool] | None = None):
        self.now = 0.0
        self.alice_peer = Peer(transport, ALICE.host, ALICE.port)
        self.bob_peer = Peer(transport, BOB.host, BOB.port)
        self.alice = TransactionLayer()
        self.bob = TransactionLayer()
        self.drop = drop or (lambda data: False)
        self.sent: list[tuple[str, bytes]] = []
        self.alice_events: list[object] = []
        self.bob_events: list[object] = []

    def deliver(self, events: list[Event], from_alice: bool) -> None:
        """Route Send events to the other side, record the rest; recursive until quiet."""
        for event in events:
            if isinstance(event, Send):
                sender = "alice" if from_alice else "bob"
                self.sent.append((sender, event.data))
                if self.drop(event.data):
                    continue
                target = self.bob if from_alice else self.alice
                source = self.alice_peer if from_alice else self.bob_peer
                more = target.receive(parse_message(event.data), source, self.now)
                self.deliver(more, not from_alice)
            else:
                (self.alice_events if from_alice else self.bob_events).append(event)

    def advance(self, until: float) -> None:
        """Run both layers' timers up to `until`."""
        while True:
            deadlines = [d for d in (self.alice.next_timer(), self.bob.next_timer()) if d]
            if not deadlines or min(deadlines) > until:
                break
            self.now = min(deadlines)
            self.deliver(self.alice.handle_timer(self.now), True)
            self.deliver(self.bob.handle_timer(self.now), False)
        self.now = until

    def sent_times(self, sender: str, start: bytes) -> int:
        return sum(1 for who, data in self.sent if who == sender and data.startswith(start))


def of(events: Iterable[object], kind: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, kind)]


def test_non_invite_success_over_udp():
    net = Network()
    tx, events = net.alice.send_request(request("OPTIONS"), net.bob_peer, net.now)
    net.deliver(events, True)
    (incoming,) = of(net.bob_events, RequestReceived)
    assert incoming.request.method == "OPTIONS"
    net.deliver(net.bob.respond(incoming.transaction, 200, net.now, to_tag="b1"), False)
    (answer,) = of(net.alice_events, ResponseReceived)
    assert answer.transaction is tx
    assert answer.response.status == 200
    assert tx.state == "Completed"
    assert incoming.transaction.state == "Completed"
    net.advance(4.9)
    assert len(net.alice) == 1  # Timer K (T4) still running
    net.advance(5.1)
    assert len(net.alice) == 0
    assert of(net.alice_events, TransactionTerminated)[0].transaction is tx
    net.advance(40)
    assert len(net.bob) == 0  # Timer J (64*T1)


def test_non_invite_retransmits_until_answer_with_e_doubling_capped_at_t2():
    lost = {"count": 0}

    def drop(data: bytes) -> bool:
        if data.startswith(b"OPTIONS") and lost["count"] < 5:
            lost["count"] += 1
            return True
        return False

    net = Network(drop=drop)
    times: list[float] = []
    original = net.deliver

    def spy(events: list[Event], from_alice: bool) -> None:
        times.extend(net.now for e in events if isinstance(e, Send) and from_alice)
        original(events, from_alice)

    net.deliver = spy  # type: ignore[method-assign]
    _tx, events = net.alice.send_request(request("OPTIONS"), net.bob_peer, net.now)
    net.deliver(events, True)
    net.advance(20)
    # sent at 0, then E fires after 0.5, 1, 2, 4, 4 (capped at T2)...
    assert times[:6] == [0.0, 0.5, 1.5, 3.5, 7.5, 11.5]
    (incoming,) = of(net.bob_events, RequestReceived)
    assert net.now >= 11.5
    net.deliver(net.bob.respond(incoming.transaction, 200, net.now), False)
    assert of(net.alice_events, ResponseReceived)


def test_non_invite_timeout_after_64_t1():
    net = Network(drop=lambda data: True)
    tx, events = net.alice.send_request(request("REGISTER"), net.bob_peer, net.now)
    net.deliver(events, True)
    net.advance(31.9)
    assert not of(net.alice_events, TransactionTimeout)
    net.advance(32.1)
    assert of(net.alice_events, TransactionTimeout)[0].transaction is tx
    assert tx.state == "Terminated"
    assert len(net.alice) == 0
    # 0, 0.5, 1.5, 3.5, 7.5, then every 4 s until 32
    assert net.sent_times("alice", b"REGISTER") == 11


def test_server_absorbs_retransmissions_and_resends_last_response():
    net = Network()
    req = request("OPTIONS")
    _tx, events = net.alice.send_request(req, net.bob_peer, net.now)
    net.deliver(events, True)
    (incoming,) = of(net.bob_events, RequestReceived)
    # retransmission before the TU answers: absorbed, nothing sent (Trying)
    assert net.bob.receive(parse_message(req.serialize()), net.alice_peer, net.now) == []
    net.deliver(net.bob.respond(incoming.transaction, 202, net.now), False)
    again = net.bob.receive(parse_message(req.serialize()), net.alice_peer, net.now)
    resent = [parse_message(e.data) for e in of(again, Send)]
    assert [r.status for r in resent if isinstance(r, SipResponse)] == [202]
    assert len(of(net.bob_events, RequestReceived)) == 1


def test_invite_failure_acked_by_client_transaction():
    lost_responses = {"count": 0}

    def drop(data: bytes) -> bool:
        if data.startswith(b"SIP/2.0 486") and lost_responses["count"] < 2:
            lost_responses["count"] += 1
            return True
        return False

    net = Network(drop=drop)
    tx, events = net.alice.send_request(request("INVITE"), net.bob_peer, net.now)
    net.deliver(events, True)
    # 100 Trying sent at once by the server transaction
    assert [e.response.status for e in of(net.alice_events, ResponseReceived)] == [100]
    assert tx.state == "Proceeding"
    (incoming,) = of(net.bob_events, RequestReceived)
    net.deliver(net.bob.respond(incoming.transaction, 486, net.now, to_tag="b1"), False)
    assert incoming.transaction.state == "Completed"
    net.advance(1.0)  # G fires at 0.5 (lost), then at 1.5 delivered
    net.advance(2.0)
    assert tx.state == "Completed"
    assert [e.response.status for e in of(net.alice_events, ResponseReceived)] == [100, 486]
    acks = [data for who, data in net.sent if data.startswith(b"ACK")]
    assert acks
    ack = parse_message(acks[0])
    assert isinstance(ack, SipRequest)
    assert ack.cseq == (1, "ACK")
    assert ack.to_tag == "b1"
    assert ack.top_via.branch == tx.request.top_via.branch
    assert incoming.transaction.state == "Confirmed"
    net.advance(40)
    assert len(net.alice) == 0 and len(net.bob) == 0


def test_invite_success_accepted_state_and_2xx_ack():
    net = Network()
    tx, events = net.alice.send_request(request("INVITE"), net.bob_peer, net.now)
    net.deliver(events, True)
    (incoming,) = of(net.bob_events, RequestReceived)
    ok = make_response(incoming.request, 200, to_tag="b2")
    net.deliver(net.bob.send_response(incoming.transaction, ok, net.now), False)
    assert tx.state == "Accepted"
    assert incoming.transaction.state == "Accepted"
    # the TU retransmits the 2xx: passed up again by the client (RFC 6026)
    net.deliver(net.bob.send_response(incoming.transaction, ok, net.now), False)
    assert [e.response.status for e in of(net.alice_events, ResponseReceived)] == [100, 200, 200]
    # the UAC core sends the ACK of the 2xx outside the transaction; same branch is not required
    ack = request("ACK")
    net.deliver(net.alice.send_stateless(ack, net.bob_peer), True)
    assert of(net.bob_events, AckReceived)[-1].request.method == "ACK"
    assert of(net.bob_events, AckReceived)[-1].transaction is None
    # an ACK carrying the INVITE's branch matches the Accepted transaction
    same_branch = request("ACK", branch=tx.request.top_via.branch)
    net.deliver(net.alice.send_stateless(same_branch, net.bob_peer), True)
    assert of(net.bob_events, AckReceived)[-1].transaction is incoming.transaction
    net.advance(32.1)
    assert len(net.alice) == 0 and len(net.bob) == 0


def test_invite_timer_a_doubles_without_cap_and_b_times_out():
    net = Network(drop=lambda data: True)
    _tx, events = net.alice.send_request(request("INVITE"), net.bob_peer, net.now)
    net.deliver(events, True)
    net.advance(40)
    # 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 then B at 32
    assert net.sent_times("alice", b"INVITE") == 7
    assert of(net.alice_events, TransactionTimeout)


def test_a_timer_later_in_the_slot_being_handled_fires_at_its_deadline_not_before():
    # Timers share slots of 10 ms: handling the start of a slot leaves its later timers.
    layer = TransactionLayer()
    _tx, _events = layer.send_request(request("INVITE"), BOB, 0.004)
    assert layer.next_timer() == 0.504  # Timer A
    assert layer.handle_timer(0.502) == []
    assert layer.next_timer() == 0.504
    (resent,) = layer.handle_timer(0.504)
    assert isinstance(resent, Send) and resent.data.startswith(b"INVITE")
    assert layer.next_timer() == pytest.approx(1.504)  # A doubled


def test_timers_due_together_fire_in_deadline_order_across_transactions():
    layer = TransactionLayer()
    late, _ = layer.send_request(request("INVITE"), BOB, 0.3)
    early, _ = layer.send_request(request("OPTIONS"), BOB, 0.0)
    stopped, _ = layer.send_request(request("OPTIONS"), BOB, 0.1)
    layer.receive(make_response(stopped.request, 200), BOB, 0.2)  # E and F stopped, K runs
    # Handled ten seconds late: E (0.5), A (0.8) and K (5.2, ending the answered one)
    # fire once each, earliest first; E and A then start again from now.
    events = layer.handle_timer(10.0)
    order = [
        (e.transaction, e.data.split(b" ", 1)[0]) if isinstance(e, Send) else e.transaction
        for e in events
        if isinstance(e, Send | TransactionTerminated)
    ]
    assert order == [(early, b"OPTIONS"), (late, b"INVITE"), stopped]
    assert layer.next_timer() == pytest.approx(11.0)  # E and A, each doubled to 1 s
    assert stopped.terminated and not early.terminated and not late.terminated


def test_invite_server_timer_h_when_ack_never_comes():
    net = Network(drop=lambda data: data.startswith(b"ACK"))
    _tx, events = net.alice.send_request(request("INVITE"), net.bob_peer, net.now)
    net.deliver(events, True)
    (incoming,) = of(net.bob_events, RequestReceived)
    net.deliver(net.bob.respond(incoming.transaction, 603, net.now, to_tag="x"), False)
    net.advance(40)
    assert of(net.bob_events, TransactionTimeout)[0].transaction is incoming.transaction
    # G: 0.5, 1, 2, 4, 4, 4 ... until H at 32
    assert net.sent_times("bob", b"SIP/2.0 603") == 1 + 10


def test_a_failure_before_any_provisional_is_resent_only_when_the_invite_is():
    # A challenge or a refusal may go to a forged source: nothing is sent to it unasked.
    net = Network(drop=lambda data: data.startswith(b"ACK"))
    net.bob = TransactionLayer(send_trying=False)
    _tx, events = net.alice.send_request(request("INVITE"), net.bob_peer, net.now)
    net.deliver(events, True)
    (incoming,) = of(net.bob_events, RequestReceived)
    net.deliver(net.bob.respond(incoming.transaction, 407, net.now, to_tag="x"), False)
    net.advance(40)
    assert net.sent_times("bob", b"SIP/2.0 407") == 1
    assert of(net.bob_events, TransactionTimeout)[0].transaction is incoming.transaction


def test_a_lost_failure_before_any_provisional_still_reaches_the_client():
    lost: list[bytes] = []

    def lose_the_first_answer(data: bytes) -> bool:
        if data.startswith(b"SIP/2.0 407") and not lost:
            lost.append(data)
            return True
        return False

    net = Network(drop=lose_the_first_answer)
    net.bob = TransactionLayer(send_trying=False)
    _tx, events = net.alice.send_request(request("INVITE"), net.bob_peer, net.now)
    net.deliver(events, True)
    (incoming,) = of(net.bob_events, RequestReceived)
    net.deliver(net.bob.respond(incoming.transaction, 407, net.now, to_tag="x"), False)
    net.advance(1)  # Timer A retransmits the INVITE; the 407 goes again with it
    (answer,) = of(net.alice_events, ResponseReceived)
    assert answer.response.status == 407
    assert net.sent_times("bob", b"SIP/2.0 407") == 2
    assert net.sent_times("alice", b"ACK") == 1


def test_reliable_transport_never_retransmits_and_terminates_at_once():
    net = Network(transport="TCP", drop=lambda data: data.startswith(b"OPTIONS"))
    tx, events = net.alice.send_request(request("OPTIONS", "TCP"), net.bob_peer, net.now)
    net.deliver(events, True)
    net.advance(31)
    assert net.sent_times("alice", b"OPTIONS") == 1
    net.advance(33)
    assert of(net.alice_events, TransactionTimeout)

    net = Network(transport="TCP")
    tx, events = net.alice.send_request(request("OPTIONS", "TCP"), net.bob_peer, net.now)
    net.deliver(events, True)
    (incoming,) = of(net.bob_events, RequestReceived)
    net.deliver(net.bob.respond(incoming.transaction, 200, net.now), False)
    assert len(net.alice) == 0 and len(net.bob) == 0  # K and J are zero over TCP
    assert tx.state == "Terminated"


def test_cancel_matches_the_invite_server_transaction():
    net = Network()
    tx, events = net.alice.send_request(request("INVITE"), net.bob_peer, net.now)
    net.deliver(events, True)
    (invite,) = of(net.bob_events, RequestReceived)
    cancel = make_cancel(tx.request, reason='SIP;cause=200;text="Call completed elsewhere"')
    _ctx, events = net.alice.send_request(cancel, net.bob_peer, net.now)
    net.deliver(events, True)
    (cancelled,) = of(net.bob_events, CancelReceived)
    assert cancelled.invite_transaction is invite.transaction
    assert (cancelled.request.header("Reason") or "").startswith("SIP;cause=200")
    net.deliver(net.bob.respond(cancelled.transaction, 200, net.now), False)
    net.deliver(net.bob.respond(invite.transaction, 487, net.now, to_tag="t"), False)
    statuses = [
        (e.transaction.request.method, e.response.status)
        for e in of(net.alice_events, ResponseReceived)
    ]
    assert statuses == [("INVITE", 100), ("CANCEL", 200), ("INVITE", 487)]
    assert tx.state == "Completed"


def test_cancel_without_invite_has_no_match():
    layer = TransactionLayer()
    cancel = make_cancel(request("INVITE"))
    (event,) = layer.receive(parse_message(cancel.serialize()), ALICE, 0.0)
    assert isinstance(event, CancelReceived) and event.invite_transaction is None


def test_rfc2543_peer_matching_without_magic_cookie():
    layer = TransactionLayer()
    invite = request("INVITE", branch="old-style-1")
    events = layer.receive(parse_message(invite.serialize()), ALICE, 0.0)
    (incoming,) = of(events, RequestReceived)
    assert layer.receive(parse_message(invite.serialize()), ALICE, 0.1)  # resends 100
    layer.respond(incoming.transaction, 404, 0.2, to_tag="z")
    ack = request("ACK", branch="old-style-1")
    ack.set_header("To", "<sip:bob@example.com>;tag=z")
    ack.set_header("CSeq", "1 ACK")
    assert layer.receive(parse_message(ack.serialize()), ALICE, 0.3) == []
    assert incoming.transaction.state == "Confirmed"


def test_stray_response_and_transport_error():
    layer = TransactionLayer()
    req = request("OPTIONS")
    response = make_response(req, 200)
    (stray,) = layer.receive(parse_message(response.serialize()), BOB, 0.0)
    assert isinstance(stray, StrayResponse)
    tx, _ = layer.send_request(req, BOB, 0.0)
    events = layer.transport_error(tx, 0.1)
    assert [type(e) for e in events] == [TransportError, TransactionTerminated]
    assert layer.next_timer() is None


def test_responses_follow_rport_and_received():
    layer = TransactionLayer()
    req = request("OPTIONS")
    req.set_header("Via", "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKnat1;rport")
    nat = Peer("UDP", "203.0.113.7", 40000)
    (incoming,) = layer.receive(parse_message(req.serialize()), nat, 0.0)
    assert isinstance(incoming, RequestReceived)
    via = incoming.request.top_via
    assert via.received == "203.0.113.7" and via.rport == 40000
    (send,) = of(layer.respond(incoming.transaction, 200, 0.0), Send)
    assert send.peer == nat
    assert parse_message(send.data).top_via.rport == 40000


def test_local_errors():
    layer = TransactionLayer(TimerConfig(t1=0.1))
    with pytest.raises(LocalProtocolError):
        layer.send_request(request("ACK"), BOB, 0.0)
    with pytest.raises(LocalProtocolError):
        layer.send_request(request("OPTIONS", branch="nocookie"), BOB, 0.0)
    req = request("OPTIONS")
    layer.send_request(req, BOB, 0.0)
    with pytest.raises(LocalProtocolError):
        layer.send_request(req, BOB, 0.0)
    assert layer.next_timer() == pytest.approx(0.1)
    events = layer.receive(parse_message(request("MESSAGE").serialize()), ALICE, 0.0)
    (incoming,) = of(events, RequestReceived)
    layer.respond(incoming.transaction, 200, 0.0)
    with pytest.raises(LocalProtocolError):
        layer.respond(incoming.transaction, 180, 0.0)
    assert isinstance(incoming.request, SipRequest)
    assert not isinstance(incoming.request, SipResponse)


def test_timer_c_ends_an_invite_stuck_after_a_provisional():
    net = Network(drop=lambda data: data.startswith(b"SIP/2.0 200"))
    net.alice = TransactionLayer(TimerConfig(timer_c=60.0))
    tx, events = net.alice.send_request(request("INVITE"), net.bob_peer, net.now)
    net.deliver(events, True)
    (incoming,) = of(net.bob_events, RequestReceived)
    net.deliver(net.bob.respond(incoming.transaction, 180, net.now, to_tag="r"), False)
    net.advance(30)
    net.deliver(net.bob.respond(incoming.transaction, 183, net.now, to_tag="r"), False)
    net.deliver(net.bob.respond(incoming.transaction, 200, net.now, to_tag="r"), False)  # lost
    net.advance(89)
    assert not of(net.alice_events, TransactionTimeout)  # the 183 restarted Timer C
    net.advance(91)
    assert of(net.alice_events, TransactionTimeout)[0].transaction is tx
    assert tx.state == "Proceeding"  # still able to take the final answer to a CANCEL
    net.advance(91 + 32.1)
    assert tx.state == "Terminated"


def test_completed_server_transactions_keep_little():
    layer = TransactionLayer()
    (incoming,) = layer.receive(parse_message(request("REGISTER").serialize()), ALICE, 0.0)
    assert isinstance(incoming, RequestReceived)
    tx = incoming.transaction
    assert incoming.request.from_tag == "a1" and tx.status is None
    layer.respond(tx, 200, 0.0, to_tag="r")
    assert tx.status == 200
    assert tx.request._cache == {}
    assert tx.request.cseq == (1, "REGISTER")  # parses again on demand


def test_find_server_and_listing():
    layer = TransactionLayer()
    invite = request("INVITE")
    events = layer.receive(parse_message(invite.serialize()), ALICE, 0.0)
    (incoming,) = of(events, RequestReceived)
    cancel = parse_message(make_cancel(invite).serialize())
    assert isinstance(cancel, SipRequest)
    assert layer.find_server(cancel, "INVITE") is incoming.transaction
    assert layer.find_server(cancel) is None
    assert list(layer.server_transactions) == [incoming.transaction]
    assert list(layer.client_transactions) == []
