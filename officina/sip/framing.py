"""Cutting a byte stream (TCP, TLS) into SIP messages (RFC 3261 §7.5, §18.3; RFC 5626 §3.5.1).

    stream   = *( keep-alive / message )
    keep-alive = CRLF CRLF (ping, answer with CRLF) / CRLF (pong)
    message  = head CRLF CRLF body, len(body) = Content-Length (mandatory on streams)

`StreamFramer.feed(data)` returns what completed: parsed messages,
`KeepAlivePing` (send b"\\r\\n" back) and `BadMessage` (a frame whose bytes
were delimited but did not parse; the stream goes on). A stream that cannot
be cut any more (no Content-Length, garbage, over the size limits) raises
`SipParseError`: close the connection.
"""

from __future__ import annotations

from dataclasses import dataclass

from officina.sip._grammar import parse_digits
from officina.sip.errors import SipParseError
from officina.sip.message import SipRequest, SipResponse, header_key, parse_message

MAX_HEAD_SIZE = 16384
MAX_BODY_SIZE = 65535


@dataclass(frozen=True, slots=True)
class KeepAlivePing:
    """A CRLF CRLF ping: answer with a single CRLF (RFC 5626 §3.5.1)."""


@dataclass(slots=True)
class BadMessage:
    """A delimited frame that is not a valid SIP message."""

    data: bytes
    error: SipParseError


PING = KeepAlivePing()
Framed = SipRequest | SipResponse | KeepAlivePing | BadMessage


def content_length_of(head: bytes) -> int:
    """The Content-Length of a message head (bytes before CRLF CRLF); raises when missing."""
    found: int | None = None
    # Header names are ASCII; latin-1 keeps any other byte without failing.
    lines: list[str] = []
    for line in head.decode("latin-1").split("\r\n")[1:]:
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += " " + line  # a folded value goes on (RFC 3261 §7.3.1)
        else:
            lines.append(line)
    for line in lines:
        colon = line.find(":")
        if colon <= 0 or line[0] in " \t":
            continue
        try:
            key = header_key(line[:colon])
        except SipParseError:
            continue  # the parser will reject the message; framing only needs the length
        if key != "content-length":
            continue
        value = parse_digits(line[colon + 1 :].strip(" \t"), "Content-Length", 2**31)
        if found is not None and found != value:
            raise SipParseError("conflicting Content-Length headers")
        found = value
    if found is None:
        raise SipParseError("Content-Length is required on stream transports")
    return found


class StreamFramer:
    """Accumulates stream bytes and yields complete messages."""

    def __init__(self, max_head: int = MAX_HEAD_SIZE, max_body: int = MAX_BODY_SIZE) -> None:
        self.max_head = max_head
        self.max_body = max_body
        self._buffer = bytearray()
        self._scanned = 0  # bytes of the buffer already searched for CRLF CRLF

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Framed]:
        buffer = self._buffer
        buffer += data
        out: list[Framed] = []
        while buffer:
            # Keep-alives and stray CRLFs between messages (§7.5: ignore CRLF before a start line).
            if buffer[0] == 13 or buffer[0] == 10:
                if buffer.startswith(b"\r\n\r\n"):
                    del buffer[:4]
                    out.append(PING)
                    continue
                if buffer.startswith(b"\r\n"):
                    if len(buffer) < 4 and b"\r\n\r\n".startswith(bytes(buffer)):
                        break  # maybe the start of a ping: wait for more
                    del buffer[:2]
                    continue
                if len(buffer) == 1 and buffer[0] == 13:
                    break
                raise SipParseError("stray line feed in stream")
            end = buffer.find(b"\r\n\r\n", max(self._scanned - 3, 0))
            if end < 0:
                if len(buffer) > self.max_head:
                    raise SipParseError("message head too large", 513)
                self._scanned = len(buffer)
                break
            if end > self.max_head:
                raise SipParseError("message head too large", 513)
            head = bytes(buffer[:end])
            length = content_length_of(head)
            if length > self.max_body:
                raise SipParseError("message body too large", 513)
            total = end + 4 + length
            if len(buffer) < total:
                self._scanned = end
                break
            frame = bytes(buffer[:total])
            del buffer[:total]
            self._scanned = 0
            try:
                out.append(parse_message(frame, max_size=self.max_head + self.max_body + 4))
            except SipParseError as error:
                out.append(BadMessage(frame, error))
        return out
