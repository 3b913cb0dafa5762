"""Any sequence of edits leaves a message that serializes to what it says it holds."""

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from officina.sip import SipRequest, Via, parse_message

BASE = (
    b"INVITE sip:202@officina.local SIP/2.0\r\n"
    b"v: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-a, SIP/2.0/TCP 192.0.2.9;branch=z9hG4bK-b\r\n"
    b"Max-Forwards: 70\r\n"
    b"Route: <sip:p1.example.com;lr>,\r\n <sip:p2.example.com;lr>\r\n"
    b'From: "Giulia" <sip:201@officina.local>;tag=abc\r\n'
    b"t: <sip:202@officina.local>\r\n"
    b"Call-ID: edit-1\r\n"
    b"CSeq: 1 INVITE\r\n"
    b"l: 3\r\n"
    b"\r\n"
    b"v=0"
)
values = st.text(alphabet="abcdefghij0123456789 .;=<>:@", min_size=1, max_size=20).map(str.strip)
names = st.sampled_from(["X-Extra", "Subject", "s", "User-Agent", "Reason"])  # free-text headers


class EditedMessage(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        message = parse_message(BASE)
        assert isinstance(message, SipRequest)
        self.message = message
        self.branches = ["z9hG4bK-a", "z9hG4bK-b"]
        self.routes = ["sip:p1.example.com;lr", "sip:p2.example.com;lr"]

    @rule(n=st.integers(0, 10_000))
    def prepend_via(self, n: int) -> None:
        branch = f"z9hG4bK-{n}"
        self.message.prepend_via(Via("UDP", "proxy.example.com", 5060, {"branch": branch}))
        self.branches.insert(0, branch)

    @rule()
    def pop_via(self) -> None:
        if len(self.branches) > 1:
            assert self.message.pop_via().branch == self.branches.pop(0)

    @rule()
    def pop_route(self) -> None:
        popped = self.message.pop_route()
        if self.routes:
            assert popped is not None and popped.uri_text == self.routes.pop(0)
        else:
            assert popped is None

    @rule(host=st.sampled_from(["p3.example.com", "p4.example.com"]))
    def prepend_route(self, host: str) -> None:
        self.message.prepend_route(f"<sip:{host};lr>")
        self.routes.insert(0, f"sip:{host};lr")

    @rule()
    def decrement(self) -> None:
        before = self.message.max_forwards
        assert before is not None
        assert self.message.decrement_max_forwards() == max(before - 1, 0)

    @rule(name=names, value=values)
    def add(self, name: str, value: str) -> None:
        self.message.add_header(name, value)

    @rule(name=names, value=values)
    def set(self, name: str, value: str) -> None:
        self.message.set_header(name, value)
        assert self.message.header_values(name) == [value]

    @rule(name=names)
    def remove(self, name: str) -> None:
        self.message.remove_header(name)
        assert not self.message.has_header(name)

    @rule(body=st.binary(max_size=50))
    def body(self, body: bytes) -> None:
        self.message.body = body

    @rule(user=st.sampled_from(["202", "203"]))
    def retarget(self, user: str) -> None:
        self.message.uri = f"sip:{user}@192.0.2.20:5062"

    @rule()
    def copy(self) -> None:
        original = self.message.serialize()
        clone = self.message.copy()
        clone.add_header("X-Clone", "yes")
        assert self.message.serialize() == original
        self.message = clone
        self.message.remove_header("X-Clone")

    @invariant()
    def serializes_to_what_it_holds(self) -> None:
        data = self.message.serialize()
        again = parse_message(data)
        assert isinstance(again, SipRequest)
        again.validate()
        assert again.headers() == self.message.headers()
        assert again.body == self.message.body
        assert again.content_length == len(self.message.body)
        assert again.uri_text == self.message.uri_text
        assert [v.branch for v in again.vias] == self.branches
        assert [r.uri_text for r in again.routes] == self.routes
        assert again.serialize() == data


TestEditedMessage = EditedMessage.TestCase
TestEditedMessage.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
