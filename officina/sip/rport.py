"""Where requests came from and where responses go (RFC 3261 §18.2.1, §18.2.2; RFC 3581).

A server stamps the topmost Via of each request it receives:

* `received` = the source IP when it differs from the sent-by host (§18.2.1),
  and always when the client asked for `rport` (RFC 3581 §4);
* `rport` = the source port when the client put an empty `rport` parameter.

Responses then go (§18.2.2 with RFC 3581 §4):

* over a reliable transport: back on the connection the request came in on;
* to `maddr` when the Via has one (port from sent-by, default 5060);
* with `rport` stamped: to the source IP and port of the request;
* otherwise: to `received` (or the sent-by host) at the sent-by port, default 5060.
"""

from __future__ import annotations

from typing import NamedTuple

from officina.sip.headers import Via
from officina.sip.message import SipRequest

RELIABLE_TRANSPORTS = frozenset({"TCP", "TLS", "WS", "WSS", "SCTP", "TLS-SCTP"})


class Peer(NamedTuple):
    """A transport address: transport name (UDP, TCP, TLS, WS, WSS), host, port.

    Over connection-oriented transports the PBX maps a Peer back to its connection.
    """

    transport: str
    host: str
    port: int

    @property
    def reliable(self) -> bool:
        return self.transport in RELIABLE_TRANSPORTS


def _bare(host: str) -> str:
    return host[1:-1] if host.startswith("[") else host


def stamped_via(via: Via, source: Peer) -> Via | None:
    """The Via with received/rport filled in for `source`, or None when nothing changes."""
    changes: dict[str, str | None] = {}
    if via.wants_rport:
        changes["received"] = _bare(source.host)
        changes["rport"] = str(source.port)
    elif _bare(via.host).lower() != _bare(source.host).lower():
        changes["received"] = _bare(source.host)
    if not changes:
        return None
    return via.with_params(**changes)


def stamp_via(request: SipRequest, source: Peer) -> bool:
    """Fill received/rport on the request's topmost Via; True when the message changed."""
    via = stamped_via(request.top_via, source)
    if via is None:
        return False
    request.replace_top_via(via)
    return True


def response_peer(via: Via, source: Peer) -> Peer:
    """Where to send responses to a request whose topmost Via is `via` and that came from `source`.

    `via` may be the Via before or after stamping; both give the same answer.
    """
    if source.reliable:
        return source
    port = via.port if via.port is not None else 5060
    maddr = via.params.get("maddr")
    if maddr:
        return Peer(source.transport, _bare(maddr), port)
    # Most requests are answered where they came from: the source itself then, which the
    # server transaction keeps for 32 s, rather than an equal Peer made for it.
    if via.wants_rport:
        rport = via.rport
        if rport is None or rport == source.port:
            return source
        return Peer(source.transport, source.host, rport)
    host = via.received or source.host
    if host == source.host and port == source.port:
        return source
    return Peer(source.transport, host, port)
