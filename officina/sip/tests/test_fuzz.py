"""Property tests: any input parses or raises SipParseError; valid messages round-trip."""

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from officina.sip import SipParseError, SipRequest, parse_message

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "rfc4475").glob("*.dat"))
SAMPLES = [p.read_bytes() for p in FIXTURES]


def touch_everything(data: bytes) -> None:
    """Parse and read every accessor: only SipParseError may escape."""
    try:
        msg = parse_message(data)
    except SipParseError:
        return
    for action in (
        msg.validate,
        lambda: msg.vias,
        lambda: msg.top_via.rport,
        lambda: msg.contacts,
        lambda: [(c.expires, c.q, c.instance, c.reg_id) for c in msg.contacts],
        lambda: msg.routes,
        lambda: msg.record_routes,
        lambda: msg.authorization,
        lambda: msg.www_authenticate,
        lambda: msg.max_forwards,
        lambda: msg.expires,
        lambda: msg.content_type,
        lambda: msg.supported,
        lambda: msg.uri if isinstance(msg, SipRequest) else None,
        lambda: msg.pop_via(),
        lambda: msg.pop_route(),
        lambda: msg.decrement_max_forwards(),
    ):
        with contextlib.suppress(SipParseError):
            action()
    msg.serialize()


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data):
    touch_everything(data)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SAMPLES),
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=4000), st.binary(min_size=0, max_size=8)),
        min_size=1,
        max_size=6,
    ),
    st.integers(min_value=0, max_value=4000),
)
def test_mutated_torture_messages(sample, edits, cut):
    data = bytearray(sample)
    for position, insert in edits:
        position %= len(data) + 1
        data[position : position + len(insert)] = insert
    touch_everything(bytes(data[: max(cut, len(data) // 2)]))


token = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~",
    min_size=1,
    max_size=12,
)
user_part = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'()&=+$,",
    min_size=1,
    max_size=12,
)
host = st.one_of(
    st.from_regex(r"[a-z][a-z0-9\-]{0,10}(\.[a-z][a-z0-9\-]{0,10}){0,3}", fullmatch=True),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
)
header_value = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\r\n"),
    max_size=40,
).map(str.strip)


@st.composite
def messages(draw):
    method = draw(st.sampled_from(["INVITE", "REGISTER", "OPTIONS", "BYE", "X-CUSTOM"]))
    user = draw(user_part)
    target = draw(host)
    branch = "z9hG4bK" + draw(token)
    lines = [
        f"{method} sip:{user}@{target} SIP/2.0",
        f"{draw(st.sampled_from(['Via', 'v', 'VIA']))}: SIP/2.0/UDP {draw(host)}:5060"
        f";branch={branch}",
        f'From: "{draw(header_value).replace(chr(92), "").replace(chr(34), "")}"'
        f" <sip:{draw(user_part)}@{draw(host)}>;tag={draw(token)}",
        f"{draw(st.sampled_from(['To', 't']))}: <sip:{user}@{target}>",
        f"Call-ID: {draw(token)}",
        f"CSeq: {draw(st.integers(0, 2**31))} {method}",
        f"Max-Forwards: {draw(st.integers(0, 255))}",
    ]
    extra = draw(st.lists(st.tuples(token, header_value), max_size=5))
    lines += [f"X-{name}:{' ' * draw(st.integers(0, 2))}{value}" for name, value in extra]
    if draw(st.booleans()):
        lines.append("Subject: folded\r\n  across lines")
    body = draw(st.binary(max_size=200))
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body, method, branch, body


@settings(max_examples=400)
@given(messages())
def test_valid_messages_round_trip(generated):
    data, method, branch, body = generated
    msg = parse_message(data)
    msg.validate()
    assert isinstance(msg, SipRequest)
    assert msg.method == method
    assert msg.top_via.branch == branch
    assert msg.body == body
    assert msg.serialize() == data
    msg.decrement_max_forwards()
    again = parse_message(msg.serialize())
    again.validate()
    assert again.body == body


sip_text = st.text(
    alphabet=st.sampled_from(list("sip:SIP/2.0UDP@<>\"\\;,=?&[]: \t%0aZ-_.*+!~'()$/é\x00")),
    max_size=80,
)


@settings(max_examples=1500)
@given(sip_text)
def test_header_value_parsers_raise_only_parse_errors(text):
    from officina.sip import AuthHeader, NameAddress, Via, parse_uri

    for parser in (Via.parse, NameAddress.parse, AuthHeader.parse, parse_uri):
        try:
            value = parser(text)
        except SipParseError:
            continue
        str(value)


address_text = st.text(alphabet=st.sampled_from(list('<>"; \t=tagTAGsip:@a.b,x\\')), max_size=40)


@settings(max_examples=1500)
@given(address_text)
def test_fast_tag_reading_agrees_with_the_full_parser(value):
    from officina.sip import NameAddress

    data = (
        "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
        f"From: {value}\r\nTo: <sip:b@c>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n"
    ).encode()
    try:
        msg = parse_message(data)
    except SipParseError:
        return
    try:
        expected = NameAddress.parse(msg.header("From") or "").tag
    except SipParseError:
        return
    assert msg.from_tag == expected


HOSTILE = {
    "escapes": 'Contact: "' + "\\\\" * 15000 + "x",
    "unterminated": 'Contact: "' + "\\a" * 15000,
    "many params": "Route: <sip:a>" + ";a" * 15000 + ";",
    "long auth": "Authorization: Digest " + 'a="' + "\\x" * 10000 + '", ' + "b=" * 5000,
    "many auth params": "Authorization: Digest " + "a=b, " * 6000 + "c",
    "open brackets": "Contact: " + "<" * 30000,
    "via params": "Via: SIP/2.0/UDP h" + ";branch" * 8000 + "=",
    "many vias": "Via: " + "SIP/2.0/UDP h, " * 3000,
    "uri escapes": "Contact: <sip:" + "%4" * 15000 + "@h>",
    "uri params": "Contact: <sip:a@h" + ";x=%" * 10000 + ">",
    "folds": "Subject: a" + "\r\n b" * 20000,
    "display words": "Contact: " + "a " * 15000 + "<sip:a@b>",
}


@pytest.mark.parametrize("extra", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_messages_end_in_a_parse_error_or_a_message(extra):
    data = (
        "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
        "From: <sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n"
        f"{extra}\r\n\r\n"
    ).encode()
    touch_everything(data)
