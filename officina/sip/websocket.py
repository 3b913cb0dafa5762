"""WebSocket server side (RFC 6455) carrying SIP (RFC 7118), without I/O.

Handshake (RFC 6455 §4.2): an HTTP/1.1 GET with `Upgrade: websocket`,
`Connection: Upgrade`, `Sec-WebSocket-Version: 13`, a 16-byte base64
`Sec-WebSocket-Key`, and (RFC 7118 §4) `Sec-WebSocket-Protocol` offering
`sip`. The answer is `101 Switching Protocols` with
`Sec-WebSocket-Accept = base64(SHA-1(key + GUID))` and `Sec-WebSocket-Protocol: sip`.

Frames (RFC 6455 §5.2):

     0                   1                   2                   3
    |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
    |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
    |N|V|V|V|       |S|             |   (if payload len==126/127)   |
    | Masking-key (if MASK), 4 bytes | Payload Data ...              |

Client frames must be masked, server frames are not; control frames
(close 0x8, ping 0x9, pong 0xA) are at most 125 bytes and never fragmented;
data frames (text 0x1, binary 0x2) may be split with continuation (0x0)
frames; text must be UTF-8. No extension is negotiated, so RSV bits are 0.

Each WebSocket message carries exactly one SIP message (RFC 7118 §5.1).
`SipWebSocket.feed(data)` returns parsed SIP messages, `KeepAlivePing` for a
CRLF CRLF message, `BadMessage` for a message that does not parse, and
`WebSocketClosed`; `data_to_send()` returns the bytes to write (handshake
answer, pongs, close frames). A protocol violation raises
`WebSocketError` after queueing the close frame: send it, then close.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass, field

from officina.sip.errors import RemoteProtocolError, SipParseError
from officina.sip.framing import PING, BadMessage, KeepAlivePing
from officina.sip.message import SipRequest, SipResponse, is_keepalive, parse_message

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HANDSHAKE = 8192
MAX_MESSAGE = 65535

OP_CONTINUATION = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_INVALID_DATA = 1007
CLOSE_TOO_BIG = 1009


class WebSocketError(RemoteProtocolError):
    """The peer broke RFC 6455. `close_code` is the close code sent back
    (`status` is the HTTP status when the handshake failed)."""

    def __init__(self, message: str, close_code: int = CLOSE_PROTOCOL_ERROR, status: int = 400):
        super().__init__(message, status)
        self.close_code = close_code


@dataclass(slots=True)
class HandshakeRequest:
    path: str
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    key: str
    protocols: list[str]

    @property
    def origin(self) -> str | None:
        return self.headers.get("origin")

    @property
    def host(self) -> str | None:
        return self.headers.get("host")


@dataclass(slots=True)
class WebSocketClosed:
    code: int
    reason: str = ""


@dataclass(slots=True)
class WebSocketMessage:
    """A complete data message (used by `WebSocketCodec`)."""

    payload: bytes
    text: bool


@dataclass(slots=True)
class _Partial:
    opcode: int
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0


def accept_key(key: str) -> str:
    return base64.b64encode(
        hashlib.sha1((key + GUID).encode(), usedforsecurity=False).digest()
    ).decode()


def parse_handshake(data: bytes) -> HandshakeRequest:
    """Parse and check an opening handshake (the bytes up to and including CRLF CRLF)."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise WebSocketError("handshake is not ASCII") from None
    lines = text.split("\r\n")
    request_line = lines[0].split(" ")
    if len(request_line) != 3 or request_line[0] != "GET" or request_line[2] != "HTTP/1.1":
        raise WebSocketError("not an HTTP/1.1 GET", status=400)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise WebSocketError("malformed handshake header", status=400)
        name = name.lower()
        value = value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    if headers.get("upgrade", "").lower() != "websocket":
        raise WebSocketError("missing Upgrade: websocket", status=400)
    connection = {token.strip().lower() for token in headers.get("connection", "").split(",")}
    if "upgrade" not in connection:
        raise WebSocketError("missing Connection: Upgrade", status=400)
    if headers.get("sec-websocket-version") != "13":
        raise WebSocketError("unsupported WebSocket version", status=426)
    key = headers.get("sec-websocket-key", "")
    try:
        if len(base64.b64decode(key, validate=True)) != 16:
            raise ValueError(key)
    except ValueError:
        raise WebSocketError("invalid Sec-WebSocket-Key", status=400) from None
    protocols = [
        p.strip() for p in headers.get("sec-websocket-protocol", "").split(",") if p.strip()
    ]
    return HandshakeRequest(request_line[1], headers, key, protocols)


def handshake_response(request: HandshakeRequest, protocol: str | None = "sip") -> bytes:
    lines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Accept: {accept_key(request.key)}",
    ]
    if protocol:
        lines.append(f"Sec-WebSocket-Protocol: {protocol}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def handshake_rejection(status: int, reason: str) -> bytes:
    extra = "Sec-WebSocket-Version: 13\r\n" if status == 426 else ""
    body = reason.encode()
    return (
        f"HTTP/1.1 {status} {reason}\r\n{extra}Content-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def encode_frame(
    opcode: int, payload: bytes, *, fin: bool = True, mask: bytes | None = None
) -> bytes:
    """One frame. Servers send unmasked frames; pass `mask` (4 bytes) to act as a client."""
    first = (0x80 if fin else 0) | opcode
    length = len(payload)
    mask_bit = 0x80 if mask is not None else 0
    if length < 126:
        header = struct.pack("!BB", first, mask_bit | length)
    elif length < 65536:
        header = struct.pack("!BBH", first, mask_bit | 126, length)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, length)
    if mask is None:
        return header + payload
    return header + mask + _unmask(payload, mask)


def close_frame(code: int, reason: str = "") -> bytes:
    return encode_frame(OP_CLOSE, struct.pack("!H", code) + reason.encode()[:123])


def _unmask(payload: bytes, mask: bytes) -> bytes:
    length = len(payload)
    if not length:
        return payload
    # XOR as big integers: one C-level operation instead of a Python loop per byte.
    repeated = (mask * (length // 4 + 1))[:length]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        length, "big"
    )


class WebSocketCodec:
    """RFC 6455 server-side connection state: handshake, frames in, bytes out."""

    def __init__(
        self,
        *,
        max_message: int = MAX_MESSAGE,
        max_handshake: int = MAX_HANDSHAKE,
        protocol: str = "sip",
        require_protocol: bool = True,
    ) -> None:
        self.max_message = max_message
        self.max_handshake = max_handshake
        self.protocol = protocol
        self.require_protocol = require_protocol
        self.handshake: HandshakeRequest | None = None
        self.state = "handshake"  # -> "open" -> "closed"
        self._buffer = bytearray()
        self._outgoing = bytearray()
        self._partial: _Partial | None = None

    def data_to_send(self) -> bytes:
        data = bytes(self._outgoing)
        self._outgoing.clear()
        return data

    def send(self, payload: bytes | str) -> bytes:
        """Frame one message (text for str) and return the bytes to write."""
        if self.state != "open":
            raise WebSocketError("connection is not open")
        if isinstance(payload, str):
            return encode_frame(OP_TEXT, payload.encode("utf-8", "surrogateescape"))
        return encode_frame(OP_BINARY, payload)

    def close(self, code: int = CLOSE_NORMAL, reason: str = "") -> bytes:
        if self.state == "closed":
            return b""
        self.state = "closed"
        return close_frame(code, reason)

    def _fail(self, message: str, code: int) -> WebSocketError:
        if self.state == "open":
            self._outgoing += close_frame(code, message[:60])
        self.state = "closed"
        return WebSocketError(message, code)

    def feed_frames(self, data: bytes) -> list[WebSocketMessage | WebSocketClosed]:
        """Consume bytes; return complete data messages and a close notice."""
        out: list[WebSocketMessage | WebSocketClosed] = []
        if self.state == "closed":
            return out
        self._buffer += data
        if self.state == "handshake":
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > self.max_handshake:
                    raise self._fail_handshake(WebSocketError("handshake too large", status=431))
                return out
            try:
                request = parse_handshake(bytes(self._buffer[: end + 4]))
                if self.require_protocol and self.protocol not in request.protocols:
                    raise WebSocketError(f"subprotocol {self.protocol!r} not offered", status=400)
            except WebSocketError as error:
                raise self._fail_handshake(error) from None
            del self._buffer[: end + 4]
            self.handshake = request
            chosen = self.protocol if self.protocol in request.protocols else None
            self._outgoing += handshake_response(request, chosen)
            self.state = "open"
        self._read_frames(out)
        return out

    def _fail_handshake(self, error: WebSocketError) -> WebSocketError:
        self._outgoing += handshake_rejection(error.status, str(error))
        self.state = "closed"
        return error

    def _read_frames(self, out: list[WebSocketMessage | WebSocketClosed]) -> None:
        buffer = self._buffer
        while self.state == "open" and len(buffer) >= 2:
            first, second = buffer[0], buffer[1]
            fin = first & 0x80
            if first & 0x70:
                raise self._fail("reserved bits set", CLOSE_PROTOCOL_ERROR)
            opcode = first & 0x0F
            if not second & 0x80:
                raise self._fail("client frames must be masked", CLOSE_PROTOCOL_ERROR)
            length = second & 0x7F
            offset = 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length = struct.unpack_from("!H", buffer, 2)[0]
                offset = 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length = struct.unpack_from("!Q", buffer, 2)[0]
                if length >> 63:
                    raise self._fail("invalid frame length", CLOSE_PROTOCOL_ERROR)
                offset = 10
            if opcode >= 0x8:
                if not fin or length > 125:
                    raise self._fail("invalid control frame", CLOSE_PROTOCOL_ERROR)
            elif length > self.max_message:
                raise self._fail("message too big", CLOSE_TOO_BIG)
            if len(buffer) < offset + 4 + length:
                return
            mask = bytes(buffer[offset : offset + 4])
            payload = _unmask(bytes(buffer[offset + 4 : offset + 4 + length]), mask)
            del buffer[: offset + 4 + length]
            self._handle_frame(opcode, bool(fin), payload, out)

    def _handle_frame(
        self, opcode: int, fin: bool, payload: bytes, out: list[WebSocketMessage | WebSocketClosed]
    ) -> None:
        if opcode == OP_PING:
            self._outgoing += encode_frame(OP_PONG, payload)
            return
        if opcode == OP_PONG:
            return
        if opcode == OP_CLOSE:
            code = CLOSE_NORMAL
            reason = ""
            if len(payload) == 1:
                raise self._fail("invalid close payload", CLOSE_PROTOCOL_ERROR)
            if len(payload) >= 2:
                code = struct.unpack_from("!H", payload)[0]
                try:
                    reason = payload[2:].decode()
                except UnicodeDecodeError:
                    raise self._fail("close reason is not UTF-8", CLOSE_INVALID_DATA) from None
            self._outgoing += close_frame(code if 1000 <= code < 5000 else CLOSE_PROTOCOL_ERROR)
            self.state = "closed"
            out.append(WebSocketClosed(code, reason))
            return
        if opcode in (OP_TEXT, OP_BINARY):
            if self._partial is not None:
                raise self._fail("new message inside a fragmented one", CLOSE_PROTOCOL_ERROR)
            if fin:
                self._deliver(opcode, payload, out)
                return
            self._partial = _Partial(opcode, [payload], len(payload))
            return
        if opcode == OP_CONTINUATION:
            partial = self._partial
            if partial is None:
                raise self._fail("continuation without a message", CLOSE_PROTOCOL_ERROR)
            partial.size += len(payload)
            if partial.size > self.max_message:
                raise self._fail("message too big", CLOSE_TOO_BIG)
            partial.chunks.append(payload)
            if fin:
                self._partial = None
                self._deliver(partial.opcode, b"".join(partial.chunks), out)
            return
        raise self._fail(f"unknown opcode {opcode}", CLOSE_PROTOCOL_ERROR)

    def _deliver(
        self, opcode: int, payload: bytes, out: list[WebSocketMessage | WebSocketClosed]
    ) -> None:
        if opcode == OP_TEXT:
            try:
                payload.decode("utf-8")
            except UnicodeDecodeError:
                raise self._fail("text message is not UTF-8", CLOSE_INVALID_DATA) from None
        out.append(WebSocketMessage(payload, opcode == OP_TEXT))


WebSocketEvent = SipRequest | SipResponse | KeepAlivePing | BadMessage | WebSocketClosed


class SipWebSocket(WebSocketCodec):
    """A WebSocket connection whose messages are SIP messages (RFC 7118)."""

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    def feed(self, data: bytes) -> list[WebSocketEvent]:
        out: list[WebSocketEvent] = []
        for item in self.feed_frames(data):
            if isinstance(item, WebSocketClosed):
                out.append(item)
                continue
            payload = item.payload
            if is_keepalive(payload):
                out.append(PING)
                continue
            try:
                out.append(parse_message(payload, max_size=self.max_message))
            except SipParseError as error:
                out.append(BadMessage(payload, error))
        return out

    def send_message(self, message: SipRequest | SipResponse | bytes) -> bytes:
        """Frame a SIP message as one text message (binary when it is not UTF-8)."""
        data = message if isinstance(message, bytes) else message.serialize()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return encode_frame(OP_BINARY, data)
        return encode_frame(OP_TEXT, data)
