"""The relay policy, driven in memory: nothing reaches an address the PBX was not meant
to send to, whatever Route set a request carries."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from officina.pbx.proxy import FlowTokens
from officina.pbx.relay import REFUSALS_ANSWERED
from officina.pbx.routes import OwnRoutes
from officina.pbx.tests.attacks import GATEWAY_HOST, RELAY_METHODS, relay_attempt
from officina.pbx.tests.harness import PROXY_HOST, PROXY_PORT, REALM, FakeNetwork, Pbx, Phone
from officina.pbx.tests.test_server import (  # noqa: F401 (fixtures)
    answered_call,
    giulia,
    header,
    marco_desk,
    pbx,
    requests_of,
    statuses,
)
from officina.sip import SipRequest, SipResponse, SipUri, parse_uri
from officina.sip.rport import Peer

pytestmark = pytest.mark.django_db

GATEWAY_PORT = 5099


@pytest.fixture
def scanner(pbx):  # noqa: F811
    return Phone(pbx, "201", "not-the-password", "10.0.0.66", 5060)


def sent_to(pbx: Pbx, host: str, port: int) -> list[bytes]:  # noqa: F811
    return [data for peer, data in pbx.network.sent if (peer.host, peer.port) == (host, port)]


@pytest.mark.parametrize("method", RELAY_METHODS)
def test_a_preloaded_route_to_another_host_is_refused(pbx, scanner, method):  # noqa: F811
    scanner.send(relay_attempt(method, scanner.via_sent_by(), 1, GATEWAY_PORT))
    assert statuses(scanner.inbox()) == [403]
    assert sent_to(pbx, GATEWAY_HOST, GATEWAY_PORT) == []
    assert pbx.server.relay.refused == 1


def test_refusals_are_counted_and_a_persistent_source_is_no_longer_answered(pbx, scanner):  # noqa: F811
    for number in range(30):
        scanner.send(relay_attempt("INVITE", scanner.via_sent_by(), 100 + number, GATEWAY_PORT))
    assert statuses(scanner.inbox()) == [403] * int(REFUSALS_ANSWERED)
    assert pbx.server.relay.refused == 30
    # Only its relay attempts are ignored: the same address is otherwise served.
    scanner.send(scanner.request("OPTIONS", f"sip:{REALM}", f"<sip:{REALM}>"))
    assert statuses(scanner.inbox()) == [200]
    assert Phone(pbx, "202", "marco-secret", "10.0.0.66", 5070).register().status == 200
    assert sent_to(pbx, GATEWAY_HOST, GATEWAY_PORT) == []


def test_our_address_with_another_port_is_someone_else(pbx, scanner):  # noqa: F811
    attempt = relay_attempt("OPTIONS", scanner.via_sent_by(), 2, GATEWAY_PORT)
    attempt.set_header("Route", f"<sip:{PROXY_HOST}:{GATEWAY_PORT};lr>")
    scanner.send(attempt)
    assert statuses(scanner.inbox()) == [403]
    assert sent_to(pbx, PROXY_HOST, GATEWAY_PORT) == []


def test_a_route_back_to_us_is_answered_here_not_looped(pbx, scanner):  # noqa: F811
    # Named by another host name but our address and port (maddr), with the most hops a
    # request may carry: it is ours, so it is answered, never sent to ourselves.
    options = scanner.request("OPTIONS", f"sip:{REALM}", f"<sip:{REALM}>")
    options.set_header("Route", f"<sip:loop.invalid:{PROXY_PORT};maddr={PROXY_HOST};lr>")
    options.set_header("Max-Forwards", "255")
    scanner.send(options)
    assert statuses(scanner.inbox()) == [200]
    assert sent_to(pbx, PROXY_HOST, PROXY_PORT) == []


def test_in_a_dialog_only_our_signed_route_is_followed(pbx, scanner, giulia, marco_desk):  # noqa: F811
    assert marco_desk.register().status == 200
    bye = scanner.request("BYE", f"sip:202@{GATEWAY_HOST}:{GATEWAY_PORT}", "<sip:202@x>;tag=a")
    scanner.send(bye)  # no route at all: not a dialog of ours
    forged = "udp.127.0.0.1.5099.0123456789abcdef"
    for route in (
        f"<sip:{GATEWAY_HOST}:{GATEWAY_PORT};lr>",  # someone else
        f"<sip:{forged}@{PROXY_HOST}:{PROXY_PORT};lr>",  # us, with a forged token
        f"<sip:{PROXY_HOST}:{PROXY_PORT};lr>",  # us, without a token
    ):
        bye = scanner.request(
            "BYE", f"sip:202@{GATEWAY_HOST}:{GATEWAY_PORT}", "<sip:202@x>;tag=a",
            headers=[("Route", route)],
        )  # fmt: skip
        scanner.send(bye)
    assert statuses(scanner.inbox()) == [481, 403, 481, 481]
    assert sent_to(pbx, GATEWAY_HOST, GATEWAY_PORT) == []


def test_max_forwards_leaves_capped(pbx, giulia, marco_desk):  # noqa: F811
    _desk_invite, ok = answered_call(giulia, marco_desk)
    info = giulia.request(
        "INFO", "sip:202@10.0.0.20:5060", header(ok, "To"), call_id=ok.call_id,
        from_tag=ok.from_tag,
        headers=[("Route", str(r)) for r in ok.record_routes[::-1]],
    )  # fmt: skip
    info.set_header("Max-Forwards", "255")
    giulia.send(info)
    (relayed,) = requests_of(marco_desk.inbox(), "INFO")
    assert relayed.max_forwards == 70


HOSTS = [PROXY_HOST, REALM, GATEWAY_HOST, "gw.invalid", "10.0.0.99", "[::1]", "10.0.0.20"]


def route_uris(tokens: list[str]) -> st.SearchStrategy[str]:
    users = st.sampled_from([None, "udp.127.0.0.1.5099.0123456789abcdef", *tokens])
    ports = st.sampled_from([None, PROXY_PORT, GATEWAY_PORT, 5061])
    maddrs = st.sampled_from([None, *HOSTS])
    transports = st.sampled_from([None, "udp", "tcp", "ws"])

    def uri(
        user: str | None, host: str, port: int | None, maddr: str | None, transport: str | None
    ) -> str:
        text = "sip:" + (f"{user}@" if user else "") + host + (f":{port}" if port else "")
        text += f";maddr={maddr}" if maddr else ""
        text += f";transport={transport}" if transport else ""
        return f"<{text};lr>"

    return st.builds(uri, users, st.sampled_from(HOSTS), ports, maddrs, transports)


def test_no_route_set_sends_anywhere_but_to_phones(pbx, giulia, marco_desk, scanner):  # noqa: F811
    """Whatever Route set, method, dialog state and hop count a request carries, the PBX
    sends only to the sender (its answers) and to registered devices."""
    desk_invite, _ok = answered_call(giulia, marco_desk)
    # Tokens an attacker may have seen in a real call's Record-Route.
    seen = [
        r.uri.user for r in desk_invite.record_routes if isinstance(r.uri, SipUri) and r.uri.user
    ]
    giulia.inbox()
    allowed = {("10.0.0.66", 5060), ("10.0.0.10", 5060), ("10.0.0.20", 5060)}

    @settings(
        max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        method=st.sampled_from(["OPTIONS", "INVITE", "MESSAGE", "BYE", "INFO", "ACK", "REGISTER"]),
        routes=st.lists(route_uris(seen), max_size=4),
        to_tag=st.booleans(),
        max_forwards=st.integers(0, 255),
        target=st.sampled_from([f"sip:x@{GATEWAY_HOST}:{GATEWAY_PORT}", f"sip:202@{REALM}"]),
    )
    def probe(method, routes, to_tag, max_forwards, target):
        pbx.network.sent.clear()
        request: SipRequest = scanner.request(
            method, target, f"<sip:202@{REALM}>" + (";tag=t" if to_tag else ""),
            headers=[("Route", route) for route in routes],
        )  # fmt: skip
        request.set_header("Max-Forwards", str(max_forwards))
        scanner.send(request)
        for peer, data in pbx.network.sent:
            assert (peer.host, peer.port) in allowed, (peer, data[:400])
            if not data.startswith(b"SIP/2.0"):
                assert Peer(peer.transport, peer.host, peer.port) != Peer("UDP", PROXY_HOST, 5060)
                assert int(data.split(b"Max-Forwards: ")[1].split(b"\r\n")[0]) <= 70

    probe()


def test_a_late_2xx_is_relayed_only_when_our_branch_is_really_ours(pbx, giulia, marco_desk):  # noqa: F811
    desk_invite, _ok = answered_call(giulia, marco_desk)
    pbx.advance(40)  # the client transaction is gone: a retransmitted 200 is a stray
    marco_desk.answer(desk_invite, 200, to_tag="desk")
    assert statuses(giulia.inbox()) == [200]  # still reaches the caller, to be ACKed

    forged = SipResponse(
        200,
        None,
        [
            ("Via", f"SIP/2.0/UDP {PROXY_HOST}:{PROXY_PORT};branch=z9hG4bK-pbxforged.1"),
            ("Via", f"SIP/2.0/UDP {GATEWAY_HOST}:{GATEWAY_PORT};branch=z9hG4bKvictim"),
            ("From", "<sip:201@officina.local>;tag=a"),
            ("To", "<sip:202@officina.local>;tag=b"),
            ("Call-ID", "forged"),
            ("CSeq", "1 INVITE"),
        ],
        b"x" * 1000,
    )
    marco_desk.send(forged)
    assert sent_to(pbx, GATEWAY_HOST, GATEWAY_PORT) == []


class PbxOnPort5070(FakeNetwork):
    def local_via(self, transport: str) -> tuple[str, int]:
        return PROXY_HOST, 5070


@pytest.mark.parametrize(
    ("route", "ours"),
    [
        (f"sip:{PROXY_HOST}:5070;lr", True),
        (f"sip:{PROXY_HOST};lr", False),  # an address without a port means 5060
        (f"sip:{PROXY_HOST}:5099;lr", False),
        (f"sip:gw.invalid:5070;maddr={PROXY_HOST};lr", True),
        (f"sip:{PROXY_HOST}:5070;maddr={GATEWAY_HOST};lr", False),
        (f"sip:{REALM};lr", True),  # our name without a port: DNS says which port, ours
        (f"sip:{REALM}:5099;lr", False),
    ],
)
def test_a_route_is_ours_by_host_and_port(route: str, ours: bool) -> None:
    routes = OwnRoutes(PbxOnPort5070(), FlowTokens(b"0123456789abcdef0123456789abcdef"))
    routes.local_hosts = {PROXY_HOST, REALM}
    uri = parse_uri(route)
    assert isinstance(uri, SipUri)
    assert routes.names_us(uri) is ours
