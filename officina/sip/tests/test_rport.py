from officina.sip import SipRequest, Via, is_keepalive, parse_message
from officina.sip.rport import Peer, response_peer, stamp_via, stamped_via


def request_with(via: str) -> SipRequest:
    msg = parse_message(
        (
            f"OPTIONS sip:pbx SIP/2.0\r\nVia: {via}\r\nFrom: <sip:a@b>;tag=1\r\n"
            "To: <sip:pbx>\r\nCall-ID: r\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        ).encode()
    )
    assert isinstance(msg, SipRequest)
    return msg


def test_rport_filled_and_used():
    msg = request_with("SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKa;rport")
    source = Peer("UDP", "203.0.113.9", 61000)
    assert stamp_via(msg, source)
    via = msg.top_via
    assert (via.received, via.rport) == ("203.0.113.9", 61000)
    assert (
        msg.header("Via")
        == "SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKa;rport=61000;received=203.0.113.9"
    )
    assert response_peer(via, source) == source


def test_received_only_when_host_differs_and_sent_by_port_used():
    same = request_with("SIP/2.0/UDP 192.0.2.4:5070;branch=z9hG4bKb")
    source = Peer("UDP", "192.0.2.4", 40000)
    assert not stamp_via(same, source)
    assert response_peer(same.top_via, source) == Peer("UDP", "192.0.2.4", 5070)
    named = request_with("SIP/2.0/UDP phone.example.com;branch=z9hG4bKc")
    assert stamp_via(named, source)
    assert named.top_via.received == "192.0.2.4"
    assert response_peer(named.top_via, source) == Peer("UDP", "192.0.2.4", 5060)


def test_answers_going_back_to_the_source_go_to_the_source_itself():
    """A server transaction keeps where its answers go for up to 32 s: when that is
    where the request came from, it keeps the source, not an equal copy of it."""
    source = Peer("UDP", "203.0.113.9", 61000)
    asking = Via.parse("SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKa;rport")
    stamped = stamped_via(asking, source)
    assert stamped is not None
    assert response_peer(asking, source) is source
    assert response_peer(stamped, source) is source
    plain = Via.parse("SIP/2.0/UDP 203.0.113.9:61000;branch=z9hG4bKb")
    assert response_peer(plain, source) is source
    elsewhere = Via.parse("SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bKc")
    assert response_peer(elsewhere, source) == Peer("UDP", "203.0.113.9", 5060)


def test_ipv6_maddr_and_reliable_transports():
    v6 = Via.parse("SIP/2.0/UDP [2001:db8::5]:5060;branch=z9hG4bKd;rport")
    source = Peer("UDP", "2001:db8::5", 5062)
    stamped = stamped_via(v6, source)
    assert stamped is not None and stamped.received == "2001:db8::5" and stamped.rport == 5062
    maddr = Via.parse("SIP/2.0/UDP h.example.com:5080;branch=z9hG4bKe;maddr=239.255.255.1")
    assert response_peer(maddr, Peer("UDP", "192.0.2.9", 1)) == Peer("UDP", "239.255.255.1", 5080)
    tcp = Peer("TCP", "192.0.2.9", 51234)
    assert response_peer(Via.parse("SIP/2.0/TCP h;branch=z9hG4bKf"), tcp) == tcp
    assert Peer("WSS", "h", 1).reliable and not Peer("UDP", "h", 1).reliable


def test_keepalive_detection():
    assert is_keepalive(b"\r\n\r\n") and is_keepalive(b"\r\n")
    assert not is_keepalive(b"\r\nOPTIONS")
