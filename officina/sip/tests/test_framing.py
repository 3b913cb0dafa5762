import base64
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from officina.sip import SipParseError, SipRequest, SipResponse
from officina.sip.framing import BadMessage, KeepAlivePing, StreamFramer
from officina.sip.websocket import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONTINUATION,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    SipWebSocket,
    WebSocketClosed,
    WebSocketError,
    accept_key,
    encode_frame,
)

OPTIONS = (
    b"OPTIONS sip:pbx.officina.local SIP/2.0\r\n"
    b"Via: SIP/2.0/TCP 192.0.2.7:50123;branch=z9hG4bKopt1\r\n"
    b"From: <sip:201@officina.local>;tag=o1\r\n"
    b"To: <sip:pbx.officina.local>\r\n"
    b"Call-ID: opt-1\r\n"
    b"CSeq: 1 OPTIONS\r\n"
    b"Content-Type: text/plain\r\n"
    b"l: 5\r\n"
    b"\r\n"
    b"ciao!"
)


def test_stream_framer_splits_messages_in_any_chunking():
    stream = b"\r\n\r\n" + OPTIONS + b"\r\n" + OPTIONS + OPTIONS
    for size in (1, 2, 3, 7, 64, len(stream)):
        framer = StreamFramer()
        out = []
        for i in range(0, len(stream), size):
            out += framer.feed(stream[i : i + size])
        assert [type(x) for x in out] == [KeepAlivePing, SipRequest, SipRequest, SipRequest]
        assert all(m.body == b"ciao!" for m in out if isinstance(m, SipRequest))
        assert framer.buffered == 0


def test_stream_framer_reports_bad_messages_and_continues():
    bad = OPTIONS.replace(b"CSeq: 1 OPTIONS", b"CSeq: one OPTIONS")
    out = StreamFramer().feed(bad + OPTIONS)
    assert isinstance(out[0], BadMessage) and out[0].error.status == 400
    assert isinstance(out[1], SipRequest)


def test_a_folded_content_length_still_cuts_the_stream():
    folded = OPTIONS.replace(b"l: 5", b"Content-Length:\r\n   5")
    out = StreamFramer().feed(folded + OPTIONS)
    assert [type(x) for x in out] == [SipRequest, SipRequest]
    assert all(m.body == b"ciao!" for m in out if isinstance(m, SipRequest))


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (OPTIONS.replace(b"l: 5\r\n", b""), 400),  # no Content-Length on a stream
        (OPTIONS.replace(b"l: 5", b"l: 99999999"), 513),
        (b"X" * 20000, 513),  # no end of head in sight
        (b"\nINVITE", 400),
        (OPTIONS.replace(b"l: 5", b"l: 5\r\nContent-Length: 6"), 400),
    ],
)
def test_stream_framer_fatal_errors(data, status):
    with pytest.raises(SipParseError) as excinfo:
        StreamFramer().feed(data)
    assert excinfo.value.status == status


@settings(max_examples=300)
@given(st.binary(max_size=3000))
def test_stream_framer_fuzz(data):
    framer = StreamFramer(max_head=1024, max_body=1024)
    try:
        framer.feed(data)
    except SipParseError:
        return
    assert framer.buffered <= 1024 + 4 + 1024


# ---------------------------------------------------------------- WebSocket
KEY = base64.b64encode(b"0123456789abcdef").decode()
HANDSHAKE = (
    "GET /ws HTTP/1.1\r\nHost: pbx.officina.local\r\nUpgrade: websocket\r\n"
    "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
    "Origin: https://officina.local\r\nSec-WebSocket-Protocol: {proto}\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n"
)


def client_frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    return encode_frame(opcode, payload, fin=fin, mask=os.urandom(4))


def opened() -> SipWebSocket:
    ws = SipWebSocket()
    assert ws.feed(HANDSHAKE.format(key=KEY, proto="sip").encode()) == []
    answer = ws.data_to_send()
    assert answer.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert f"Sec-WebSocket-Accept: {accept_key(KEY)}".encode() in answer
    assert b"Sec-WebSocket-Protocol: sip\r\n" in answer
    return ws


def test_accept_key_matches_rfc6455_example():
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_websocket_carries_sip_messages_with_fragmentation_and_control_frames():
    ws = opened()
    assert ws.handshake is not None and ws.handshake.origin == "https://officina.local"
    data = (
        client_frame(OP_TEXT, OPTIONS[:30], fin=False)
        + client_frame(OP_PING, b"hi")
        + client_frame(OP_CONTINUATION, OPTIONS[30:100], fin=False)
        + client_frame(OP_CONTINUATION, OPTIONS[100:])
        + client_frame(OP_TEXT, b"\r\n\r\n")
        + client_frame(OP_BINARY, OPTIONS)
        + client_frame(OP_PONG, b"")
    )
    out = []
    for i in range(0, len(data), 5):
        out += ws.feed(data[i : i + 5])
    assert [type(x) for x in out] == [SipRequest, KeepAlivePing, SipRequest]
    assert ws.data_to_send() == encode_frame(OP_PONG, b"hi")
    response = SipResponse(200, headers=[("Call-ID", "x")])
    frame = ws.send_message(response)
    assert frame[0] == 0x80 | OP_TEXT and frame[2:] == response.serialize()
    out = ws.feed(client_frame(OP_CLOSE, b"\x03\xe8bye"))
    assert out == [WebSocketClosed(1000, "bye")]
    assert ws.data_to_send() == encode_frame(OP_CLOSE, b"\x03\xe8")
    assert not ws.is_open


def test_large_frames_use_extended_lengths():
    ws = opened()
    body = b"x" * 300
    message = OPTIONS.replace(b"l: 5", b"l: 305") + body
    (parsed,) = ws.feed(client_frame(OP_TEXT, message))
    assert isinstance(parsed, SipRequest) and len(parsed.body) == 305
    assert len(ws.send_message(b"y" * 70000)) == 70000 + 10


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (encode_frame(OP_TEXT, OPTIONS), 1002),  # unmasked
        (client_frame(OP_CONTINUATION, b"x"), 1002),
        (client_frame(OP_PING, b"x", fin=False), 1002),
        (client_frame(OP_TEXT, b"\xff\xfe"), 1007),
        (client_frame(OP_TEXT, b"x" * 70000), 1009),
        (client_frame(0x3, b""), 1002),
        (bytes([0xC1]) + client_frame(OP_TEXT, b"x")[1:], 1002),  # RSV1
    ],
    # Frames carry random masks: named ids keep the test list the same in every worker.
    ids=[
        "unmasked",
        "continuation-first",
        "fragmented-ping",
        "invalid-utf8",
        "too-big",
        "reserved-opcode",
        "rsv1",
    ],
)
def test_websocket_protocol_errors_close_with_code(data, code):
    ws = opened()
    with pytest.raises(WebSocketError) as excinfo:
        ws.feed(data)
    assert excinfo.value.close_code == code
    closing = ws.data_to_send()
    assert closing[0] == 0x80 | OP_CLOSE and int.from_bytes(closing[2:4], "big") == code
    assert not ws.is_open


@pytest.mark.parametrize(
    ("handshake", "status"),
    [
        (HANDSHAKE.format(key=KEY, proto="chat"), 400),
        (HANDSHAKE.format(key="short", proto="sip"), 400),
        (HANDSHAKE.format(key=KEY, proto="sip").replace("Version: 13", "Version: 8"), 426),
        (HANDSHAKE.format(key=KEY, proto="sip").replace("GET", "POST"), 400),
        ("G" * 9000, 431),
    ],
)
def test_websocket_handshake_rejections(handshake, status):
    ws = SipWebSocket()
    with pytest.raises(WebSocketError) as excinfo:
        ws.feed(handshake.encode())
    assert excinfo.value.status == status
    assert ws.data_to_send().startswith(f"HTTP/1.1 {status} ".encode())


@settings(max_examples=300)
@given(st.binary(max_size=2000))
def test_websocket_fuzz_after_handshake(data):
    ws = opened()
    try:
        ws.feed(data)
    except WebSocketError:
        assert not ws.is_open


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(1, 400), min_size=1, max_size=6),
    st.lists(st.integers(1, 200), min_size=1, max_size=10),
    st.integers(1, 97),
)
def test_websocket_any_fragmentation_and_chunking_gives_the_same_messages(bodies, cuts, chunk):
    ws = opened()
    wire = b""
    expected = []
    for n, size in enumerate(bodies):
        body = bytes([65 + n % 26]) * size
        message = OPTIONS.replace(b"l: 5", b"l: %d" % size).replace(b"ciao!", body)
        expected.append(body)
        # cut the message into fragments at the given sizes
        fragments, rest = [], message
        for cut in cuts:
            if len(rest) <= cut:
                break
            fragments.append(rest[:cut])
            rest = rest[cut:]
        fragments.append(rest)
        for index, fragment in enumerate(fragments):
            opcode = OP_TEXT if index == 0 else OP_CONTINUATION
            wire += client_frame(opcode, fragment, fin=index == len(fragments) - 1)
            if index == 0:
                wire += client_frame(OP_PING, b"p")  # control frames may come in between
    out = []
    for i in range(0, len(wire), chunk):
        out += ws.feed(wire[i : i + chunk])
    assert [m.body for m in out if isinstance(m, SipRequest)] == expected
    assert ws.data_to_send() == encode_frame(OP_PONG, b"p") * len(bodies)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 300), min_size=1, max_size=6), st.integers(1, 150))
def test_stream_framer_any_chunking_gives_the_same_messages(sizes, chunk):
    stream = b""
    for n, size in enumerate(sizes):
        body = bytes([97 + n]) * size
        stream += OPTIONS.replace(b"l: 5", b"l: %d" % size).replace(b"ciao!", body)
        if n % 2:
            stream += b"\r\n\r\n"
    framer = StreamFramer()
    out = []
    for i in range(0, len(stream), chunk):
        out += framer.feed(stream[i : i + chunk])
    bodies = [m.body for m in out if isinstance(m, SipRequest)]
    assert bodies == [bytes([97 + n]) * size for n, size in enumerate(sizes)]
    assert sum(isinstance(m, KeepAlivePing) for m in out) == len(sizes) // 2
    assert framer.buffered == 0
