"""Randomised runs of the transaction layers: lossy UDP, duplicates, any timing.

Whatever happens, every transaction ends, nothing but protocol events come
out, and a call that got through in time was answered exactly once at the TU.
"""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from officina.sip import SipRequest, parse_message
from officina.sip.rport import Peer
from officina.sip.transactions import (
    Event,
    RequestReceived,
    ResponseReceived,
    Send,
    ServerTransaction,
    TransactionLayer,
    TransactionTimeout,
    new_branch,
)

A = Peer("UDP", "192.0.2.1", 5060)
B = Peer("UDP", "192.0.2.2", 5060)


def make(method: str, n: int) -> SipRequest:
    return SipRequest(
        method,
        "sip:b@192.0.2.2",
        [
            ("Via", f"SIP/2.0/UDP 192.0.2.1:5060;branch={new_branch()}"),
            ("Max-Forwards", "70"),
            ("From", f"<sip:a@example.com>;tag=f{n}"),
            ("To", "<sip:b@example.com>"),
            ("Call-ID", f"call-{n}"),
            ("CSeq", f"{n + 1} {method}"),
        ],
    )


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    loss=st.floats(0.0, 0.6),
    duplicate=st.floats(0.0, 0.3),
    methods=st.lists(st.sampled_from(["INVITE", "OPTIONS", "REGISTER"]), min_size=1, max_size=6),
    answers=st.lists(st.sampled_from([180, 200, 404, 486, 503]), min_size=6, max_size=6),
    answer_delay=st.floats(0.0, 40.0),
)
def test_random_lossy_runs_always_terminate(seed, loss, duplicate, methods, answers, answer_delay):
    rng = random.Random(seed)
    alice, bob = TransactionLayer(), TransactionLayer()
    now = 0.0
    queue: list[tuple[float, bool, bytes]] = []  # (arrival time, to_bob, data)
    requests_at_bob: dict[str, int] = {}
    pending_answers: list[tuple[float, ServerTransaction, int]] = []
    outcomes: dict[str, str] = {}

    def dispatch(events: list[Event], from_alice: bool) -> None:
        for event in events:
            if isinstance(event, Send):
                copies = 1 + (rng.random() < duplicate)
                for _ in range(copies):
                    if rng.random() >= loss:
                        queue.append((now + rng.uniform(0.001, 0.2), from_alice, event.data))
            elif isinstance(event, RequestReceived):
                requests_at_bob[event.request.call_id] = (
                    requests_at_bob.get(event.request.call_id, 0) + 1
                )
                status = answers[len(requests_at_bob) % len(answers)]
                pending_answers.append((now + answer_delay, event.transaction, status))
            elif isinstance(event, ResponseReceived) and event.response.status >= 200:
                outcomes.setdefault(event.response.call_id, "answered")
            elif isinstance(event, TransactionTimeout) and event.transaction.kind in (
                "ICT",
                "NICT",
            ):
                outcomes.setdefault(event.transaction.request.call_id, "timeout")

    for n, method in enumerate(methods):
        _, events = alice.send_request(make(method, n), B, now)
        dispatch(events, True)

    for _ in range(20000):
        candidates = [t for t in (alice.next_timer(), bob.next_timer()) if t is not None]
        candidates += [t for t, _, _ in queue] + [t for t, _, _ in pending_answers]
        if not candidates:
            break
        now = max(now, min(candidates))
        for message in [q for q in queue if q[0] <= now]:
            queue.remove(message)
            _, to_bob, data = message
            layer, source = (bob, A) if to_bob else (alice, B)
            dispatch(layer.receive(parse_message(data), source, now), not to_bob)
        for answer in [p for p in pending_answers if p[0] <= now]:
            pending_answers.remove(answer)
            _, tx, status = answer
            if not tx.terminated:
                dispatch(bob.respond(tx, status, now, to_tag="t"), False)
                if status < 200:
                    pending_answers.append((now + 1.0, tx, 200))
        dispatch(alice.handle_timer(now), True)
        dispatch(bob.handle_timer(now), False)

    assert len(alice) == 0 and len(bob) == 0
    assert alice.next_timer() is None and bob.next_timer() is None
    assert set(outcomes) == {f"call-{n}" for n in range(len(methods))}
    # the TU saw each request once, however often it was retransmitted
    assert all(count == 1 for count in requests_at_bob.values())
    if loss == 0 and answer_delay < 20:
        assert set(outcomes.values()) == {"answered"}
