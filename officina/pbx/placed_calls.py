"""Calls the PBX places of its own, as one of its members' calls.

Click-to-call's second leg (``third_party_calls.py``) and the auto-attendant's
back-to-back leg (``media/desk.py``, for a caller whose phone does not follow a REFER)
are both an INVITE the PBX sends *as a member*: it enters the proxy on a ``Loopback``
connection that only this process can open, so the proxy takes it as that member's
authenticated INVITE (``SipServer._invite``) and does with it what it does with a dialled
call: an extension, a ring group (its strategy, its business hours), forwarding and
follow-me, voicemail when nobody answers, a number outside through the company's trunk
behind the toll-fraud guard; the call record, the busy lamps and "on a call" follow. The
proxy's Record-Route keeps its requests (the target's BYE) coming back along the
loopback.

``PlacedLeg`` is that call as its owner sees it: ``on_answer`` with the 2xx (its SDP
answer; the ACK is already sent), ``on_failure`` with a final failure status (its ACK
sent), ``on_bye`` when the target hangs up; ``hang_up`` sends a BYE once answered or a
CANCEL while it rings; it rings at most the ``ring_seconds`` it was placed with. Hold and
codec changes: ``reinvite`` sends the target a new offer and reports its final answer
(the ACK sent); the target's own re-INVITE goes to ``on_offer``, whose owner answers it
with ``respond`` (without an ``on_offer``, 488: the call goes on as it was).

Late offers (RFC 3261 §14.1, RFC 3725 §6): ``reinvite`` without an offer asks the target
for one; its 200 carries it and is not ACKed until the owner has the answer
(``answer_offer``, which sends the ACK with it). The other way, a re-INVITE of the
target's without SDP is answered with an offer (``respond`` with ``on_ack``), and the
answer comes in the target's ACK, handed to ``on_ack``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from officina.pbx.transports.base import TCP, Flow
from officina.sip import (
    Dialog,
    SipParseError,
    SipRequest,
    SipResponse,
    Via,
    make_cancel,
    make_response,
    new_branch,
    new_tag,
    parse_message,
)

if TYPE_CHECKING:
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.pbx.transports.base import ConnectionTable

logger = logging.getLogger("officina.pbx.placed_calls")

# Loopback connections stay this long after their call, for the last BYE's answer.
LOOPBACK_LINGER_SECONDS = 32.0
LOOPBACK_HOST = "click-to-call.invalid"  # never resolvable (RFC 6761): no one else's flow

_loopback_numbers = itertools.count(1)


class Loopback:
    """A connection from this process to its own proxy, carrying one placed call. Only
    this module makes one: a request arriving on it is ``caller``'s."""

    transport = TCP

    def __init__(self, caller: DirectoryEntry, deliver: Callable[[bytes], None]) -> None:
        number = next(_loopback_numbers) % 65_535 + 1
        self.key = f"c2c-{number}"
        self.remote = (LOOPBACK_HOST, number)
        self.opened_at = time.monotonic()
        self.messages_received = 1  # never reaped as unused (ConnectionTable.expire)
        self.caller = caller
        self._deliver = deliver
        self.closed = False

    @property
    def last_activity(self) -> float:
        return time.monotonic()  # held by its call, not by traffic: never reaped as idle

    @last_activity.setter
    def last_activity(self, _moment: float) -> None:
        return

    def send(self, data: bytes) -> bool:
        if self.closed:
            return False
        self._deliver(data)
        return True

    def close(self) -> None:
        self.closed = True


def caller_on(flow: Flow) -> DirectoryEntry | None:
    """The member a request arriving on ``flow`` comes from, when ``flow`` is one of our
    loopbacks (the proxy then skips the challenge): None for any other flow."""
    connection = flow.connection
    if isinstance(connection, Loopback) and not connection.closed:
        return connection.caller
    return None


class PlacedLeg:
    """One call placed through the proxy as ``caller``'s own (see the module's text)."""

    def __init__(
        self,
        placer: CallPlacer,
        caller: DirectoryEntry,
        on_answer: Callable[[SipResponse], None],
        on_failure: Callable[[int], None],
        on_bye: Callable[[], None],
        on_offer: Callable[[SipRequest], None] | None = None,
    ) -> None:
        self.placer = placer
        self.on_answer = on_answer
        self.on_failure = on_failure
        self.on_bye = on_bye
        self.on_offer = on_offer
        # The re-INVITE we sent and what to do with its final answer, while it is out.
        self._reinvite: tuple[SipRequest, Callable[[SipResponse], None]] | None = None
        # Our re-INVITE without an offer, answered with one: its ACK waits for the answer.
        self._offer_to_answer: SipRequest | None = None
        # The ACK of our last answered re-INVITE, sent again if its 2xx comes again.
        self._reinvite_ack: SipRequest | None = None
        # Our 2xx with an offer to the target's re-INVITE: its CSeq and who takes the
        # answer its ACK brings.
        self._awaiting_ack: tuple[int, Callable[[bytes], None]] | None = None
        loop = asyncio.get_running_loop()

        def deliver(data: bytes) -> None:
            loop.call_soon(self._from_proxy, data)

        self.loopback = Loopback(caller, deliver)
        self.invite: SipRequest | None = None
        self.final = False  # a final answer to the INVITE came
        self.cancelled = False  # our CANCEL is sent
        self.given_up = False  # the owner hung up: nothing more is reported
        self.dialog: Dialog | None = None
        self.ack: SipRequest | None = None
        self.released = False

    # ------------------------------------------------------------------ asked by the owner
    def hang_up(self) -> None:
        """End the call: a BYE once answered, a CANCEL while it rings. Nothing is
        reported to the owner after this."""
        self.given_up = True
        dialog = self.dialog
        if dialog is not None and dialog.state != "terminated":
            self._to_proxy(dialog.create_request("BYE", self._via()))
            dialog.terminate()
        else:
            self._cancel()

    @property
    def contact(self) -> str:
        """Our Contact in this call: the member's number at the loopback."""
        host, port = self.loopback.remote
        return f"<sip:{self.loopback.caller.number}@{host}:{port};transport=tcp>"

    def reinvite(self, offer: bytes, on_answer: Callable[[SipResponse], None]) -> None:
        """Send the answered target a re-INVITE with ``offer``; ``on_answer`` gets its final
        answer (a 2xx is ACKed, a failure too: the call goes on as it was). Without an
        ``offer`` the target's 2xx brings one, and its ACK waits for ``answer_offer``."""
        dialog = self.dialog
        assert dialog is not None and self._reinvite is None
        headers = [("Contact", self.contact)]
        if offer:
            headers.append(("Content-Type", "application/sdp"))
        request = dialog.create_request("INVITE", self._via(), headers=headers, body=offer)
        self._reinvite = (request, on_answer)
        self._to_proxy(request)

    def answer_offer(self, answer: bytes) -> None:
        """ACK the 2xx that brought the target's offer (to our re-INVITE without one),
        with ``answer``."""
        request, dialog = self._offer_to_answer, self.dialog
        if request is None or dialog is None or dialog.state == "terminated":
            return
        self._offer_to_answer = None
        headers = [("Content-Type", "application/sdp")] if answer else []
        self._reinvite_ack = dialog.create_request(
            "ACK", self._via(), headers=headers, body=answer, cseq=request.cseq.number
        )
        self._to_proxy(self._reinvite_ack.copy())

    def respond(self, response: SipResponse, on_ack: Callable[[bytes], None] | None = None) -> None:
        """Answer a request the target sent (its re-INVITE given to ``on_offer``). A 2xx
        with an offer (to a re-INVITE without one) names in ``on_ack`` who takes the
        answer that the target's ACK brings."""
        if on_ack is not None:
            self._awaiting_ack = (response.cseq.number, on_ack)
        self._to_proxy(response)

    def _cancel(self) -> None:
        if self.invite is not None and not self.final and not self.cancelled:
            self.cancelled = True
            self._to_proxy(make_cancel(self.invite, None))

    def release(self) -> None:
        """The owner is done with the call: its loopback goes after a while (for the last
        BYE's answer)."""
        if self.released:
            return
        self.released = True
        loopback, table = self.loopback, self.placer.table

        def forget() -> None:
            loopback.close()
            table.remove(loopback)

        self.placer.layer.call_later(LOOPBACK_LINGER_SECONDS, forget)

    # ------------------------------------------------------------------ the proxy's side
    def _via(self) -> Via:
        host, port = self.loopback.remote
        return Via.parse(f"SIP/2.0/TCP {host}:{port};branch={new_branch()}")

    def _to_proxy(self, message: SipRequest | SipResponse) -> None:
        host, port = self.loopback.remote
        flow = Flow(TCP, host, port, connection=self.loopback)
        # Never from inside the server's own call stack (a response handler): the next
        # turn of the loop, as a message from a socket would come.
        asyncio.get_running_loop().call_soon(self.placer.receive, message, flow)

    def _ring_over(self) -> None:
        self._cancel()  # its 487 comes to the owner as the failure

    def _from_proxy(self, data: bytes) -> None:
        try:
            message = parse_message(data)
        except SipParseError:
            logger.warning("placed call %s: unreadable message from the proxy", self.loopback.key)
            return
        if isinstance(message, SipResponse):
            if message.cseq.method == "INVITE" and message.cseq.number == 1:
                self._answered(message)
            elif message.cseq.method == "INVITE" and message.status >= 200:
                self._reinvite_answered(message)
            return
        self._request(message)

    def _answered(self, response: SipResponse) -> None:
        status, invite = response.status, self.invite
        if status < 200 or invite is None:
            return
        if status >= 300:
            self._to_proxy(_ack_of_failure(invite, response))
            if not self.final:
                self.final = True
                if not self.given_up:
                    self.on_failure(status)
            return
        if self.dialog is not None:  # the 200 again: our ACK was lost
            if self.ack is not None:
                self._to_proxy(self.ack.copy())
            return
        self.final = True
        self.dialog = Dialog.from_uac(invite, response)
        self.ack = self.dialog.create_request("ACK", self._via(), cseq=1)
        self._to_proxy(self.ack.copy())
        if self.given_up:  # the owner hung up while the 200 was on its way
            self.hang_up()
            return
        self.on_answer(response)

    def _reinvite_answered(self, response: SipResponse) -> None:
        pending, dialog = self._reinvite, self.dialog
        if pending is None or dialog is None or response.cseq.number != pending[0].cseq.number:
            # A 2xx again (its ACK was lost: the same ACK again; or its answer is still
            # awaited), or the answer to a re-INVITE we no longer wait for.
            ack = self._reinvite_ack
            if (
                ack is not None
                and response.status < 300
                and ack.cseq.number == response.cseq.number
            ):
                self._to_proxy(ack.copy())
            return
        self._reinvite = None
        request, on_answer = pending
        if response.status < 300 and not request.body:
            self._offer_to_answer = request  # ACKed with the owner's answer
        elif response.status < 300:
            self._reinvite_ack = dialog.create_request("ACK", self._via(), cseq=request.cseq.number)
            self._to_proxy(self._reinvite_ack.copy())
        else:
            self._to_proxy(_ack_of_failure(request, response))
        if not self.given_up:
            on_answer(response)

    def _request(self, request: SipRequest) -> None:
        method = request.method
        if method == "ACK":
            awaiting = self._awaiting_ack
            if awaiting is not None and awaiting[0] == request.cseq.number:
                self._awaiting_ack = None
                if not self.given_up:
                    awaiting[1](request.body)
            return
        if method == "BYE":
            self._to_proxy(make_response(request, 200))
            if self.dialog is not None and self.dialog.state != "terminated":
                self.dialog.terminate()
                if not self.given_up:
                    self.on_bye()
        elif method in ("INFO", "OPTIONS"):
            self._to_proxy(make_response(request, 200))
        elif method == "INVITE" and self.on_offer is not None and not self.given_up:
            self.on_offer(request)  # its owner answers it (``respond``)
        elif method == "INVITE":
            # Nobody to take the offer to the other side (RFC 3725 §6): the call goes on
            # as it was.
            self._to_proxy(make_response(request, 488))
        else:
            self._to_proxy(make_response(request, 405))


class CallPlacer:
    """Places ``PlacedLeg`` calls into this node's proxy."""

    def __init__(
        self,
        layer: PbxTransactions,
        table: ConnectionTable,
        receive: Callable[[SipRequest | SipResponse, Flow], None],
        domain: str,
    ) -> None:
        self.layer = layer
        self.table = table
        self.receive = receive  # SipServer.receive_message: into the proxy
        self.domain = domain

    def place(
        self,
        caller: DirectoryEntry,
        target: str,
        *,
        call_id: str,
        offer: bytes,
        display_name: str,
        ring_seconds: float,
        on_answer: Callable[[SipResponse], None],
        on_failure: Callable[[int], None],
        on_bye: Callable[[], None],
        on_offer: Callable[[SipRequest], None] | None = None,
    ) -> PlacedLeg:
        """Call ``target`` as ``caller`` with the SDP ``offer``, From showing
        ``display_name``; CANCELled after ``ring_seconds`` without an answer."""
        leg = PlacedLeg(self, caller, on_answer, on_failure, on_bye, on_offer)
        self.table.add(leg.loopback)
        host, port = leg.loopback.remote
        name = "".join(c for c in display_name if c not in '"\\\r\n\0')[:60]
        leg.invite = SipRequest(
            "INVITE",
            f"sip:{target}@{self.domain}",
            [
                ("Via", f"SIP/2.0/TCP {host}:{port};branch={new_branch()}"),
                ("Max-Forwards", "70"),
                ("From", f'"{name}" <sip:{caller.number}@{self.domain}>;tag={new_tag()}'),
                ("To", f"<sip:{target}@{self.domain}>"),
                ("Call-ID", call_id),
                ("CSeq", "1 INVITE"),
                ("Contact", f"<sip:{caller.number}@{host}:{port};transport=tcp>"),
                ("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO"),
                ("Content-Type", "application/sdp"),
            ],
            offer,
        )
        leg._to_proxy(leg.invite.copy())
        self.layer.call_later(ring_seconds, leg._ring_over)
        return leg


def _ack_of_failure(invite: SipRequest, response: SipResponse) -> SipRequest:
    """The ACK of a final failure, hop by hop to the proxy (RFC 3261 §17.1.1.3)."""
    headers = [("Via", str(invite.top_via)), ("Max-Forwards", "70")]
    headers += [
        ("From", invite.header("From") or ""),
        ("To", response.header("To") or ""),
        ("Call-ID", invite.call_id),
        ("CSeq", f"{invite.cseq.number} ACK"),
        ("Content-Length", "0"),
    ]
    return SipRequest("ACK", invite.uri_text, headers)


__all__ = ["CallPlacer", "Loopback", "PlacedLeg", "caller_on"]
