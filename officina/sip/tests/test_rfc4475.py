"""RFC 4475 torture test messages (the files of its appendix, in fixtures/rfc4475)."""

from pathlib import Path

import pytest

from officina.sip import (
    AbsoluteUri,
    SipParseError,
    SipRequest,
    SipResponse,
    SipUri,
    parse_message,
)

FIXTURES = Path(__file__).parent / "fixtures" / "rfc4475"


def load(name: str) -> bytes:
    return (FIXTURES / f"{name}.dat").read_bytes()


def parse_valid(name: str) -> SipRequest | SipResponse:
    data = load(name)
    msg = parse_message(data)
    msg.validate()
    return msg


# Section 3.1.1 (valid syntax), 3.2 (transaction layer), 3.3 (application layer)
# and 3.4 (RFC 2543 compatibility): all must parse and validate.
VALID = [
    "wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq", "dblreq",
    "semiuri", "transports", "mpart01", "unreason", "noreason", "badbranch",
    "zeromf", "cparam01", "cparam02", "regescrt", "sdp01", "unkscm", "novelsc",
    "unksm2", "bext01", "invut", "regaut01", "bcast", "inv2543",
]  # fmt: skip

# Section 3.1.2 (invalid syntax) and 3.3 cases the RFC says to reject as malformed.
INVALID = {
    "badinv01": 400,  # 3.1.2.1 extraneous header field separators
    "clerr": 400,  # 3.1.2.2 Content-Length larger than message
    "ncl": 400,  # 3.1.2.3 negative Content-Length
    "scalar02": 400,  # 3.1.2.4 overlarge request scalar fields
    "scalarlg": 400,  # 3.1.2.5 overlarge response scalar fields (dropped)
    "quotbal": 400,  # 3.1.2.6 unterminated quoted string in display name
    "ltgtruri": 400,  # 3.1.2.7 <> enclosing Request-URI
    "lwsruri": 400,  # 3.1.2.8 malformed SIP Request-URI (embedded LWS)
    "lwsstart": 400,  # 3.1.2.9 multiple SP separating Request-Line elements
    "trws": 400,  # 3.1.2.10 SP characters at end of Request-Line
    "escruri": 400,  # 3.1.2.11 escaped headers in SIP Request-URI
    "baddate": 400,  # 3.1.2.12 invalid time zone in Date header field
    "regbadct": 400,  # 3.1.2.13 failure to enclose name-addr URI in <>
    "badaspec": 400,  # 3.1.2.14 spaces within addr-spec
    "baddn": 400,  # 3.1.2.15 non-token characters in display name
    "badvers": 505,  # 3.1.2.16 unknown protocol version
    "mismatch01": 400,  # 3.1.2.17 start line and CSeq method mismatch
    "mismatch02": 400,  # 3.1.2.18 unknown method with CSeq method mismatch
    "bigcode": 400,  # 3.1.2.19 overlarge response code (dropped)
    "insuf": 400,  # 3.3.1 missing required header fields
    "multi01": 400,  # 3.3.8 multiple values in single-value required fields
    "mcl01": 400,  # 3.3.9 multiple Content-Length values
}


def test_every_fixture_is_classified():
    names = {p.stem for p in FIXTURES.glob("*.dat")}
    assert names == set(VALID) | set(INVALID)
    assert len(names) == 49


@pytest.mark.parametrize("name", VALID)
def test_valid_messages_parse_and_round_trip(name):
    data = load(name)
    msg = parse_valid(name)
    if name == "dblreq":
        assert data.startswith(msg.serialize())
    else:
        assert msg.serialize() == data


@pytest.mark.parametrize(("name", "status"), sorted(INVALID.items()))
def test_invalid_messages_are_rejected(name, status):
    with pytest.raises(SipParseError) as excinfo:
        parse_valid(name)
    assert excinfo.value.status == status


def test_wsinv_values():
    msg = parse_valid("wsinv")
    assert isinstance(msg, SipRequest)
    assert msg.method == "INVITE"
    assert msg.uri_text == "sip:vivekg@chair-dnrc.example.com;unknownparam"
    assert isinstance(msg.uri, SipUri) and msg.uri.params == {"unknownparam": None}
    assert msg.to.tag == "1918181833n"
    assert str(msg.to.uri) == "sip:vivekg@chair-dnrc.example.com"
    assert msg.from_.display_name == 'J Rosenberg \\"'
    assert msg.from_.tag == "98asjd8"
    assert msg.max_forwards == 68
    assert msg.call_id == "wsinv.ndaksdj@192.0.2.1"
    assert msg.cseq == (9, "INVITE")
    assert [(v.transport, v.host, v.branch) for v in msg.vias] == [
        ("UDP", "192.0.2.2", "390skdjuw"),
        ("TCP", "spindle.example.com", "z9hG4bK9ikj8"),
        ("UDP", "192.168.255.111", "z9hG4bK30239"),
    ]
    assert msg.header("Subject") == ""
    assert msg.header("NewFangledHeader") == "newfangled value continued newfangled value"
    assert msg.header("UnknownHeaderWithUnusualValue") == ";;,,;;,;"
    route = msg.routes[0].uri
    assert isinstance(route, SipUri)
    assert route.params == {"lr": None, "unknownwith": "value", "unknown-no-value": None}
    (contact,) = msg.contacts
    assert contact.display_name == 'Quoted string ""'
    assert contact.params == {"newparam": "newvalue", "secondparam": None, "q": "0.33"}
    assert contact.q == 0.33
    assert msg.content_type == "application/sdp"
    assert len(msg.body) == 150


def test_intmeth_values():
    msg = parse_valid("intmeth")
    assert isinstance(msg, SipRequest)
    assert msg.method == "!interesting-Method0123456789_*+`.%indeed'~"
    uri = msg.uri
    assert isinstance(uri, SipUri)
    assert uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
    assert uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
    assert uri.host == "example.com"
    assert msg.to.display_name == "BEL:\x07 NUL:\x00 DEL:\x7f"
    assert msg.from_.display_name == "token1~` token2'+_ token3*%!.-"
    assert msg.from_.params["fromparam''~+*_!.-%"] == "работающий"
    assert msg.from_.tag == "_token~1'+`*%!-."
    assert msg.call_id == "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"
    assert msg.top_via.branch == "z9hG4bK-.!%66*_+`'~"
    assert msg.header("extensionHeader-!.%*+_`'~") == "\ufeff大停電"


def test_escaping_values():
    esc01 = parse_valid("esc01")
    assert isinstance(esc01, SipRequest) and isinstance(esc01.uri, SipUri)
    assert esc01.uri.user == "sips:user@example.com"
    assert isinstance(esc01.to.uri, SipUri) and esc01.to.uri.user == "user"
    assert isinstance(esc01.from_.uri, SipUri) and esc01.from_.uri.user == "I have spaces"
    contact = esc01.contacts[0].uri
    assert isinstance(contact, SipUri)
    assert contact.user == "caller"
    assert contact.params == {"lr": None, "name": "value%41"}
    escnull = parse_valid("escnull")
    assert isinstance(escnull.to.uri, SipUri) and escnull.to.uri.user == "null-\x00-null"
    users = [c.uri.user for c in escnull.contacts if isinstance(c.uri, SipUri)]
    assert users == ["\x00", "\x00\x00"]
    esc02 = parse_valid("esc02")
    assert isinstance(esc02, SipRequest)
    assert esc02.method == "RE%47IST%45R"
    assert esc02.to.display_name == "%Z%45"
    assert len(esc02.contacts) == 2  # "C%6Fntact" is another header
    assert esc02.header("C%6Fntact") == "<sip:alias2@host2.example.com>"


def test_transport_and_application_cases():
    semi = parse_valid("semiuri")
    assert isinstance(semi, SipRequest) and isinstance(semi.uri, SipUri)
    assert semi.uri.user == "user;par=u@example.net"
    assert semi.uri.params == {}
    assert len(semi.split_header("Accept")) == 6
    transports = parse_valid("transports")
    assert [v.transport for v in transports.vias] == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]
    lwsdisp = parse_valid("lwsdisp")
    assert lwsdisp.from_.display_name == "caller"
    assert parse_valid("zeromf").max_forwards == 0
    cparam01 = parse_valid("cparam01").contacts[0]
    assert cparam01.params == {"unknownparam": None}
    cparam02 = parse_valid("cparam02").contacts[0]
    assert cparam02.params == {} and isinstance(cparam02.uri, SipUri)
    assert cparam02.uri.params == {"unknownparam": None}
    regescrt = parse_valid("regescrt").contacts[0].uri
    assert isinstance(regescrt, SipUri) and regescrt.headers == {"Route": "<sip:sip.example.com>"}
    unkscm = parse_valid("unkscm")
    # Unknown schemes parse; answering 416 is the UAS's decision (RFC 4475 §3.3.2, §3.3.3).
    assert isinstance(unkscm, SipRequest) and isinstance(unkscm.uri, AbsoluteUri)
    novelsc = parse_valid("novelsc")
    assert isinstance(novelsc, SipRequest) and isinstance(novelsc.uri, AbsoluteUri)
    unksm2 = parse_valid("unksm2")
    assert str(unksm2.to.uri) == "isbn:2983792873"
    assert str(unksm2.from_.uri) == "http://www.example.com"
    bext01 = parse_valid("bext01")
    assert bext01.require == ["nothingSupportsThis", "nothingSupportsThisEither"]
    assert bext01.proxy_require == ["noProxiesSupportThis", "norDoAnyProxiesSupportThis"]
    assert parse_valid("invut").content_type == "application/unknownformat"
    regaut01 = parse_valid("regaut01").authorization[0]
    assert regaut01.scheme == "NoOneKnowsThisScheme"
    assert regaut01.params == {"opaque-data": "here"}
    badbranch = parse_valid("badbranch").top_via
    assert badbranch.branch == "z9hG4bK" and not badbranch.has_rfc3261_branch
    inv2543 = parse_valid("inv2543")
    assert inv2543.top_via.branch is None
    assert inv2543.max_forwards is None


def test_dblreq_ignores_the_trailing_request():
    msg = parse_valid("dblreq")
    assert isinstance(msg, SipRequest)
    assert msg.method == "REGISTER"
    assert msg.body == b""
    assert msg.serialize().endswith(b"Content-Length: 0\r\n\r\n")


def test_responses():
    unreason = parse_valid("unreason")
    assert isinstance(unreason, SipResponse)
    assert unreason.status == 200
    assert unreason.reason.startswith("= 2**3 * 5**2 но сто")
    noreason = parse_valid("noreason")
    assert isinstance(noreason, SipResponse)
    assert (noreason.status, noreason.reason) == (100, "")
    bcast = parse_valid("bcast")
    assert [v.host for v in bcast.vias] == ["192.0.2.198", "255.255.255.255"]


def test_multipart_body_length():
    msg = parse_valid("mpart01")
    assert msg.content_type == "multipart/mixed"
    assert len(msg.body) == msg.content_length == 553


# The application-layer cases of RFC 4475 §3.2-3.3: the status the RFC expects from a
# proxy (check_proxy_request) or a UAS (check_uas_request).
def test_proxy_answers():
    from officina.sip.validation import check_proxy_request

    def proxy_status(name: str) -> int | None:
        msg = parse_message(load(name))
        assert isinstance(msg, SipRequest)
        response = check_proxy_request(msg)
        return None if response is None else response.status

    assert proxy_status("zeromf") == 483  # 3.2.1
    assert proxy_status("unkscm") == 416  # 3.3.2
    assert proxy_status("novelsc") == 416  # 3.3.3
    bext01 = parse_message(load("bext01"))
    assert isinstance(bext01, SipRequest)
    response = check_proxy_request(bext01)
    assert response is not None and response.status == 420  # 3.3.5
    assert response.header("Unsupported") == "noProxiesSupportThis, norDoAnyProxiesSupportThis"
    assert proxy_status("wsinv") is None
    assert proxy_status("escruri") == 400


def test_uas_answers():
    from officina.sip.digest import DigestOutcome, DigestServer
    from officina.sip.validation import check_uas_request

    def uas(name: str) -> SipResponse | None:
        msg = parse_message(load(name))
        assert isinstance(msg, SipRequest)
        return check_uas_request(msg)

    bext01 = uas("bext01")
    assert bext01 is not None and bext01.status == 420  # 3.3.5
    assert bext01.header("Unsupported") == "nothingSupportsThis, nothingSupportsThisEither"
    invut = uas("invut")
    assert invut is not None and invut.status == 415  # 3.3.6
    assert invut.header("Accept") == "application/sdp"
    sdp01 = uas("sdp01")
    assert sdp01 is not None and sdp01.status == 406  # 3.2.5
    assert uas("zeromf") is None  # an endpoint ignores Max-Forwards 0 (3.2.1)
    unksm2 = uas("unksm2")  # 3.3.4: odd schemes in To/From/Contact are not the UAS's concern
    assert unksm2 is None
    regaut01 = parse_message(load("regaut01"))  # 3.3.7: unknown scheme -> challenge
    assert isinstance(regaut01, SipRequest)
    server = DigestServer("example.com", b"a secret of sixteen bytes or more")
    assert server.verify(regaut01, lambda *_: None, 0.0).outcome is DigestOutcome.MISSING
    assert server.challenge_response(regaut01, 0.0).status == 401
