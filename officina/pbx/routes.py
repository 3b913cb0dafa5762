"""This server's own entries in Route and Record-Route headers (RFC 3261 §16.4, §16.6).

The proxy records two routes per call (RFC 5658), each carrying a flow
token that says how to reach one side; requests inside the dialog come back
with them as their Route set, and this server pops the ones that name it
before it forwards the request along the rest.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from officina.sip import SipRequest, SipUri

_DEFAULT_PORTS = {"sip": 5060, "sips": 5061}

if TYPE_CHECKING:
    from officina.pbx.proxy import FlowTokens
    from officina.pbx.transaction_layer import Sender


class OwnRoutes:
    def __init__(self, sender: Sender, tokens: FlowTokens) -> None:
        self.sender = sender
        self.tokens = tokens
        # The names this server answers to, besides its flow tokens.
        self.local_hosts: set[str] = set()

    def record_route(self, transport: str, token: str) -> str:
        """The Record-Route value of this server's interface for ``transport``."""
        host, port = self.sender.local_via(transport)
        if transport == "UDP":
            return f"<sip:{token}@{host}:{port};lr>"
        return f"<sip:{token}@{host}:{port};transport={transport.lower()};lr>"

    def pop(self, request: SipRequest) -> str | None:
        """Remove the Route entries that name this server; return the flow token of the
        last one (it faces where the request goes)."""
        # Fast path: phones send our Record-Route values back verbatim, so the token can
        # be read from the text without parsing addresses and URIs.
        values = request.split_header("Route")
        token: str | None = None
        for value in values:
            user = _route_user(value)
            if user is None or self.tokens.read(user) is None:
                break
            token = user
        else:
            request.remove_header("Route")
            return token
        token = None
        routes = request.routes
        ours = 0
        for route in routes:
            uri = route.uri
            if not isinstance(uri, SipUri):
                break
            if uri.user and self.tokens.read(uri.user) is not None:
                token = uri.user
            elif not self.names_us(uri):
                break
            ours += 1
        if ours == len(routes):
            request.remove_header("Route")
        else:
            for _ in range(ours):
                request.pop_route()
        return token

    def names_us(self, uri: SipUri) -> bool:
        """Does ``uri`` name this server, by host (or maddr) **and** port? Another port on
        our address is another element, and forwarding to it could be forwarding to
        ourselves."""
        host = (uri.maddr or uri.host).strip("[]").lower()
        if host not in self.local_hosts:
            return False
        if uri.port is None and not _is_address(host):
            return True  # one of our names without a port: DNS (SRV) says which, ours
        _host, port = self.sender.local_via((uri.transport or "udp").upper())
        return (uri.port or _DEFAULT_PORTS.get(uri.scheme, 5060)) == port

    def addressed_to_us(self, request: SipRequest) -> bool:
        """Is the Request-URI this server itself (no user, or one of its names)?"""
        uri = request.uri
        return isinstance(uri, SipUri) and (uri.user is None or uri.host in self.local_hosts)


def _route_user(value: str) -> str | None:
    """The user part of a Route value written as ``<sip:user@...>``, else None."""
    if not value.startswith("<sip:"):
        return None
    at = value.find("@", 5)
    return value[5:at] if at > 5 else None


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
