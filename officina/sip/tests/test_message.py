import pytest

from officina.sip import (
    AbsoluteUri,
    LocalProtocolError,
    NameAddress,
    SipParseError,
    SipRequest,
    SipResponse,
    SipUri,
    TelUri,
    Via,
    make_response,
    parse_message,
    parse_uri,
)

INVITE = (
    b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\r\n"
    b"Max-Forwards: 70\r\n"
    b"To: Bob <sip:bob@biloxi.example.com>\r\n"
    b'From: "Alice A." <sip:alice@atlanta.example.com>;tag=1928301774\r\n'
    b"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    b"CSeq: 314159 INVITE\r\n"
    b"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    b"Content-Type: application/sdp\r\n"
    b"Content-Length: 4\r\n"
    b"\r\n"
    b"v=0\n"
)


def test_request_fields():
    msg = parse_message(INVITE)
    assert isinstance(msg, SipRequest)
    assert msg.method == "INVITE"
    assert str(msg.uri) == "sip:bob@biloxi.example.com"
    assert isinstance(msg.uri, SipUri)
    assert msg.uri.user == "bob"
    assert msg.uri.host == "biloxi.example.com"
    assert msg.call_id == "a84b4c76e66710@pc33.atlanta.example.com"
    assert msg.cseq == (314159, "INVITE")
    assert msg.max_forwards == 70
    assert msg.from_.display_name == "Alice A."
    assert msg.from_tag == "1928301774"
    assert msg.to_tag is None
    assert msg.to.display_name == "Bob"
    via = msg.top_via
    assert via.transport == "UDP"
    assert via.host == "pc33.atlanta.example.com"
    assert via.port is None
    assert via.branch == "z9hG4bK776asdhds"
    assert via.wants_rport and via.rport is None
    assert msg.content_type == "application/sdp"
    assert msg.body == b"v=0\n"
    assert msg.serialize() == INVITE


def test_compact_forms_and_case_insensitive_names():
    data = (
        b"OPTIONS sip:x@example.com SIP/2.0\r\n"
        b"v: SIP/2.0/TCP h.example.com:5070;branch=z9hG4bKa\r\n"
        b"f: <sip:a@example.com>;tag=1\r\n"
        b"t: sip:x@example.com\r\n"
        b"i: abc\r\n"
        b"CSEQ: 1 OPTIONS\r\n"
        b"m: <sip:a@10.0.0.1>\r\n"
        b"k: path, outbound\r\n"
        b"l: 0\r\n\r\n"
    )
    msg = parse_message(data)
    assert msg.call_id == "abc"
    assert msg.header("Call-ID") == "abc"
    assert msg.header("i") == "abc"
    assert msg.top_via.port == 5070
    assert msg.supported == ["path", "outbound"]
    assert str(msg.contacts[0].uri) == "sip:a@10.0.0.1"
    assert msg.serialize() == data


def test_folding_and_multi_value_headers():
    data = (
        b"REGISTER sip:example.com SIP/2.0\r\n"
        b"Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1,\r\n"
        b"  SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n"
        b"Via: SIP/2.0/UDP [2001:db8::9]:5061;branch=z9hG4bK3;received=2001:db8::1\r\n"
        b"From: <sip:a@example.com>;tag=x\r\n"
        b"To: <sip:a@example.com>\r\n"
        b"Call-ID: c1\r\n"
        b"CSeq: 2 REGISTER\r\n"
        b'Contact: "A, the first" <sip:a@[2001:db8::2]:5060;transport=tcp>;expires=60,\r\n'
        b' <sip:a@phone.example.com>;+sip.instance="<urn:uuid:0001>";reg-id=1;q=0.5\r\n'
        b"Content-Length: 0\r\n\r\n"
    )
    msg = parse_message(data)
    assert [v.branch for v in msg.vias] == ["z9hG4bK1", "z9hG4bK2", "z9hG4bK3"]
    assert msg.vias[2].host == "[2001:db8::9]"
    assert msg.vias[2].port == 5061
    assert msg.vias[2].received == "2001:db8::1"
    first, second = msg.contacts
    assert first.display_name == "A, the first"
    assert first.expires == 60
    assert isinstance(first.uri, SipUri)
    assert first.uri.host == "[2001:db8::2]"
    assert first.uri.transport == "tcp"
    assert second.instance == "urn:uuid:0001"
    assert second.reg_id == 1
    assert second.q == 0.5
    assert msg.serialize() == data


def test_allow_lists_methods_over_several_lines_in_any_case():
    with_update = INVITE.replace(
        b"Max-Forwards: 70\r\n", b"Allow: INVITE, ACK\r\nAllow: update\r\n"
    )
    assert parse_message(with_update).allows("UPDATE")
    assert parse_message(with_update).allows("ack")
    assert not parse_message(with_update).allows("INFO")
    assert not parse_message(INVITE).allows("INVITE")  # no Allow: nothing is known


def test_contact_wildcard():
    data = (
        b"REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
        b"From: <sip:a@example.com>;tag=x\r\nTo: <sip:a@example.com>\r\nCall-ID: c\r\n"
        b"CSeq: 3 REGISTER\r\nContact: *\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n"
    )
    msg = parse_message(data)
    assert msg.is_contact_wildcard
    assert msg.contacts == []
    assert msg.expires == 0


def test_response_parse_and_build():
    request = parse_message(INVITE)
    assert isinstance(request, SipRequest)
    response = make_response(request, 180, to_tag="abc")
    data = response.serialize()
    parsed = parse_message(data)
    assert isinstance(parsed, SipResponse)
    assert parsed.status == 180
    assert parsed.reason == "Ringing"
    assert parsed.to_tag == "abc"
    assert parsed.from_tag == "1928301774"
    assert parsed.call_id == request.call_id
    assert parsed.cseq == request.cseq
    assert parsed.top_via.branch == "z9hG4bK776asdhds"
    assert parsed.body == b""
    assert parsed.header("Content-Length") == "0"
    trying = make_response(request, 100, to_tag="abc")
    assert parse_message(trying.serialize()).to_tag is None


def test_proxy_edits():
    msg = parse_message(INVITE)
    assert isinstance(msg, SipRequest)
    msg.prepend_via(Via("UDP", "proxy.example.com", 5060, {"branch": "z9hG4bKproxy1"}))
    assert msg.decrement_max_forwards() == 69
    msg.prepend_record_route("<sip:proxy.example.com;lr>")
    msg.uri = "sip:bob@192.0.2.4:5062"
    data = msg.serialize()
    again = parse_message(data)
    assert isinstance(again, SipRequest)
    assert [v.branch for v in again.vias] == ["z9hG4bKproxy1", "z9hG4bK776asdhds"]
    assert again.max_forwards == 69
    assert str(again.record_routes[0].uri) == "sip:proxy.example.com;lr"
    assert again.uri_text == "sip:bob@192.0.2.4:5062"
    assert again.body == b"v=0\n"
    popped = again.pop_via()
    assert popped.branch == "z9hG4bKproxy1"
    assert again.top_via.branch == "z9hG4bK776asdhds"


def test_pop_via_from_comma_list_and_routes():
    data = (
        b"BYE sip:b@h SIP/2.0\r\n"
        b"Via: SIP/2.0/UDP p1;branch=z9hG4bK1, SIP/2.0/UDP ua;branch=z9hG4bK2\r\n"
        b"Route: <sip:p1;lr>, <sip:p2;lr>\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\n"
        b"Call-ID: c\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"
    )
    msg = parse_message(data)
    assert msg.pop_via().branch == "z9hG4bK1"
    assert [v.branch for v in msg.vias] == ["z9hG4bK2"]
    first = msg.pop_route()
    assert first is not None and str(first.uri) == "sip:p1;lr"
    assert [str(r.uri) for r in msg.routes] == ["sip:p2;lr"]
    assert msg.pop_route() is not None
    assert msg.pop_route() is None
    assert not msg.has_header("Route")


def test_messages_of_one_cseq_share_it():
    """A request, its retransmission and the answers to them carry the same CSeq, and a
    proxy's transactions keep each message for up to 32 s: they share one CSeq, read once."""
    request = parse_message(INVITE)
    assert isinstance(request, SipRequest)
    again = parse_message(INVITE)
    assert again.cseq is request.cseq
    assert make_response(request, 180).cseq is request.cseq
    response = parse_message(make_response(request, 180).serialize())
    assert response.cseq is request.cseq
    other = parse_message(INVITE.replace(b"CSeq: 314159 INVITE", b"CSeq: 314160 INVITE"))
    assert other.cseq.number == request.cseq.number + 1


def test_values_read_once_are_kept_until_their_header_changes():
    data = (
        b"INVITE sip:b@h SIP/2.0\r\n"
        b"Via: SIP/2.0/UDP p1;branch=z9hG4bK1, SIP/2.0/UDP ua;branch=z9hG4bK2\r\n"
        b"Max-Forwards: 70\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
        b"Call-ID: c\r\nCSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n"
    )
    msg = parse_message(data)
    # The top Via read for matching is the one popped, not a second parse of its text.
    top = msg.top_via
    assert msg.pop_via() is top
    assert msg.top_via.branch == "z9hG4bK2"
    # A Via put on top is the one read back.
    ours = Via("UDP", "192.0.2.1", 5060, {"branch": "z9hG4bKours", "rport": None})
    msg.prepend_via(ours)
    assert msg.top_via is ours
    assert parse_message(msg.serialize()).top_via.branch == "z9hG4bKours"
    # Tags and Max-Forwards are kept once read, and read again once their header changes.
    assert (msg.from_tag, msg.to_tag, msg.max_forwards) == ("1", None, 70)
    clone = msg.copy()
    msg.set_header("To", "<sip:b@h>;tag=2")
    msg.set_header("From", "<sip:a@h>;tag=3")
    assert (msg.from_tag, msg.to_tag) == ("3", "2")
    assert (clone.from_tag, clone.to_tag) == ("1", None)
    assert msg.decrement_max_forwards() == 69
    assert msg.max_forwards == 69
    msg.set_header("Max-Forwards", "5")
    assert msg.max_forwards == 5
    msg.remove_header("Max-Forwards")
    assert msg.max_forwards is None
    assert clone.max_forwards == 70


def test_build_request_and_body_update():
    req = SipRequest(
        "MESSAGE",
        "sip:bob@example.com",
        [
            ("Via", "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKm1"),
            ("From", "<sip:alice@example.com>;tag=a"),
            ("To", "<sip:bob@example.com>"),
            ("Call-ID", "m1"),
            ("CSeq", "1 MESSAGE"),
        ],
    )
    req.body = "ciao è".encode()
    parsed = parse_message(req.serialize())
    assert parsed.body == "ciao è".encode()
    assert parsed.content_length == len("ciao è".encode())


def test_datagram_content_length_rules():
    base = INVITE.replace(b"Content-Length: 4", b"Content-Length: 2")
    assert parse_message(base).body == b"v="
    with pytest.raises(SipParseError) as excinfo:
        parse_message(INVITE.replace(b"Content-Length: 4", b"Content-Length: 9"))
    assert excinfo.value.status == 400
    no_length = INVITE.replace(b"Content-Length: 4\r\n", b"")
    assert parse_message(no_length).body == b"v=0\n"


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"", 400),
        (b"\r\n\r\n", 400),
        (b"INVITE sip:a@b SIP/2.0\r\n", 400),
        (INVITE.replace(b"SIP/2.0\r\n", b"SIP/3.0\r\n", 1), 505),
        (INVITE.replace(b"Max-Forwards: 70\r\n", b"Max Forwards: 70\r\n"), 400),
        (INVITE.replace(b"CSeq: 314159 INVITE", b"CSeq: 314159 BYE"), 400),
        (INVITE.replace(b"Call-ID", b"X-Call-ID"), 400),
        (INVITE.replace(b"Via: ", b" Via: "), 400),
        (b"INVITE sip:" + b"a" * 5000 + b" SIP/2.0\r\n\r\n", 414),
        (INVITE[:20] + b"\n" + INVITE[20:], 400),
        (b"SIP/2.0 99 Odd\r\n\r\n", 400),
        (b"SIP/2.0 1000 Odd\r\n\r\n", 400),
        (INVITE + b"x" * 70000, 513),
    ],
)
def test_rejections_carry_status(data, status):
    with pytest.raises(SipParseError) as excinfo:
        parse_message(data)
    assert excinfo.value.status == status


def test_uris():
    uri = parse_uri("sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi%20there&x=1")
    assert isinstance(uri, SipUri)
    assert uri.scheme == "sips"
    assert uri.user == "alice"
    assert uri.password == "secret"
    assert uri.host == "[2001:db8::1]"
    assert uri.port == 5061
    assert uri.transport == "tcp"
    assert uri.lr
    assert uri.headers == {"subject": "hi there", "x": "1"}
    tel = parse_uri("tel:+39-06-1234567;phone-context=example.com")
    assert isinstance(tel, TelUri)
    assert tel.number == "+39-06-1234567"
    other = parse_uri("urn:service:sos")
    assert isinstance(other, AbsoluteUri)
    built = SipUri("example.com", "mario rossi", port=5080, params={"transport": "udp"})
    assert str(built) == "sip:mario%20rossi@example.com:5080;transport=udp"
    assert parse_uri(str(built)) == built
    assert parse_uri("sip:Bob@EXAMPLE.com") == parse_uri("sip:Bob@example.com")
    assert parse_uri("sip:bob@example.com") != parse_uri("sip:Bob@example.com")
    for bad in ["sip:", "sip:a@", "sip:a@b:99999", "sip:a b@c", "sip:a@[::1", "1sip:x", "tel:xyz"]:
        with pytest.raises(SipParseError):
            parse_uri(bad)


def test_name_address_forms():
    a = NameAddress.parse("sip:+19725552222@gw1.example.net;unknownparam")
    assert a.params == {"unknownparam": None}
    assert isinstance(a.uri, SipUri) and a.uri.params == {}
    b = NameAddress.parse("<sip:+19725552222@gw1.example.net;unknownparam>")
    assert b.params == {}
    assert isinstance(b.uri, SipUri) and b.uri.params == {"unknownparam": None}
    c = NameAddress.parse('"Mario \\"il capo\\" Rossi" <sip:m@example.it>;tag=9')
    assert c.display_name == 'Mario "il capo" Rossi'
    assert str(c.with_params(tag="10")) == '"Mario \\"il capo\\" Rossi" <sip:m@example.it>;tag=10'


def test_copies_are_independent():
    original = parse_message(INVITE)
    assert isinstance(original, SipRequest)
    fork = original.copy()
    fork.uri = "sip:bob@192.0.2.99"
    fork.prepend_via("SIP/2.0/UDP proxy.example.com;branch=z9hG4bKfork1")
    fork.decrement_max_forwards()
    assert original.serialize() == INVITE
    again = parse_message(fork.serialize())
    assert isinstance(again, SipRequest)
    assert again.uri_text == "sip:bob@192.0.2.99"
    assert [v.branch for v in again.vias] == ["z9hG4bKfork1", "z9hG4bK776asdhds"]
    assert again.max_forwards == 69
    response = make_response(original, 200, to_tag="x")
    relayed = response.copy()
    relayed.pop_via()
    assert len(response.vias) == 1 and relayed.header("Via") is None


def test_oversized_body_is_413():
    with pytest.raises(SipParseError) as excinfo:
        parse_message(INVITE.replace(b"Content-Length: 4", b"Content-Length: 70000"))
    assert excinfo.value.status == 413


IPV6_BASE = (
    "{method} {uri} SIP/2.0\r\n"
    "Via: {via}\r\n"
    "From: <sip:alice@[2001:db8::1]>;tag=6\r\n"
    "To: <sip:bob@[2001:db8::2]:5070>\r\n"
    "Call-ID: v6\r\nCSeq: 1 {method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
)


@pytest.mark.parametrize(
    ("uri", "via"),
    [
        ("sip:[2001:db8::10]", "SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3"),
        ("sip:user@[2001:db8::10]:5070", "SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bKas3"),
        ("sip:[::ffff:192.0.2.10]", "SIP/2.0/UDP [::ffff:192.0.2.1];branch=z9hG4bKas3"),
        (
            "sip:user@[2001:db8::10]",
            "SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3",
        ),
        ("sip:user@[2001:db8::10]", "SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255"),
    ],
)
def test_ipv6_addresses_parse(uri, via):
    msg = parse_message(IPV6_BASE.format(method="OPTIONS", uri=uri, via=via).encode())
    msg.validate()
    assert isinstance(msg, SipRequest) and isinstance(msg.uri, SipUri)
    assert msg.uri.host.startswith("[") and msg.top_via.host.startswith("[")
    assert isinstance(msg.to.uri, SipUri) and msg.to.uri.port == 5070


@pytest.mark.parametrize(
    ("uri", "via"),
    [
        ("sip:user@2001:db8::10", "SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3"),
        ("sip:user@[2001:db8::10", "SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3"),
        ("sip:user@[2001:db8::10]", "SIP/2.0/UDP 2001:db8::9:1;branch=z9hG4bKas3"),
        ("sip:user@[2001:db8::10]:70000", "SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3"),
        ("sip:user@[2001:db8::10]x", "SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3"),
    ],
)
def test_malformed_ipv6_addresses_are_rejected(uri, via):
    with pytest.raises(SipParseError):
        parse_message(IPV6_BASE.format(method="OPTIONS", uri=uri, via=via).encode()).validate()


def test_local_misuse_is_a_local_error():
    from officina.sip import LocalProtocolError

    msg = parse_message(INVITE)
    with pytest.raises(LocalProtocolError):
        msg.add_header("Bad Name", "x")
    with pytest.raises(LocalProtocolError):
        msg.set_header("Subject", "line\r\nInjected: yes")
    assert msg.serialize() == INVITE


def test_name_address_helpers():
    contact = NameAddress.parse("<sip:a@h>;expires=60;q=0.5")
    assert str(contact.without_params("expires")) == "<sip:a@h>;q=0.5"
    assert contact.sip_uri.host == "h"
    with pytest.raises(SipParseError) as excinfo:
        _ = NameAddress.parse("<tel:+390612345>").sip_uri
    assert excinfo.value.status == 416


def test_building_with_bad_values_is_a_local_error():
    from officina.sip import LocalProtocolError

    with pytest.raises(LocalProtocolError):
        SipRequest("BAD METHOD", "sip:a@b")
    with pytest.raises(LocalProtocolError):
        SipResponse(99)
    request = parse_message(INVITE)
    assert isinstance(request, SipRequest)
    with pytest.raises(LocalProtocolError):
        make_response(request, 700)


def test_response_start_line_edits_are_serialized():
    response = parse_message(b"SIP/2.0 180 Ringing\r\n" + INVITE.split(b"\r\n", 1)[1])
    assert isinstance(response, SipResponse)
    response.status = 183
    response.reason = "Session Progress"
    assert response.serialize().startswith(b"SIP/2.0 183 Session Progress\r\n")
    with pytest.raises(LocalProtocolError):
        response.reason = "evil\r\nX: y"


def test_head_is_utf8_or_latin1_text_and_body_may_be_anything():
    latin1 = INVITE.replace(b'"Alice A."', '"Niccolò"'.encode("latin-1"))
    message = parse_message(latin1)
    assert message.from_.display_name == "Niccolò"
    assert message.serialize() == latin1  # untouched, it goes on as it came
    message.add_header("X-Seen", "yes")
    assert '"Niccolò"'.encode() in message.serialize()  # edited, it goes out in UTF-8
    # Bytes that are neither UTF-8 nor printable Latin-1 (the C1 range) are refused.
    with pytest.raises(SipParseError) as excinfo:
        parse_message(INVITE.replace(b'"Alice A."', b'"Alic\x85e"'))
    assert excinfo.value.status == 400
    binary_body = INVITE.replace(b"v=0\n", b"\xff\xfe\x00\x01")
    assert parse_message(binary_body).body == b"\xff\xfe\x00\x01"
    utf8 = INVITE.replace(b'"Alice A."', '"Alice Àèìòù"'.encode())
    assert parse_message(utf8).from_.display_name == "Alice Àèìòù"


def test_raw_control_characters_are_rejected_unless_escaped():
    with pytest.raises(SipParseError):
        parse_message(INVITE.replace(b"Contact: <", b"Contact: \x00<"))
    with pytest.raises(SipParseError):
        parse_message(INVITE.replace(b"Alice A.", b"Alice\x07A."))
    escaped = parse_message(INVITE.replace(b"Alice A.", b"Alice\\\x07A."))
    assert escaped.from_.display_name == "Alice\x07A."
