"""Transfers between phones as the proxy sees them: REFER (RFC 3515), REFER with
Replaces (RFC 3891), the transfer flows of RFC 5589.

The PBX is no party to a transfer between phones. The transferor's REFER travels
inside its dialog, relayed like any in-dialog request, to the transferee, whose
phone then places a new call: an ordinary INVITE, authenticated, checked, routed
(ring groups, business hours, voicemail, the trunk's toll-fraud guard) and
recorded like any other. What this module adds is memory, so that the call
records tell what happened, and one check:

* a REFER relayed in an answered call and accepted (a 2xx from the transferee, a
  phone or the desk of a bridged call) marks that call's record ``transferred_to``
  the number in its Refer-To, and remembers, for a short while, that the other
  party (the transferee) was referred there by the sender (the transferor). A
  refused REFER (405, 491, 501...) transferred nothing: the call goes on as it was;
* the transferee's new call to that number is marked ``transferred_by`` the
  transferor and, for an attended transfer, ``replaced_call_id`` the consultation
  call it takes over;
* an INVITE with Replaces naming a call the proxy carries is let through only
  from a party of that call or from someone one of its parties referred there:
  otherwise anyone who learnt a Call-ID and tags could take over a colleague's
  call (RFC 3891 §7 leaves that check to the callee's phone, which many skip).

And one courtesy: a browser phone names its transfer target by the community's SIP
domain (``sip:203@officina.example``), the only name it knows; a plain phone that
has no outbound proxy dials that host as it stands, and the domain need not resolve
to the PBX. A Refer-To naming us by a name without a port is readdressed, on its way
to a phone over UDP, TCP or TLS, to our address on that phone's transport (what the
PBX's own REFERs say, ``officina/pbx/media/desk.py``).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from officina.sip import NameAddress, SipParseError, SipRequest, SipUri
from officina.sip.replaces import parse_replaces

if TYPE_CHECKING:
    from officina.pbx.actions import CallRow
    from officina.pbx.directory import Directory
    from officina.pbx.routes import OwnRoutes
    from officina.sip.rport import Peer

# The transports of browser phones: they reach the PBX by the site's name already.
_WEB_TRANSPORTS = frozenset({"WS", "WSS"})

# How long a referred phone has to place its new call. Phones dial at once (the REFER's
# 202 and the new INVITE are a round trip apart); 64 s is SIP's transaction timeout
# (64 x T1), past which the transferor has given up on the REFER anyway.
REFERRAL_SECONDS = 64.0
# Referrals waiting for their new call; beyond this the oldest are forgotten (a flood of
# REFERs inside one's own calls costs memory, not correctness of anyone else's records).
MAX_REFERRALS = 10_000


@dataclass(frozen=True, slots=True)
class Referral:
    transferor: str  # the number that sent the REFER
    replaces: str  # the Call-ID the new call is to take over ("" for a blind transfer)
    until: float  # wall-clock time
    # The Call-ID the call taken over is recorded by, where not ``replaces``: the desk's
    # dialog with a consulted browser, when the consultation is a branch of the proxy's
    # fork (recorded by the caller's Call-ID).
    recorded: str = ""


class Transfers:
    def __init__(self, directory: Directory, routes: OwnRoutes | None = None) -> None:
        self.directory = directory
        # This server's names and addresses (None: Refer-To headers pass as they came).
        self.routes = routes
        # (the transferee's extension id, the number it is referred to) -> referral
        self.referrals: OrderedDict[tuple[int, str], Referral] = OrderedDict()
        # A consultation's Call-ID as its transferor knows it -> (the Call-ID the
        # transferee is to replace instead, until): the desk's, for a bridged one.
        self.renamed: OrderedDict[str, tuple[str, str, float]] = OrderedDict()

    def referred(self, request: SipRequest, row: CallRow | None, wall: float) -> None:
        """A REFER relayed inside the answered call of ``row`` was accepted (None: a
        dialog the proxy does not track, which leaves nothing to record)."""
        if row is None:
            return
        try:
            target = NameAddress.parse(request.header("Refer-To") or "").uri
            sender = request.from_.uri
        except SipParseError:
            return  # the transferee's phone answers it (400); nothing to record
        if not isinstance(target, SipUri) or not target.user or not isinstance(sender, SipUri):
            return
        replaces = target.headers.get("Replaces") or target.headers.get("replaces") or ""
        try:
            replaced = parse_replaces(replaces).call_id if replaces else ""
        except SipParseError:
            return
        renamed = self.renamed.pop(replaced, None) if replaced else None
        recorded = ""
        if renamed is not None and renamed[2] >= wall:
            replaced, recorded = renamed[0], renamed[1]
        if sender.user == row.caller_number:
            transferor, transferee_id = row.caller_number, row.callee_id
        else:
            callee = self.directory.by_id.get(row.callee_id) if row.callee_id else None
            transferor = callee.number if callee is not None else row.callee_number
            transferee_id = row.caller_id
        row.transferred_to = target.user[:64]
        if transferee_id is None:
            return  # a caller from outside (a trunk) places no call through our gatekeeper
        self._forget_expired(wall)
        key = (transferee_id, target.user)
        self.referrals.pop(key, None)
        if len(self.referrals) >= MAX_REFERRALS:
            self.referrals.popitem(last=False)
        self.referrals[key] = Referral(transferor, replaced, wall + REFERRAL_SECONDS, recorded)

    def replaces_instead(
        self,
        transferee_id: int,
        number: str,
        replaced: str,
        call_id: str,
        wall: float,
        recorded: str = "",
    ) -> None:
        """The referral of ``transferee_id`` to ``number`` that is to take over the call
        ``replaced`` takes over ``call_id`` instead: the desk, which bridges the
        transferor's consultation, names its own dialog with the target in the REFER it
        sends the transferee (``bridged_calls.py``). ``recorded``: the Call-ID the
        consultation's record has, where not ``call_id``. The referral noted already is
        re-pointed; one noted later (the REFER is accepted after this) is, when noted."""
        key = (transferee_id, number)
        referral = self.referrals.get(key)
        if referral is not None and referral.replaces == replaced:
            self.referrals[key] = replace(referral, replaces=call_id, recorded=recorded)
            return
        self.renamed.pop(replaced, None)
        if len(self.renamed) >= MAX_REFERRALS:
            self.renamed.popitem(last=False)
        self.renamed[replaced] = (call_id, recorded, wall + REFERRAL_SECONDS)

    def placed_again(self, row: CallRow, wall: float) -> None:
        """The call of ``row``, a transfer's new call, is handed to the desk, which places
        it again as the caller's own (``bridged_calls.py``): the referral ``new_call``
        took waits for that call, the one recorded, whose Replaces it lets through."""
        if row.caller_id is None or not row.transferred_by:
            return
        self.referrals[(row.caller_id, row.callee_number)] = Referral(
            row.transferred_by, row.replaced_call_id or "", wall + REFERRAL_SECONDS
        )

    def readdress(self, request: SipRequest, peer: Peer) -> None:
        """Point the Refer-To of a REFER going to ``peer`` at our own address on the
        peer's transport when it names us by a name without a port."""
        if self.routes is None or peer.transport in _WEB_TRANSPORTS:
            return
        try:
            target = NameAddress.parse(request.header("Refer-To") or "").uri
        except SipParseError:
            return
        if not isinstance(target, SipUri) or not target.user or target.port is not None:
            return
        if target.maddr or not self.routes.names_us(target):
            return
        host, port = self.routes.sender.local_via(peer.transport)
        params: dict[str, str | None] = (
            {} if peer.transport == "UDP" else {"transport": peer.transport.lower()}
        )
        ours = SipUri(
            host, target.user, port=port, scheme=target.scheme, params=params,
            headers=dict(target.headers),
        )  # fmt: skip
        # An addr-spec without brackets when it can be one: baresip 1.0 dials the value
        # as it stands. With headers (an attended transfer's Replaces) or parameters the
        # brackets are required (RFC 3261 §20).
        request.set_header("Refer-To", f"<{ours}>" if target.headers or params else str(ours))

    def new_call(
        self,
        request: SipRequest,
        caller_id: int,
        caller_number: str,
        row: CallRow,
        carried: dict[str, tuple[CallRow, float]],
        wall: float,
    ) -> bool:
        """Mark a new call placed because of a transfer; False when it must be refused
        (a Replaces for a call it has no part in). ``carried`` are the proxy's answered
        calls by Call-ID. A Replaces that cannot be read raises ``SipParseError`` (400)."""
        referral = self.referrals.pop((caller_id, row.callee_number), None)
        if referral is not None and referral.until < wall:
            referral = None
        if referral is not None:
            row.transferred_by = referral.transferor[:64]
        value = request.header("Replaces")
        if value is None:
            return True
        replaces = parse_replaces(value)
        tracked = carried.get(replaces.call_id)
        if tracked is not None:
            replaced = tracked[0]
            party = caller_number in (replaced.caller_number, replaced.callee_number) or (
                caller_id in (replaced.caller_id, replaced.callee_id)
            )
            if not party and (referral is None or referral.replaces != replaces.call_id):
                return False
        recorded = ""
        if referral is not None and referral.replaces == replaces.call_id:
            recorded = referral.recorded
        row.replaced_call_id = (recorded or replaces.call_id)[:255]
        return True

    def _forget_expired(self, wall: float) -> None:
        while self.referrals:
            key, oldest = next(iter(self.referrals.items()))
            if oldest.until >= wall:
                return
            del self.referrals[key]


__all__ = ["REFERRAL_SECONDS", "Referral", "Transfers"]
