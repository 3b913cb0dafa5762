"""Answers to requests that cannot be read: the parser refused them, or a header the
transaction layer or the registrar needed (Via, CSeq, Contact...) is malformed.

RFC 3261 §8.2.6 lets such a request be answered statelessly when enough of it
is readable to build a response; the reason phrase says what was wrong.
"""

from __future__ import annotations

import re

from officina.sip import REASON_PHRASES, SipParseError, SipRequest, SipResponse, make_response


def error_response(request: SipRequest, error: SipParseError) -> SipResponse:
    """The response to ``request``, which parsed but has a malformed header."""
    return make_response(request, error.status, error_reason(error.status, str(error)))


def error_reason(status: int, detail: str) -> str:
    phrase = REASON_PHRASES.get(status, "Bad Request")
    clean = "".join(c for c in detail if c.isprintable())[:80]
    return f"{phrase} ({clean})" if clean else phrase


_ECHOED = ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq")
_CSEQ = re.compile(r"[0-9]{1,10}[ \t]+[A-Za-z]+")


def salvage_error_response(data: bytes, status: int, detail: str) -> bytes | None:
    """A stateless error response to a request the parser refused, built from the header
    lines a response must echo (RFC 3261 §8.2.6), when they can be found at all."""
    head, _, _ = data[:8192].partition(b"\r\n\r\n")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.split("\r\n")
    if not lines or not lines[0].endswith(" SIP/2.0") or lines[0].startswith("SIP/"):
        return None
    if lines[0].startswith("ACK "):
        return None  # never answer an ACK
    echoed: list[str] = []
    seen: set[str] = set()
    for line in lines[1:]:
        name, colon, _value = line.partition(":")
        key = name.strip().lower()
        if not colon or key not in _ECHOED or any(c in line for c in "\r\n\x00"):
            continue
        if key == "cseq" and _CSEQ.fullmatch(_value.strip()) is None:
            return None  # a response the client could not match is no use
        if key in ("via", "v"):
            seen.add("via")
        elif len(key) == 1:
            seen.add({"f": "from", "t": "to", "i": "call-id"}[key])
        else:
            seen.add(key)
        echoed.append(line)
    if not {"via", "from", "to", "call-id", "cseq"} <= seen or len(echoed) > 64:
        return None
    response = SipResponse(status, error_reason(status, detail))
    start = response.start_line()
    return ("\r\n".join([start, *echoed, "Content-Length: 0"]) + "\r\n\r\n").encode()
