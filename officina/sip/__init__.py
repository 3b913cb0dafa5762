"""Officina's sans-IO SIP core: bytes and `now` in, events and bytes out.

No sockets, no asyncio, no Django, no clock: the caller owns the I/O and
passes the time in. See docs/sip-core.md.
"""

from officina.sip.dialogs import Dialog, DialogId, DialogStore, new_tag
from officina.sip.digest import (
    DigestClient,
    DigestOutcome,
    DigestResult,
    DigestServer,
    NonceCounter,
    compute_ha1,
)
from officina.sip.errors import LocalProtocolError, RemoteProtocolError, SipError, SipParseError
from officina.sip.headers import AuthHeader, CSeq, NameAddress, Via
from officina.sip.identifiers import (
    PROXY_BRANCH_PREFIX,
    STATELESS_BRANCH_PREFIX,
    NumberedNames,
    is_proxy_branch,
    numbered_tags,
    proxy_branches,
)
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
from officina.sip.rport import Peer, response_peer, stamp_via
from officina.sip.transactions import (
    AckReceived,
    CancelReceived,
    ClientTransaction,
    RequestReceived,
    ResponseReceived,
    Send,
    ServerTransaction,
    StrayResponse,
    TimerConfig,
    TransactionLayer,
    TransactionTerminated,
    TransactionTimeout,
    TransportError,
    make_cancel,
    new_branch,
)
from officina.sip.uri import AbsoluteUri, SipUri, TelUri, Uri, parse_sip_uri, parse_uri

__all__ = [
    "PROXY_BRANCH_PREFIX",
    "REASON_PHRASES",
    "STATELESS_BRANCH_PREFIX",
    "AbsoluteUri",
    "AckReceived",
    "AuthHeader",
    "CSeq",
    "CancelReceived",
    "ClientTransaction",
    "Dialog",
    "DialogId",
    "DialogStore",
    "DigestClient",
    "DigestOutcome",
    "DigestResult",
    "DigestServer",
    "LocalProtocolError",
    "NameAddress",
    "NonceCounter",
    "NumberedNames",
    "Peer",
    "RemoteProtocolError",
    "RequestReceived",
    "ResponseReceived",
    "Send",
    "ServerTransaction",
    "SipError",
    "SipMessage",
    "SipParseError",
    "SipRequest",
    "SipResponse",
    "SipUri",
    "StrayResponse",
    "TelUri",
    "TimerConfig",
    "TransactionLayer",
    "TransactionTerminated",
    "TransactionTimeout",
    "TransportError",
    "Uri",
    "Via",
    "compute_ha1",
    "header_key",
    "is_keepalive",
    "is_proxy_branch",
    "make_cancel",
    "make_response",
    "new_branch",
    "new_tag",
    "numbered_tags",
    "parse_message",
    "parse_sip_uri",
    "parse_uri",
    "proxy_branches",
    "response_peer",
    "stamp_via",
]
