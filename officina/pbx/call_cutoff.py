"""Ending an answered call from the proxy: a BYE to each side.

A call out through a trunk may last only the minutes its caller has left today
(the toll-fraud guard's daily limit). When they are used the proxy, which is no
party to the dialog, hangs up for both parties: it builds the BYE each of them
would have received from the other (RFC 3261 §15.1.1), from the INVITE as it went
to the callee and the callee's 2xx:

* to the callee: Request-URI the callee's Contact, From and To as in the INVITE and
  the 2xx (the tags are the dialog), CSeq one above the INVITE's as the callee saw it;
* to the caller: Request-URI the caller's Contact, From and To swapped, and a CSeq
  above any the callee can have sent in this dialog (the caller only checks that the
  callee's numbers rise).

Each goes on its own client transaction to the flow that side is reached by; the
answers need no handling.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from officina.sip import SipParseError, SipRequest

if TYPE_CHECKING:
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.sip import SipResponse
    from officina.sip.rport import Peer

logger = logging.getLogger("officina.pbx.call_cutoff")

# The caller gets a CSeq above anything the callee may have used: CSeq is below 2**31.
_CALLEE_SIDE_CSEQ = 2**31 - 1
_REASON = ("Reason", 'SIP;cause=200;text="Minutes for calls out used up today"')


def hang_up_both(
    layer: PbxTransactions,
    invite: SipRequest,
    answer: SipResponse,
    caller: Peer,
    callee: Peer,
) -> None:
    """Send BYE to both sides of the dialog ``invite`` (as sent to the callee) and its
    2xx ``answer`` made; ``caller`` and ``callee`` are the flows that reach them."""
    callee_contact = _contact_uri(answer.header("Contact"))
    caller_contact = _contact_uri(invite.header("Contact"))
    from_, to = invite.header("From") or "", answer.header("To") or ""
    call_id = invite.call_id
    byes = []
    if callee_contact:
        byes.append((callee, callee_contact, from_, to, invite.cseq.number + 1))
    if caller_contact:
        byes.append((caller, caller_contact, to, from_, _CALLEE_SIDE_CSEQ))
    for peer, target, sender, receiver, cseq in byes:
        try:
            bye = SipRequest(
                "BYE",
                target,
                [
                    ("Max-Forwards", "70"),
                    ("From", sender),
                    ("To", receiver),
                    ("Call-ID", call_id),
                    ("CSeq", f"{cseq} BYE"),
                    _REASON,
                    ("Content-Length", "0"),
                ],
            )
            layer.forward(bye, peer, on_response=lambda *_: None, on_timeout=lambda *_: None)
        except SipParseError:
            logger.warning("BYE to %s for %s not sent", target, call_id)


def _contact_uri(value: str | None) -> str:
    """The URI of a Contact header value (``<sip:...>;params`` or a bare URI)."""
    if not value:
        return ""
    value = value.strip()
    if "<" in value:
        start = value.index("<") + 1
        end = value.find(">", start)
        return value[start:end] if end > start else ""
    return value.split(";", 1)[0].strip()
