"""Content-Length framing of SIP over TCP (RFC 3261 §18.3), standing in for the SIP core's.

Kept minimal on purpose: it only cuts a stream into messages, answers nothing
and parses no header but Content-Length. Double-CRLF keep-alive pings between
messages are counted (RFC 5626 §3.5.1) and single CRLFs skipped.
"""

from __future__ import annotations

import re

from officina.pbx.transports.base import MAX_MESSAGE_BYTES

_CONTENT_LENGTH = re.compile(rb"\r\n(?:content-length|l)[ \t]*:[ \t]*([0-9]+)", re.IGNORECASE)


class FramingError(Exception):
    """The stream cannot be cut into SIP messages (the connection must close)."""


class ContentLengthFramer:
    def __init__(self, max_message: int = MAX_MESSAGE_BYTES) -> None:
        self.max_message = max_message
        self._buffer = bytearray()
        self.pings = 0

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes]:
        buffer = self._buffer
        buffer += data
        messages: list[bytes] = []
        while buffer:
            # Keep-alives: CRLFCRLF is a ping, a lone CRLF is noise between messages.
            if buffer[0] in (13, 10):
                if buffer.startswith(b"\r\n\r\n"):
                    self.pings += 1
                    del buffer[:4]
                    continue
                if buffer.startswith(b"\r\n"):
                    if len(buffer) < 4 and b"\r\n\r\n".startswith(bytes(buffer)):
                        break  # maybe the start of a ping
                    del buffer[:2]
                    continue
                if len(buffer) == 1 and buffer == b"\r":
                    break
                del buffer[:1]
                continue
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > self.max_message:
                    raise FramingError("message head too large")
                break
            head = bytes(buffer[:end])
            match = _CONTENT_LENGTH.search(head)
            if match is None:
                raise FramingError("no Content-Length on a stream")
            length = int(match.group(1)) if len(match.group(1)) <= 9 else self.max_message + 1
            total = end + 4 + length
            if total > self.max_message:
                raise FramingError("message too large")
            if len(buffer) < total:
                break
            messages.append(bytes(buffer[:total]))
            del buffer[:total]
        return messages
