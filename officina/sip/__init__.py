"""Officina's sans-IO SIP core: bytes and `now` in, events and bytes out.

No sockets, no asyncio, no Django, no clock: the caller owns the I/O and
passes the time in. See docs/sip-core.md.
"""

from officina.sip.errors import LocalProtocolError, RemoteProtocolError, SipError, SipParseError
from officina.sip.headers import AuthHeader, CSeq, NameAddress, Via
from officina.sip.message import (
    REASON_PHRASES,
    SipMessage,
    SipRequest,
    SipResponse,
    header_key,
    is_keepalive,
    make_response,
    parse_message,
)
from officina.sip.uri import AbsoluteUri, SipUri, TelUri, Uri, parse_sip_uri, parse_uri

__all__ = [
    "REASON_PHRASES",
    "AbsoluteUri",
    "AuthHeader",
    "CSeq",
    "LocalProtocolError",
    "NameAddress",
    "RemoteProtocolError",
    "SipError",
    "SipMessage",
    "SipParseError",
    "SipRequest",
    "SipResponse",
    "SipUri",
    "TelUri",
    "Uri",
    "Via",
    "header_key",
    "is_keepalive",
    "make_response",
    "parse_message",
    "parse_sip_uri",
    "parse_uri",
]
