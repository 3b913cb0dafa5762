"""The relay policy: where the PBX may send a request that it does not answer itself.

Decided once per request, before anything is forwarded (docs/security.md):

* Out of a dialog (no To tag) a request is answered here, and the only thing
  ever forwarded is an INVITE from an authenticated extension, which the
  proxy forks to the callee's registered bindings. A Route naming anyone
  else is refused: this PBX is nobody's outbound proxy. (A trunk, once there
  is one, would be the place to allow it: a peer trusted by its address,
  named in this policy, and a route towards it chosen by the dial plan,
  never by the request.)
* In a dialog, a request is forwarded only along a route this PBX
  record-routed: the last Route entry of ours carries a flow token, signed
  with the server secret (``FlowTokens``), and the request goes to the flow
  it names, nowhere else. A Route to another host is refused; without a
  valid token the request is this server's, which is in no dialog (481).
* A Route names us when its host (or ``maddr``) is one of our names **and**
  its port is ours (``OwnRoutes.names_us``): another port on our address is
  someone else.
* Refusals get 403, are counted, and each one takes a token from the
  source's bucket: a source that keeps trying is no longer answered (its
  other requests, registrations and calls are untouched).

Max-Forwards leaves here at most ``MAX_FORWARDS_OUT``, whatever came in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from officina.pbx.ratelimit import FailureLimiter
from officina.sip import SipRequest, SipResponse, make_response
from officina.sip.rport import Peer

if TYPE_CHECKING:
    from officina.pbx.proxy import FlowTokens
    from officina.pbx.routes import OwnRoutes

# RFC 3261 §8.1.1.6 recommends 70 for a new request; nothing legitimate needs more hops,
# and a cap bounds what a loop through other elements can cost.
MAX_FORWARDS_OUT = 70
# Refused relay attempts answered per source before it is ignored, and their refill
# rate: a scanner learns the answer from the first few; a phone never sends one.
REFUSALS_ANSWERED = 20.0
REFUSALS_REFILL_PER_SECOND = 1.0


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """``peer``: forward along the dialog to it; ``refused``: answer 403 (or nothing
    when ``response`` is None); neither: the request is for this server."""

    peer: Peer | None = None
    refused: bool = False
    response: SipResponse | None = None


HERE = RouteDecision()


class RelayPolicy:
    def __init__(self, routes: OwnRoutes, tokens: FlowTokens) -> None:
        self.routes = routes
        self.tokens = tokens
        self.refusals = FailureLimiter(
            burst=REFUSALS_ANSWERED, per_second=REFUSALS_REFILL_PER_SECOND
        )
        self.refused = 0

    def decide(self, request: SipRequest, source: str, now: float) -> RouteDecision:
        """Where ``request`` goes: pops the Route entries naming us, then applies the policy."""
        token = self.routes.pop(request)
        in_dialog = request.to_tag is not None
        peer = self.tokens.read(token) if token is not None and in_dialog else None
        if request.has_header("Route"):
            if peer is None:
                return self._refuse(request, source, now)
            # Beyond our entry the route may continue (an edge proxy a device registered
            # through, RFC 3327): the request still goes only to the flow we signed.
            return RouteDecision(peer=peer)
        if peer is not None:
            return RouteDecision(peer=peer)
        return HERE

    def _refuse(self, request: SipRequest, source: str, now: float) -> RouteDecision:
        self.refused += 1
        if self.refusals.blocked(source, now):
            return RouteDecision(refused=True)
        self.refusals.failed(source, now)
        if request.method == "ACK":
            return RouteDecision(refused=True)
        return RouteDecision(
            refused=True, response=make_response(request, 403, "Forbidden (relaying denied)")
        )

    def forget_refilled(self, now: float) -> None:
        self.refusals.forget_refilled(now)
