"""A browser's call to plain phones, bridged by the desk when no rtpengine runs.

A browser (WebRTC: ICE, DTLS-SRTP, Opus) and a plain phone (RTP, G.711) cannot hear each
other directly. With rtpengine the proxy bridges them (``anchoring.py``); without it the
proxy hands such a call here (``Proxy.route``: the callee has phones, none a browser; or
the number is not ours and goes out through a trunk), with what it was for: the number
the browser dialled.

This is a back-to-back user agent on the node's desk. The browser's INVITE is kept as it
came: aiortc prepares its answer at once (``BrowserBridge.open``), and the PBX calls the
same number *as the member's own call* with the desk's plain PCMU/PCMA offer
(``placed_calls.py``): the loopback says TCP, so the proxy rings the callee's plain
phones, and a ring group's steps, forwarding, follow-me, voicemail, the trunk and its
toll-fraud guard all apply as to any call. That placed call is the one the call records
name (the member calling the number); the browser's own INVITE leaves no record.

* The callee's phones ring: the browser gets 180. A final failure (busy 486, 480, 603,
  404, 403 of the guard, 408) is passed back with its status. The browser's CANCEL
  cancels the placed call.
* The callee answers: the browser gets its 200 with aiortc's answer (sent again until the
  ACK), and the desk relays and transcodes between the two on its media clock
  (``BridgedCall``).
* Either side's BYE ends both. Each side's re-INVITE or UPDATE (hold, resume, a new
  microphone) is answered by the desk on that side, never passed across: a hold plays
  the holder's company music to the other side. Keys go across: the browser's SIP INFO
  as RFC 4733 events, the phone's events or INFO as the browser's tones.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from officina.pbx.media.desk import info_digit
from officina.pbx.media.ports import NoMediaPort
from officina.pbx.media.webrtc import WebRtcRefused
from officina.pbx.ok_retransmission import RFC_3261, AckTimers, OkUntilAck
from officina.pbx.placed_calls import ALLOW_UPDATE
from officina.sip import (
    Dialog,
    RemoteProtocolError,
    SipParseError,
    SipRequest,
    SipResponse,
    Via,
    make_response,
    new_branch,
    new_tag,
)
from officina.sip.sdp import SdpParseError

if TYPE_CHECKING:
    from officina.pbx.media.browser_bridge import BrowserBridge
    from officina.pbx.media.desk import MediaDesk
    from officina.pbx.placed_calls import CallPlacer, PlacedLeg
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.pbx.transports.base import Flow
    from officina.sip import ServerTransaction
    from officina.sip.rport import Peer

logger = logging.getLogger("officina.pbx.bridged_calls")

# How long the placed call rings before it is given up: longer than any callee's ring
# time and a ring group's steps, which end sooner in voicemail or a failure themselves.
ONWARD_RING_SECONDS = 120.0


@dataclass(eq=False)
class BrowserCall:
    """One browser's call bridged to the number it dialled."""

    server: ServerTransaction  # the browser's INVITE
    invite: SipRequest
    peer: Peer  # the browser's connection
    dialog: Dialog  # ours with the browser (UAS)
    bridge: BrowserBridge
    target: str
    onward: PlacedLeg | None = None
    answered: bool = False  # the browser has our 200
    over: bool = False
    ringing_sent: bool = False
    ok: tuple[int, OkUntilAck] | None = None  # our 2xx to the browser until its ACK
    answering: bool = False  # aiortc answers a re-INVITE of the browser's
    sip_port: int = 0
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


class BridgedBrowserCalls:
    """The browsers' calls to plain phones this node bridges (see the module's text)."""

    def __init__(
        self,
        layer: PbxTransactions,
        desk: MediaDesk,
        placer: CallPlacer,
        ack_timers: AckTimers = RFC_3261,
    ) -> None:
        self.layer = layer
        self.desk = desk
        self.placer = placer
        self.ack_timers = ack_timers
        self.calls: dict[str, BrowserCall] = {}  # the browser's Call-ID -> its call
        self.by_server: dict[int, BrowserCall] = {}  # id(server transaction) -> the call
        self.stats = {"taken": 0, "answered": 0, "failed": 0, "cancelled": 0}

    # ------------------------------------------------------------------ from the proxy
    def take(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        caller: DirectoryEntry,
        target: str,
    ) -> None:
        """Bridge the browser's INVITE ``request`` (from the authenticated ``caller``) to
        ``target``, the number it dialled."""
        self.layer.respond(server, make_response(request, 100))
        tag = new_tag()
        call = BrowserCall(
            server=server,
            invite=request,
            peer=self.layer.peer_for_flow(flow),
            dialog=Dialog.from_uas(request, tag),
            bridge=self.desk.bridge_browser(caller.number, target),
            target=target,
            sip_port=self.layer.sender.local_via(flow.transport)[1],
        )
        call.bridge.on_failure = lambda: self._relaying_failed(call)
        self.calls[request.call_id] = call
        self.by_server[id(server)] = call
        self.stats["taken"] += 1
        logger.info(
            "call %s from %s to %s: bridged by the desk", request.call_id, caller.number, target
        )
        self._run(call, self._open(call, caller))

    async def _open(self, call: BrowserCall, caller: DirectoryEntry) -> None:
        try:
            offer = await call.bridge.open(call.invite.body)
        except WebRtcRefused as error:
            logger.info("call %s: the browser's offer refused (%s)", call.invite.call_id, error)
            self._fail(call, 488, f"{error}")
            return
        except NoMediaPort:
            self._fail(call, 503, "no media port free")
            return
        if call.over:  # the browser gave up while aiortc answered
            call.bridge.close()
            return
        call.onward = leg = self.placer.place(
            caller,
            call.target,
            call_id=f"{call.invite.call_id}-bridged",
            offer=offer,
            display_name=caller.display_name,
            ring_seconds=ONWARD_RING_SECONDS,
            on_answer=lambda response: self._onward_answered(call, response),
            on_failure=lambda status: self._onward_failed(call, status),
            on_bye=lambda: self._onward_hung_up(call),
            on_offer=lambda request: self._onward_offers(call, request),
            updates=True,
        )
        leg.on_update = leg.on_offer
        leg.on_info = lambda request: self._onward_info(call, request)
        leg.on_progress = lambda response: self._onward_progress(call, response)

    def cancel(self, server: ServerTransaction) -> bool:
        """The browser's CANCEL: the placed call is cancelled too. False when ``server``
        is no call of ours; the transaction layer answers the INVITE 487 either way."""
        call = self.by_server.get(id(server))
        if call is None or call.answered or call.over:
            return False
        self.stats["cancelled"] += 1
        self._hang_up_onward(call)
        self._end(call)
        return False  # our 487: the transaction layer sends it

    # ------------------------------------------------------------------ the placed call
    def _onward_progress(self, call: BrowserCall, response: SipResponse) -> None:
        """The callee's phones ring: the browser hears it (once; no early media)."""
        if call.over or call.ringing_sent or response.status not in (180, 183):
            return
        call.ringing_sent = True
        self.layer.respond(
            call.server,
            make_response(
                call.invite, 180, to_tag=call.dialog.local_tag,
                headers=[("Contact", self._contact(call))],
            ),
        )  # fmt: skip

    def _onward_answered(self, call: BrowserCall, response: SipResponse) -> None:
        if call.over:
            self._hang_up_onward(call)
            return
        try:
            answer = call.bridge.other_answered(response.body)
        except SdpParseError as error:
            logger.info("call %s: the callee's answer unusable (%s)", call.invite.call_id, error)
            self._hang_up_onward(call)
            self._fail(call, 488, "the callee's answer has no G.711 audio")
            return
        call.answered = True
        call.dialog.state = "confirmed"
        self.stats["answered"] += 1
        ok = make_response(
            call.invite, 200, to_tag=call.dialog.local_tag,
            headers=[("Contact", self._contact(call)), ("Allow", ALLOW_UPDATE),
                     ("Content-Type", "application/sdp")],
            body=answer,
        )  # fmt: skip
        self._send_until_acked(call, call.server, ok, call.invite.cseq.number)

    def _onward_failed(self, call: BrowserCall, status: int) -> None:
        if call.over:
            return
        self._fail(call, status if 300 <= status < 700 else 500)

    def _onward_hung_up(self, call: BrowserCall) -> None:
        self._send_to_browser(call, "BYE")
        self._end(call)

    def _onward_info(self, call: BrowserCall, request: SipRequest) -> None:
        leg = call.onward
        assert leg is not None
        leg.respond(make_response(request, 200))
        digit = info_digit(request)
        if digit is not None:
            call.bridge.other_digit(digit)

    def _onward_offers(self, call: BrowserCall, request: SipRequest) -> None:
        """The callee's re-INVITE or UPDATE answered by the desk on its port (a hold:
        ``recvonly``, and the browser hears the music); without an offer, the desk's
        (a re-INVITE's answer then comes in its ACK); 488 for one it cannot take."""
        leg = call.onward
        assert leg is not None
        if not call.answered or call.over:
            leg.respond(make_response(request, 491))
            return
        headers = [("Contact", leg.contact), ("Allow", ALLOW_UPDATE)]
        if not request.body and request.method == "UPDATE":
            leg.respond(make_response(request, 200, headers=headers))
            return
        on_ack = None
        try:
            if request.body:
                sdp = call.bridge.other_offers(request.body)
            else:
                sdp, on_ack = call.bridge.offer_again(), call.bridge.other_answers
        except SdpParseError as error:
            logger.info("call %s: the callee's offer refused (%s)", call.invite.call_id, error)
            leg.respond(make_response(request, 488))
            return
        headers.append(("Content-Type", "application/sdp"))
        ok = make_response(request, 200, headers=headers, body=sdp)
        if request.method == "UPDATE":
            leg.respond(ok)
        else:
            leg.respond_until_acked(ok, lambda: self._no_ack(call), self.ack_timers, on_ack=on_ack)

    # ------------------------------------------------------------------ from the browser
    def ack(self, request: SipRequest) -> bool:
        """The browser's ACK of our 2xx (True: ours)."""
        call = self.calls.get(request.call_id)
        if call is None or request.to_tag != call.dialog.local_tag:
            return False
        waiting = call.ok
        if waiting is not None and waiting[0] == request.cseq.number:
            call.ok = None
            waiting[1].acknowledged()
        return True

    def in_dialog(self, request: SipRequest, server: ServerTransaction) -> bool:
        """A request of the browser's in a bridged call: handled here (True)."""
        call = self.calls.get(request.call_id)
        if call is None or request.to_tag != call.dialog.local_tag:
            return False
        try:
            call.dialog.receive_request(request)  # CSeq order; a new Contact, the target
        except RemoteProtocolError as error:
            self.layer.respond(server, make_response(request, error.status))
            return True
        method = request.method
        if method == "BYE":
            self.layer.respond(server, make_response(request, 200))
            call.dialog.terminate()
            self._hang_up_onward(call)
            self._end(call)
        elif method in ("INFO", "OPTIONS"):
            self.layer.respond(server, make_response(request, 200))
            digit = info_digit(request) if method == "INFO" else None
            if digit is not None:
                call.bridge.digit(digit)
        elif method in ("INVITE", "UPDATE"):
            self._browser_offers(call, request, server)
        else:
            self.layer.respond(
                server, make_response(request, 405, headers=[("Allow", ALLOW_UPDATE)])
            )
        return True

    def _browser_offers(
        self, call: BrowserCall, request: SipRequest, server: ServerTransaction
    ) -> None:
        """The browser's re-INVITE or UPDATE (hold, resume, a new microphone) answered by
        aiortc on the same transports; 488 for one it cannot answer (the call goes on)."""
        if not call.answered or call.answering or call.over:
            self.layer.respond(server, make_response(request, 491))
            return
        if request.method == "UPDATE" and not request.body:
            self.layer.respond(server, make_response(request, 200))  # a session refresh
            return
        call.answering = True

        async def answer() -> None:
            try:
                sdp = await call.bridge.browser_offers(request.body)
            except WebRtcRefused as error:
                sdp = b""
                logger.info("call %s: the browser's offer refused (%s)", call.invite.call_id, error)
            finally:
                call.answering = False
            if call.over:
                self.layer.respond(server, make_response(request, 481))
                return
            if not sdp:
                self.layer.respond(server, make_response(request, 488))
                return
            ok = make_response(
                request, 200,
                headers=[("Contact", self._contact(call)), ("Allow", ALLOW_UPDATE),
                         ("Content-Type", "application/sdp")],
                body=sdp,
            )  # fmt: skip
            if request.method == "INVITE":
                self._send_until_acked(call, server, ok, request.cseq.number)
            else:
                self.layer.respond(server, ok)

        self._run(call, answer())

    # ------------------------------------------------------------------ the end
    def _fail(self, call: BrowserCall, status: int, warning: str = "") -> None:
        """The browser's INVITE gets a final failure ``status``: the call never began."""
        if call.over:
            return
        self.stats["failed"] += 1
        headers = []
        if warning:
            headers.append(("Warning", f'399 officina "{warning.replace(chr(34), "")[:100]}"'))
        self.layer.respond(
            call.server,
            make_response(call.invite, status, to_tag=call.dialog.local_tag, headers=headers),
        )
        self._end(call)

    def _relaying_failed(self, call: BrowserCall) -> None:
        """The desk could not go on relaying: both sides are hung up."""
        self._hang_up_onward(call)
        self._send_to_browser(call, "BYE")
        self._end(call)

    def _no_ack(self, call: BrowserCall) -> None:
        """A side never ACKed a 2xx of ours (RFC 3261 §13.3.1.4): the call is over."""
        logger.info("call %s: a 2xx never ACKed", call.invite.call_id)
        self._relaying_failed(call)

    def _hang_up_onward(self, call: BrowserCall) -> None:
        if call.onward is not None:
            call.onward.hang_up()

    def _end(self, call: BrowserCall) -> None:
        if call.over:
            return
        call.over = True
        call.bridge.close()  # the relaying stops, both ports freed
        if call.ok is not None:
            call.ok[1].acknowledged()
        if call.onward is not None:
            call.onward.release()
        self.calls.pop(call.invite.call_id, None)
        self.by_server.pop(id(call.server), None)

    # ------------------------------------------------------------------ sending
    def _contact(self, call: BrowserCall) -> str:
        """Our Contact with the browser: its requests in the call come back to us."""
        return f"<sip:bridge@{self.desk.address}:{call.sip_port}>"

    def _send_until_acked(
        self, call: BrowserCall, server: ServerTransaction, ok: SipResponse, cseq: int
    ) -> None:
        self.layer.respond(server, ok)
        if call.ok is not None:
            call.ok[1].acknowledged()  # an earlier 2xx's ACK is no longer awaited
        again = OkUntilAck.to_peer(
            self.layer, call.peer, ok.serialize(), lambda: self._no_ack(call), self.ack_timers
        )
        call.ok = (cseq, again)

    def _send_to_browser(self, call: BrowserCall, method: str) -> None:
        dialog = call.dialog
        if not call.answered or dialog.state == "terminated":
            return
        via = Via.parse(self.layer.via(call.peer.transport, new_branch()))
        request = dialog.create_request(method, via)
        request.pop_via()  # the transaction puts its own
        if method == "BYE":
            dialog.terminate()
        try:
            self.layer.forward(
                request, call.peer, on_response=lambda *_: None, on_timeout=lambda *_: None
            )
        except SipParseError:
            logger.debug("%s to the browser not sent", method)

    def _run(self, call: BrowserCall, work: Coroutine[object, object, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        call.tasks.add(task)
        task.add_done_callback(call.tasks.discard)


__all__ = ["BridgedBrowserCalls", "BrowserCall"]
