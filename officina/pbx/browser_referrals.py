"""The desk refers its plain party on the browser's behalf (RFC 3515).

A call the desk bridges between a browser and a plain phone (``bridged_calls.py``, or a
click-to-call answered in the browser, ``third_party_calls.py``) has two dialogs, the
desk's with each side, so the browser's blind REFER cannot be relayed as the proxy
relays one between phones. The desk sends the plain party a REFER of its own instead,
naming the same number, from the browser (``Referred-By``), so that the plain phone
calls the target itself (a plain target: no bridge at all afterwards). The plain
party's answer to that REFER is the browser's answer to its own (202, or the refusal,
a provider's 405 or 501 included: the call goes on), and its NOTIFYs are passed back
to the browser in the browser's REFER's implicit subscription, same sipfrag, same
state; a final one ends the referral.

The other way round is the same: a plain party's REFER (a caller of the browser's, or
the target of a click-to-call) becomes the desk's REFER to the browser, whose answer and
NOTIFYs go back to the plain party; a Replaces it carries (``named_consultation``)
passes on as it came, unless it names a consultation the desk bridges, with a browser:
the desk's REFER then names that browser's own dialog with the desk instead
(``BridgedBrowserCalls.consulted_browser``), or a failure (``no_consultation``)
when no live consultation has the dialog named.

The calls keep their dialogs and how they send in them; this module is what both do
with the REFER, its answer and the NOTIFYs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from officina.sip import NameAddress, SipParseError, SipRequest, SipResponse, SipUri, make_response
from officina.sip.replaces import Replaces, parse_replaces

# The status line a REFER's NOTIFY reports (RFC 3420 sipfrag): "SIP/2.0 180 Ringing".
SIPFRAG_STATUS = re.compile(rb"SIP/2\.0 ([1-6][0-9][0-9]) ")


def warning(text: str) -> tuple[str, str]:
    """A Warning header (RFC 3261 §20.43) saying why the PBX refused a request."""
    return ("Warning", f'399 officina "{text.replace(chr(34), "")[:100]}"')


def referred_to(request: SipRequest) -> tuple[str, SipUri] | SipResponse:
    """The number the browser's REFER names and its Refer-To, or the answer refusing a
    REFER that names none we can call: 400 for a Refer-To that cannot be read, 416 for
    one that is not a SIP URI with a user."""
    try:
        target = NameAddress.parse(request.header("Refer-To") or "").uri
    except SipParseError:
        return make_response(request, 400, headers=[warning("bad Refer-To")])
    if not isinstance(target, SipUri) or not target.user:
        return make_response(request, 416)
    return target.user, target


def transfer_asked(
    request: SipRequest, respond: Callable[[SipResponse], None], *, busy: bool
) -> tuple[str, SipUri] | None:
    """The number and Refer-To of a REFER the desk carries out in a call it bridges, or
    None once ``respond`` has refused it: 491 while the call is ``busy`` (not answered
    yet, ending, or in another transfer), 400 or 416 for a Refer-To it cannot read
    (``referred_to``)."""
    if busy:
        respond(make_response(request, 491))
        return None
    referred = referred_to(request)
    if isinstance(referred, SipResponse):
        respond(referred)
        return None
    return referred


def refer_to_number(domain: str, number: str, replaces: Replaces | str | None = None) -> SipUri:
    """The Refer-To of the desk's REFER: ``number`` in our ``domain``, with the dialog the
    new call is to take the place of (RFC 3891) for an attended transfer."""
    if replaces is None:
        return SipUri(domain, number)
    value = replaces if isinstance(replaces, str) else replaces.header_value()
    return SipUri(domain, number, headers={"Replaces": value})


def named_consultation(request: SipRequest, target: SipUri) -> Replaces | SipResponse | None:
    """The consultation a plain phone's attended REFER (``target``, its Refer-To) names
    (None: a blind transfer), or the answer refusing it: 400 for a Replaces that cannot
    be read."""
    value = target.headers.get("Replaces") or target.headers.get("replaces")
    if not value:
        return None
    try:
        return parse_replaces(value)
    except SipParseError as error:
        return make_response(request, 400, headers=[warning(f"{error}")])


def no_consultation(
    refer: SipRequest,
    respond: Callable[[SipResponse], None],
    notify: Callable[[bytes, list[tuple[str, str]]], None],
    contact: str,
) -> None:
    """An attended ``refer`` whose Replaces names a Call-ID of the desk's but no dialog
    of a live consultation: accepted (202), then failed in its one NOTIFY (sent with
    ``notify``, body and headers) with the 481 the target's phone would have given (RFC
    3891 §3), which ends the subscription. ``contact``: ours in the transferor's
    dialog. The call goes on as it was."""
    respond(make_response(refer, 202, headers=[("Contact", contact)]))
    headers = [
        ("Event", f"refer;id={refer.cseq.number}"),
        ("Subscription-State", "terminated;reason=noresource"),
        ("Contact", contact),
        ("Content-Type", "message/sipfrag;version=2.0"),
    ]
    notify(b"SIP/2.0 481 Call/Transaction Does Not Exist\r\n", headers)


def refer_headers(refer_to: SipUri, domain: str, browser: str | None) -> list[tuple[str, str]]:
    """The desk's REFER's headers: ``refer_to``, and the browser's number (in our
    ``domain``) as the one who referred (RFC 3892), so the new call can say so."""
    headers = [("Refer-To", f"<{refer_to}>")]
    if browser:
        headers.append(("Referred-By", f"<{SipUri(domain, browser)}>"))
    return headers


@dataclass(eq=False)
class BrowserReferral:
    """The browser transfers its plain party: the desk's own REFER to that party, whose
    answer and NOTIFYs go back to the browser in the browser's REFER's."""

    refer: SipRequest  # the browser's REFER: its answer, its subscription's id
    respond: Callable[[SipResponse], None]  # answers the browser's REFER
    accepted: bool = False  # the plain party took our REFER (2xx): NOTIFYs follow
    # What a successful referral ends besides (an attended transfer's consultation).
    on_success: Callable[[], None] | None = None

    def plain_answered(self, answer: SipResponse | None, *, call_on: bool, contact: str) -> bool:
        """The plain party's answer to our REFER (None: none came) answers the browser's;
        True when it took it. A 2xx in a call no longer ``call_on`` is 481 to the
        browser; ``contact`` is ours in the browser's dialog."""
        status = 408 if answer is None else answer.status
        if 200 <= status < 300 and call_on:
            self.accepted = True
            self.respond(make_response(self.refer, 202, headers=[("Contact", contact)]))
            return True
        if status < 300:
            status = 481  # the call ended meanwhile
        self.respond(make_response(self.refer, status))
        return False

    def plain_notified(
        self, request: SipRequest, contact: str
    ) -> tuple[list[tuple[str, str]], bool]:
        """The plain party's NOTIFY about our REFER, to be passed to the browser: the
        headers of the browser's NOTIFY (its body is the same sipfrag), and whether the
        referral is over (a final status, or a terminated subscription). A final 2xx
        runs ``on_success``."""
        state = request.header("Subscription-State") or "active"
        status = SIPFRAG_STATUS.match(request.body)
        final_status = status is not None and int(status[1]) >= 200
        over = state.lower().startswith("terminated") or final_status
        if over:
            succeeded = status is not None and status[1].startswith(b"2")
            if succeeded and self.on_success is not None:
                self.on_success()
            if not state.lower().startswith("terminated"):
                state = "terminated;reason=noresource"
        headers = [
            ("Event", f"refer;id={self.refer.cseq.number}"),
            ("Subscription-State", state),
            ("Contact", contact),
            ("Content-Type", request.header("Content-Type") or "message/sipfrag;version=2.0"),
        ]
        return headers, over


__all__ = [
    "SIPFRAG_STATUS",
    "BrowserReferral",
    "named_consultation",
    "no_consultation",
    "refer_headers",
    "refer_to_number",
    "referred_to",
    "transfer_asked",
    "warning",
]
