"""Without rtpengine, every way a call reaches a device rings only the devices whose media
can meet the caller's (``Proxy.media_can_meet``), on the in-memory network: a pickup, a
follow-me, click-to-call's first leg. Browsers are phones on a WebSocket; desk phones are
on UDP. (The first ring, forwarding and ring groups are shown with Chromium and SIPp in
``test_media_meet_browser.py``.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from officina.pbx.anchoring import NO_MEDIA_BRIDGE
from officina.pbx.bindings import Binding
from officina.pbx.call_requests import CallState
from officina.pbx.forwarding import Forwarder
from officina.pbx.media.desk import MediaDesk
from officina.pbx.media.ports import MediaPorts
from officina.pbx.pickup import CallPickup
from officina.pbx.placed_calls import ProviderLeg
from officina.pbx.selectors import ForwardingRule
from officina.pbx.tests.harness import REALM, Pbx, Phone
from officina.pbx.tests.test_pickup import pbx
from officina.pbx.tests.test_server import place_call, requests_of
from officina.pbx.third_party_calls import ThirdPartyCalls
from officina.pbx.transports.base import ConnectionTable, new_connection_key
from officina.sip import SipRequest, SipResponse
from officina.sip.rport import Peer

if TYPE_CHECKING:
    from officina.pbx.actions import CallRow
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transports.base import Flow
    from officina.sip import ServerTransaction

pytestmark = pytest.mark.django_db
__all__ = ["pbx"]  # the fixture (201 Giulia, 202 Marco, 203 Sara), used by name


class WebSocket:
    """A browser's WebSocket: what the server sends on it lands in the network's log, so
    that the browser's ``Phone`` reads it like any other."""

    transport = "WS"
    opened_at = last_activity = 0.0
    messages_received = 0

    def __init__(self, pbx: Pbx, host: str, port: int) -> None:
        self.key = new_connection_key("WS")
        self.remote = (host, port)
        self.network = pbx.network
        pbx.network.connections[self.key] = self

    def send(self, data: bytes) -> bool:
        self.network.sent.append((Peer("WS", *self.remote), data))
        return True

    def close(self) -> None:
        return None


def browser(pbx: Pbx, number: str, password: str, host: str) -> Phone:
    phone = Phone(pbx, number, password, host, 50000, transport="WS", user_agent="JsSIP")
    phone.connection = WebSocket(pbx, host, 50000)
    assert phone.register().status == 200
    return phone


def desk(pbx: Pbx, number: str, password: str, host: str) -> Phone:
    phone = Phone(pbx, number, password, host, 5060, user_agent="Desk phone")
    assert phone.register().status == 200
    return phone


def last_answer(messages: list[SipRequest | SipResponse]) -> SipResponse:
    *_, answer = (message for message in messages if isinstance(message, SipResponse))
    return answer


@pytest.mark.parametrize("marco_has_a_browser", [False, True])
def test_a_pickup_rings_only_the_pickers_phones_that_can_take_the_call(pbx, marco_has_a_browser):
    """Giulia's browser calls Sara's browser; Marco picks it up from his desk phone (**203).
    The desk phone cannot take a browser's call: nothing is picked up, unless Marco has a
    browser phone too, which rings."""
    giulia = browser(pbx, "201", "giulia-secret", "10.0.0.10")
    sara = browser(pbx, "203", "sara-secret", "10.0.0.30")
    marco_desk = desk(pbx, "202", "marco-secret", "10.0.0.20")
    marco_browser = (
        browser(pbx, "202", "marco-secret", "10.0.0.21") if marco_has_a_browser else None
    )
    pbx.server.proxy.pickup = CallPickup(pbx.server.proxy, lambda _a, _b: True)
    place_call(giulia, "203")
    (ringing,) = requests_of(sara.inbox(), "INVITE")
    sara.answer(ringing, 180, to_tag="sara")
    marco_desk.inbox()

    place_call(marco_desk, "**203")
    got = marco_desk.inbox()
    assert requests_of(got, "INVITE") == []
    answer = last_answer(got)
    assert answer.status == 480
    if marco_browser is None:
        assert answer.reason == "Nothing To Pick Up"
        assert not requests_of(sara.inbox(), "CANCEL")
    else:
        assert answer.reason == "Call Picked Up"
        (fork,) = requests_of(marco_browser.inbox(), "INVITE")
        assert fork.call_id == ringing.call_id


def test_a_follow_me_rings_only_the_phones_that_can_take_the_call(pbx):
    """Sara's follow-me rings Marco after 5 s: Giulia's call from the browser rings his
    browser phone, never his desk phone."""
    giulia = browser(pbx, "201", "giulia-secret", "10.0.0.10")
    sara = browser(pbx, "203", "sara-secret", "10.0.0.30")
    marco_desk = desk(pbx, "202", "marco-secret", "10.0.0.20")
    marco_browser = browser(pbx, "202", "marco-secret", "10.0.0.21")
    proxy = pbx.server.proxy
    forwarder = Forwarder(proxy, pbx.server.layer, pbx.directory, REALM)
    sara_entry = pbx.directory.entry("203")
    assert sara_entry is not None
    forwarder.rules = {
        sara_entry.extension_id: ForwardingRule(follow_me="202", follow_me_seconds=5)
    }
    proxy.forwarding = forwarder
    place_call(giulia, "203")
    assert requests_of(sara.inbox(), "INVITE")
    pbx.advance(6)
    assert requests_of(marco_desk.inbox(), "INVITE") == []
    (followed,) = requests_of(marco_browser.inbox(), "INVITE")
    assert followed.uri_text.startswith("sip:202@10.0.0.21")


def test_click_to_call_rings_only_the_members_phones_that_suit_its_second_leg(pbx):
    """With neither rtpengine nor the desk to bridge a browser (a node always has its
    desk; ``ThirdPartyCalls`` alone has not) the member's answer can go to the target only
    as a plain phone's call: their browser phone is not rung, and with only a browser the
    member is told that there is no media bridge (not that no phone is connected)."""
    giulia_browser = browser(pbx, "201", "giulia-secret", "10.0.0.10")
    calls = ThirdPartyCalls(
        pbx.server.proxy, pbx.server.layer, pbx.directory, ConnectionTable(),
        lambda _message, _flow: None, REALM,
    )  # fmt: skip
    assert calls.place("ticket-1", "201", "202", "Marco") is CallState.NO_MEDIA_BRIDGE
    assert requests_of(giulia_browser.inbox(), "INVITE") == []

    giulia_desk = desk(pbx, "201", "giulia-secret", "10.0.0.11")
    assert calls.place("ticket-2", "201", "202", "Marco") is CallState.RINGING
    assert requests_of(giulia_browser.inbox(), "INVITE") == []
    (ringing,) = requests_of(giulia_desk.inbox(), "INVITE")
    assert ringing.header("To") == f"<sip:201@{REALM}>"


def test_a_callee_whose_phones_cannot_take_the_call_is_unreachable_and_the_caller_told_why(
    pbx,
):
    """Giulia's browser calls Marco, who has only a desk phone; Sara's desk phone calls
    Giulia, who has only the browser: neither is rung, and the 480 says why. With no
    phone at all the 480 has no such reason."""
    giulia = browser(pbx, "201", "giulia-secret", "10.0.0.10")
    marco_desk = desk(pbx, "202", "marco-secret", "10.0.0.20")
    sara_desk = desk(pbx, "203", "sara-secret", "10.0.0.30")
    why = f'399 officina "{NO_MEDIA_BRIDGE}"'
    for caller, callee, callees_phone in ((giulia, "202", marco_desk), (sara_desk, "201", giulia)):
        place_call(caller, callee)
        answer = last_answer(caller.inbox())
        assert (answer.status, answer.header("Warning")) == (480, why)
        assert requests_of(callees_phone.inbox(), "INVITE") == []
    assert marco_desk.register(expires=0).status == 200
    place_call(giulia, "202")
    answer = last_answer(giulia.inbox())
    assert (answer.status, answer.header("Warning")) == (480, None)


class OutsideLine:
    """Stands in for the trunks: every number that is no extension goes out to one
    provider on UDP, as ``TrunkCalls.call_out`` sends it (``Proxy.ring_out``)."""

    def __init__(self, pbx: Pbx, host: str, port: int) -> None:
        self.proxy = pbx.server.proxy
        self.peer = Peer("UDP", host, port)

    def call_out(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        _caller: DirectoryEntry,
        row: CallRow,
        now: float,
    ) -> bool:
        host, port = self.peer.host, self.peer.port
        provider = Binding(
            extension_id=0, binding_key="provider", contact_uri=f"sip:+39021234567@{host}:{port}",
            q=None, transport="UDP", received_host=host, received_port=port, connection_key="",
            node="", path="", user_agent="Provider", instance_id="", reg_id=None, call_id="",
            cseq=0, registered_at=0.0, expires_at=0.0,
        )  # fmt: skip
        leg = ProviderLeg(present=lambda _request: None, answer_challenge=lambda *_: None)
        self.proxy.ring_out(server, request, flow, row, provider, self.peer, leg, now)
        return True


def test_a_browsers_call_does_not_go_out_to_a_provider(pbx):
    """A provider speaks plain RTP: Giulia's browser call to a number outside is not sent
    to it (480, and why); Sara's desk phone's is."""
    giulia = browser(pbx, "201", "giulia-secret", "10.0.0.10")
    sara_desk = desk(pbx, "203", "sara-secret", "10.0.0.30")
    provider = Phone(pbx, "provider", "", "10.0.0.99", 5060)
    pbx.server.proxy.trunks = OutsideLine(pbx, provider.host, provider.port)
    place_call(giulia, "0039021234567")
    answer = last_answer(giulia.inbox())
    assert (answer.status, answer.header("Warning")) == (480, f'399 officina "{NO_MEDIA_BRIDGE}"')
    assert requests_of(provider.inbox(), "INVITE") == []
    place_call(sara_desk, "0039021234567")
    (sent,) = requests_of(provider.inbox(), "INVITE")
    assert sent.uri_text == "sip:+39021234567@10.0.0.99:5060"


def test_with_the_desk_to_bridge_click_to_call_rings_the_members_browser_too(pbx):
    """The node's desk bridges a browser that answers to a plain target: every phone of
    the member rings, the browser phone too, each asked for its offer (no SDP)."""
    giulia_browser = browser(pbx, "201", "giulia-secret", "10.0.0.10")
    giulia_desk = desk(pbx, "201", "giulia-secret", "10.0.0.11")
    calls = ThirdPartyCalls(
        pbx.server.proxy, pbx.server.layer, pbx.directory, ConnectionTable(),
        lambda _message, _flow: None, REALM,
    )  # fmt: skip
    calls.desk = MediaDesk(
        pbx.server.layer, pbx.directory, MediaPorts("127.0.0.1", 40000, 40010), "127.0.0.1"
    )
    try:
        assert calls.place("ticket-1", "201", "202", "Marco") is CallState.RINGING
    finally:
        calls.desk.close()
    for phone in (giulia_browser, giulia_desk):
        (ringing,) = requests_of(phone.inbox(), "INVITE")
        assert ringing.header("To") == f"<sip:201@{REALM}>"
        assert ringing.body == b""
