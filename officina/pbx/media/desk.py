"""Calls the PBX answers itself: a member's voicemail when they are unregistered, busy or
do not answer in time.

The proxy hands over the caller's INVITE (``take``) instead of its final
failure; the desk answers it as a user agent (RFC 3261 §12-13): 200 with its
SDP answer (or with an offer when the INVITE had none, the answer then coming
in the ACK), its own To tag and Contact, the 2xx retransmitted over UDP until
the ACK. Requests in that dialog (BYE, re-INVITE, UPDATE, INFO) come back here through
``in_dialog``; the Allow of our answers lists UPDATE for every call but a browser's
(whose offers aiortc answers in re-INVITEs only). SDP that cannot be read, or offers
nothing we speak, is refused with 488 and nothing is opened.

One media clock (``run_clock``) ticks every call each 20 ms, on the event
loop's monotonic time with absolute deadlines, so that one late tick does not
shift the ones after it. Boxes' plans (``officina.voicemail``) are re-read every
few seconds in a worker thread; the greetings they name are loaded there too,
so the event loop never reads a file or the database.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from django.db import OperationalError

from officina.attendant.kinds import OptionKind
from officina.conferences.actions import do_join, do_leave, do_set_self_muted
from officina.core.database_threads import DatabaseThreads
from officina.pbx.anchoring import puts_on_hold
from officina.pbx.forward_targets import RoomEntry
from officina.pbx.media.attendant import Menus
from officina.pbx.media.attendant_call import AttendantCall
from officina.pbx.media.attendant_call import Stage as AttendantStage
from officina.pbx.media.bridge import BridgedCall
from officina.pbx.media.browser_bridge import BrowserBridge, answered_agreement
from officina.pbx.media.conference import ConferenceCall, Conferences
from officina.pbx.media.conference import Stage as ConferenceStage
from officina.pbx.media.confirmation_call import ConfirmationCall
from officina.pbx.media.g711 import Samples
from officina.pbx.media.hold import HoldStreams
from officina.pbx.media.listening import ListeningCall
from officina.pbx.media.ports import MediaPorts, NoMediaPort
from officina.pbx.media.session import MediaSession, RtpSession
from officina.pbx.media.tones import ringback
from officina.pbx.media.voicemail_call import VoicemailCall
from officina.pbx.media.webrtc import WebRtcRefused, WebRtcSession, webrtc_offered
from officina.pbx.offer_passing import OfferPassing
from officina.pbx.ok_retransmission import OkUntilAck
from officina.pbx.placed_calls import ALLOW, ALLOW_UPDATE
from officina.pbx.selectors import DirectoryEntry
from officina.pbx.transaction_layer import peer_for_target
from officina.sip import (
    Dialog,
    SipParseError,
    SipRequest,
    SipResponse,
    make_response,
    new_tag,
    numbered_tags,
)
from officina.sip.rport import Peer
from officina.sip.rtp import PCMA
from officina.sip.sdp import (
    AudioAgreement,
    Codec,
    SdpParseError,
    SessionDescription,
    answer,
    audio_agreement,
    offer,
)
from officina.sip.transactions import PROCEEDING
from officina.voicemail.actions import (
    NewMessage,
    do_delete_message_by_id,
    do_mark_heard_by_id,
    do_store_message,
)
from officina.voicemail.kinds import LISTEN_ANY_NUMBER, LISTEN_NUMBER, MESSAGE_SECONDS_MAX
from officina.voicemail.prompts import PROMPTS, prompt_path, summary_path
from officina.voicemail.selectors import BoxPlan, box_plans, extension_by_pin, listening_queue
from officina.voicemail.sound import read_telephone_wav, wav_bytes

if TYPE_CHECKING:
    from officina.attendant.selectors import MenuPlan
    from officina.conferences.selectors import RoomPlan
    from officina.pbx.directory import Directory
    from officina.pbx.placed_calls import CallPlacer, PlacedLeg
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.pbx.transports.base import Flow
    from officina.sip import ServerTransaction

logger = logging.getLogger("officina.pbx.media")

TICK = 0.02
# Seconds a caller put through by REFER may wait for the new call's answer (its callee's
# ring time, and the voicemail after it, are shorter) before the attendant gives up.
TRANSFER_SECONDS_MAX = 150.0
# Seconds the desk's own call to a caller's choice may ring (for a phone that cannot
# transfer): the callee's ring time and a ring group's steps end sooner, in voicemail
# or a failure; this bounds a target that rings on.
ONWARD_RING_SECONDS = 120.0
BUSY = (486, 600, 603)
NOT_ANSWERED = (408, 480, 487)
PLANS_REFRESH = 5.0
LANGUAGES = ("it", "en")


class AnsweredCall(Protocol):
    """What the desk asks of a call it answered (leaving a message, listening)."""

    session: MediaSession
    ended_by: str

    @property
    def finished(self) -> bool: ...

    def tick(self, now: float) -> None: ...

    def digit(self, digit: str) -> None: ...

    def recodec(self) -> None: ...

    def hung_up(self) -> None: ...

    def finish(self, reason: str) -> None: ...


@dataclass(slots=True)
class DeskDialog:
    """One call the desk answered."""

    call_id: str
    local_tag: str
    remote_tag: str
    remote_target: str  # the caller's Contact
    peer: Peer  # the flow the INVITE came on: the caller behind NAT is reached there
    from_header: str  # the caller's From, our To in requests we send
    to_header: str  # the caller's To with our tag, our From
    local_uri: str  # the address in the caller's To
    remote_uri: str  # the address in the caller's From
    callee_id: int
    caller_number: str
    caller_name: str
    started: datetime
    local_sdp: SessionDescription
    call: AnsweredCall | None = None
    ok: OkUntilAck | None = None  # our 2xx, sent again over UDP until its ACK
    awaiting_answer: bool = False  # our 200 carried an offer; the ACK brings the answer
    cseq: int = 1
    sip_port: int = 0  # ours, on the caller's transport (for the Refer-To we send)
    pending_session: Callable[[AudioAgreement], None] | None = field(default=None, repr=False)
    refers: int = 0  # REFERs sent: a late timer of an earlier one is told apart
    onward: Onward | None = None
    # A call in from a trunk: the caller is no extension, and its phone is the provider's.
    from_outside: bool = False
    updates: bool = False  # the caller's phone listed UPDATE in its INVITE's Allow


@dataclass(slots=True, eq=False)
class Onward:
    """The desk's own call to the number a caller chose, for a phone that cannot
    transfer: its leg through the proxy and its media ports (a session once answered)."""

    leg: PlacedLeg
    rtp: socket.socket
    rtcp: socket.socket
    port: int
    offer: SessionDescription  # ours, to the callee (our last description there)
    number: str = ""  # the number called
    session: RtpSession | None = None
    # The re-INVITEs passed between the caller and the callee: from the step-out's start,
    # kept once the phones talk directly (``stepped_out``; both RTP ports freed then).
    passing: OfferPassing | None = None
    stepped_out: bool = False


class MediaDesk:
    def __init__(
        self,
        layer: PbxTransactions,
        directory: Directory,
        ports: MediaPorts,
        address: str,
        max_message_seconds: float = MESSAGE_SECONDS_MAX,
        hold_music_file: Callable[[str], str | None] | None = None,
        *,
        outside_steps_out: bool = True,
    ) -> None:
        self.layer = layer
        self.directory = directory
        self.ports = ports
        self.address = address
        self.max_message_seconds = max_message_seconds
        self.plans: dict[int, BoxPlan] = {}
        self.sounds: dict[Path, Samples] = {}
        self.prompts: dict[tuple[str, str], Samples] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.pin_guesses = PinGuesses(time.monotonic)
        self.dialogs: dict[str, DeskDialog] = {}
        self._tags = numbered_tags()
        self._versions = 0
        self.menus = Menus()
        self.conferences = Conferences()
        self._joined_calls: set[ConferenceCall] = set()
        # Music for parties held in calls that go phone to phone (``officina.pbx.hold``).
        self.holds = HoldStreams(ports, hold_music_file)
        self._writer = DatabaseThreads(max_workers=1, thread_name_prefix="media-desk-writer")
        # Calls of the desk's own through the proxy (``runtime`` gives it the node's).
        self.placer: CallPlacer | None = None
        self.onward_ring_seconds = ONWARD_RING_SECONDS
        # A caller from a trunk put through by the desk: the provider's media and the
        # callee's go to each other (settings.TRUNK_MEDIA_STEP_OUT, docs/trunks.md).
        self.outside_steps_out = outside_steps_out
        self.stats = {
            "taken": 0,
            "refused_sdp": 0,
            "stored": 0,
            "no_port": 0,
            "transferred": 0,
            "not_transferred": 0,
            "called_onward": 0,  # a phone that could not transfer: the desk called
            "bridged": 0,  # ... and the call it placed was answered
            "stepped_out": 0,  # ... and its phones then talked directly
            "browsers": 0,  # calls answered with aiortc (WebRTC)
        }
        self.stored: list[int] = []  # ids of messages stored (tests, benchmarks)
        # Calls of others the desk relays between a browser and a plain phone
        # (``bridge_browser``): ticked on the one media clock with the desk's own.
        self.relays: set[BridgedCall] = set()

    # ------------------------------------------------------------------ proxy's questions
    def plan(self, extension_id: int) -> BoxPlan:
        return self.plans.get(extension_id) or BoxPlan(extension_id)

    def ring_seconds(self, extension_id: int) -> float | None:
        plan = self.plan(extension_id)
        return float(plan.ring_seconds) if plan.enabled else None

    def take_unanswered(
        self,
        server: ServerTransaction,
        request: SipRequest,
        caller_number: str,
        callee: DirectoryEntry,
        flow: Flow,
    ) -> bool:
        """Answer ``request`` (from the authenticated ``caller_number``) with the callee's
        voicemail; False when they have none on."""
        plan = self.plan(callee.extension_id)
        greeting = self._greeting(plan)
        if not plan.enabled or greeting is None or not answerable_media(request):
            return False

        def leave_message(session: MediaSession, dialog: DeskDialog) -> AnsweredCall:
            return VoicemailCall(
                session,
                greeting,
                self.max_message_seconds,
                inband_dtmf=session.agreement.telephone_event is None,
                on_done=lambda call: self._done(dialog, call),
            )

        self._answer(server, request, caller_number, callee.extension_id, flow, leave_message)
        return True

    def take_dialled(
        self,
        server: ServerTransaction,
        request: SipRequest,
        caller: DirectoryEntry,
        number: str,
        flow: Flow,
    ) -> bool:
        """Answer a call to one of the desk's own numbers: *97 (the caller's box), *98
        (any box, with its PIN) and the auto-attendant's menus. False for any other
        number."""
        menu = self.menus.answering(number, time.time())
        if menu is not None:
            self._answer(server, request, caller.number, 0, flow, self._attendant(menu))
            return True
        room = self.conferences.plans.get(number)
        if room is not None:
            if room.may_join is not None and caller.member_id not in room.may_join:
                # A meeting room's line, and the caller may not book the meeting room.
                self.layer.respond(server, make_response(request, 403))
                return True
            self._answer(server, request, caller.number, 0, flow, self._conference(room))
            return True
        if number == LISTEN_NUMBER:
            box: int | None = caller.extension_id
        elif number == LISTEN_ANY_NUMBER:
            box = None
        else:
            return False
        language = self.plan(caller.extension_id).language

        def listen(session: MediaSession, dialog: DeskDialog) -> AnsweredCall:
            return ListeningCall(
                session,
                _Backend(self, language, caller.number),
                box,
                inband_dtmf=session.agreement.telephone_event is None,
                on_done=lambda call: self._done(dialog, call),
            )

        self._answer(server, request, caller.number, box or 0, flow, listen)
        return True

    def answers(self, number: str) -> bool:
        return self.menus.answering(number, time.time()) is not None or (
            number in self.conferences.plans
        )

    def menu_name(self, number: str) -> str | None:
        plan = self.menus.plans.get(number)
        return plan.name if plan is not None else None

    def room(self, number: str) -> RoomEntry | None:
        plan = self.conferences.plans.get(number)
        # The desk holds no room's name: a forward's judge needs only who may join.
        return RoomEntry(number, plan.may_join) if plan is not None else None

    def take_forwarded(
        self,
        server: ServerTransaction,
        request: SipRequest,
        caller_number: str,
        number: str,
        flow: Flow,
        forwarder: DirectoryEntry,
        *,
        from_outside: bool,
    ) -> bool:
        """Answer a call ``forwarder`` forwards (or follows) to the menu or conference
        room ``number``. A meeting room's line takes it when ``forwarder`` may join it (the
        caller may be anyone: someone outside, a colleague who may not book the room).
        False when ``number`` is neither, ``forwarder`` may not join, or the call's media
        cannot be answered here (``forward_refusal`` says which)."""
        if self.forward_refusal(request, number, forwarder):
            return False
        menu = self.menus.answering(number, time.time())
        if menu is not None:
            make_call = self._attendant(menu)
        else:
            make_call = self._conference(self.conferences.plans[number])  # judged just above
        self._answer(server, request, caller_number, 0, flow, make_call, from_outside=from_outside)
        return True

    def forward_refusal(self, request: SipRequest, number: str, forwarder: DirectoryEntry) -> str:
        """Why the desk cannot take a call ``forwarder`` forwards to ``number`` (empty: it
        can), in words for a Warning the caller's phone may show."""
        if not answerable_media(request):
            return "its media (SDES-keyed SRTP) cannot be answered here"
        if self.menus.answering(number, time.time()) is not None:
            return ""
        room = self.conferences.plans.get(number)
        if room is None:
            return f"{number} is no longer a menu or a conference room"
        if room.may_join is not None and forwarder.member_id not in room.may_join:
            return f"{forwarder.number} may not join conference room {number}"
        return ""

    def take_menu(
        self,
        server: ServerTransaction,
        request: SipRequest,
        caller_number: str,
        number: str,
        flow: Flow,
    ) -> bool:
        """Answer a call in from a trunk with the menu ``number`` (or its menu for out of
        hours); False when it is no menu or its media cannot be answered here."""
        menu = self.menus.answering(number, time.time())
        if menu is None or not answerable_media(request):
            return False
        self._answer(
            server, request, caller_number, 0, flow, self._attendant(menu), from_outside=True
        )
        return True

    def take_spoken(
        self,
        server: ServerTransaction,
        request: SipRequest,
        caller_number: str,
        words: Samples,
        flow: Flow,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> bool:
        """Answer ``request`` only to say ``words``, then hang up (a feature code's
        confirmation); ``headers`` go on the 200 (a Warning the phone shows). False when
        its media cannot be answered here (SDES-keyed SRTP)."""
        if not answerable_media(request):
            return False

        def confirm(session: MediaSession, dialog: DeskDialog) -> AnsweredCall:
            return ConfirmationCall(session, words, on_done=lambda call: self._done(dialog, call))

        self._answer(server, request, caller_number, 0, flow, confirm, headers)
        return True

    def _attendant(self, menu: MenuPlan) -> Callable[[MediaSession, DeskDialog], AnsweredCall]:
        def attend(session: MediaSession, dialog: DeskDialog) -> AnsweredCall:
            return AttendantCall(
                session,
                menu,
                self.menus.submenu,
                self.menus.sound,
                self.menus.prompt,
                inband_dtmf=session.agreement.telephone_event is None,
                on_choice=lambda call, kind, number: self._hand_over(dialog, call, kind, number),
                on_done=lambda call: self._done(dialog, call),
            )

        return attend

    def _conference(self, room: RoomPlan) -> Callable[[MediaSession, DeskDialog], AnsweredCall]:
        def attend(session: MediaSession, dialog: DeskDialog) -> AnsweredCall:
            def done(call: ConferenceCall) -> None:
                if call.stage is ConferenceStage.DONE and call in self._joined_calls:
                    self._joined_calls.discard(call)
                    self.conferences.leave(call)
                    self._write(lambda: do_leave(room.room_id, dialog.call_id))
                self._done(dialog, call)

            def mute_changed(call: ConferenceCall) -> None:
                # One write waiting per call at most: a flood of '*' presses costs one
                # write of the state the flood ended in, not one per press.
                if call.mute_write_pending:
                    return
                call.mute_write_pending = True

                def write() -> None:
                    call.mute_write_pending = False
                    do_set_self_muted(room.room_id, dialog.call_id, muted=call.self_muted)

                self._write(write)

            call = ConferenceCall(
                session,
                room,
                self.conferences.prompt,
                inband_dtmf=session.agreement.telephone_event is None,
                on_join=lambda joined: self._join(dialog, joined),
                on_mute=mute_changed,
                on_done=done,
            )
            call.call_id = dialog.call_id
            if call.stage is ConferenceStage.JOINED:
                self._join(dialog, call)
            return call

        return attend

    def _join(self, dialog: DeskDialog, call: ConferenceCall) -> None:
        self._joined_calls.add(call)
        self.conferences.join(call)
        room_id, started = call.room.room_id, datetime.now(UTC)
        self._write(
            lambda: do_join(
                room_id, dialog.call_id, dialog.caller_number, dialog.caller_name, started
            )
        )

    def _write(self, work: Callable[[], object]) -> None:
        """A conference room's record of who is in it, written in the desk's one writer
        thread: in the order the calls joined, muted and left (a leave never overtakes its
        join), and one write at a time. A write the database refuses as locked is tried
        again (``_written``); any other failure is logged."""

        def done(finished: asyncio.Future[object]) -> None:
            if finished.exception() is not None:
                logger.error("media desk write failed", exc_info=finished.exception())

        asyncio.get_running_loop().run_in_executor(self._writer, _written, work).add_done_callback(
            done
        )

    def _answer(
        self,
        server: ServerTransaction,
        request: SipRequest,
        caller_number: str,
        extension_id: int,
        flow: Flow,
        make_call: Callable[[MediaSession, DeskDialog], AnsweredCall],
        headers: tuple[tuple[str, str], ...] = (),
        *,
        from_outside: bool = False,
    ) -> None:
        """Answer an INVITE as a user agent: its SDP agreed (or refused with 488), media
        ports opened, 200 sent (with ``headers``), and ``make_call`` started once the
        codec is known. ``from_outside``: a call in from a trunk."""
        self.stats["taken"] += 1
        remote: SessionDescription | None = None
        try:
            if request.body:
                remote = SessionDescription.parse(request.body)
        except SdpParseError as error:
            self._refuse_sdp(server, request, str(error))
            return
        if remote is not None and webrtc_offered(request.body):
            self._background(
                self._answer_browser(
                    server, request, caller_number, extension_id, flow, make_call, headers
                )
            )
            return
        try:
            rtp, rtcp = self.ports.open()
        except NoMediaPort:
            self.stats["no_port"] += 1
            self.layer.respond(server, make_response(request, 503, headers=[("Retry-After", "5")]))
            return
        port = rtp.getsockname()[1]
        self._versions += 1
        try:
            if remote is not None:
                local = answer(
                    remote, address=self.address, ports=[port], session_id=str(self._versions)
                )
                agreement: AudioAgreement | None = audio_agreement(local, remote)
            else:
                local = offer(address=self.address, port=port, session_id=str(self._versions))
                agreement = None
        except SdpParseError as error:
            rtp.close()
            rtcp.close()
            self.ports.release(port)
            self._refuse_sdp(server, request, str(error))
            return
        dialog = self._new_dialog(request, caller_number, extension_id, flow, local)
        if from_outside:
            dialog.from_outside = True
            dialog.caller_name = request.from_.display_name or ""
        dialog.awaiting_answer = agreement is None

        def start(agreed: AudioAgreement) -> None:
            session = RtpSession(rtp, rtcp, agreed, lambda digit: self._digit(dialog, digit))
            dialog.call = make_call(session, dialog)
            self._background(session.start())

        dialog.pending_session = start
        self.dialogs[dialog.call_id] = dialog
        self._send_ok(server, request, dialog, headers)
        if agreement is not None:
            start(agreement)
            dialog.pending_session = None

    async def _answer_browser(
        self,
        server: ServerTransaction,
        request: SipRequest,
        caller_number: str,
        extension_id: int,
        flow: Flow,
        make_call: Callable[[MediaSession, DeskDialog], AnsweredCall],
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        """Answer a browser's WebRTC offer with aiortc (see ``media/webrtc.py``): 200 with
        its answer, or 488 when aiortc cannot answer it; nothing stays open then."""
        try:
            rtp, rtcp = self.ports.open()
        except NoMediaPort:
            self.stats["no_port"] += 1
            self.layer.respond(server, make_response(request, 503, headers=[("Retry-After", "5")]))
            return
        session = WebRtcSession(rtp, rtcp, self.address)
        try:
            sdp = await session.answer(request.body)
            local = SessionDescription.parse(sdp.encode())
        except (WebRtcRefused, SdpParseError) as error:
            session.close()
            self.ports.release(session.local_port)
            self._refuse_sdp(server, request, str(error))
            return
        if server.terminated or server.state != PROCEEDING:
            # The caller gave up (CANCEL) while the answer was being made.
            session.close()
            self.ports.release(session.local_port)
            return
        dialog = self._new_dialog(request, caller_number, extension_id, flow, local)
        dialog.call = make_call(session, dialog)
        self.dialogs[dialog.call_id] = dialog
        self.stats["browsers"] += 1
        self._send_ok(server, request, dialog, headers)

    def _new_dialog(
        self,
        request: SipRequest,
        caller_number: str,
        extension_id: int,
        flow: Flow,
        local: SessionDescription,
    ) -> DeskDialog:
        contacts = request.contacts
        caller = self.directory.entry(caller_number)
        dialog = DeskDialog(
            call_id=request.call_id,
            local_tag=self._tags.next(),
            remote_tag=request.from_tag or "",
            remote_target=str(contacts[0].uri) if contacts else str(request.from_.uri),
            peer=self.layer.peer_for_flow(flow),
            from_header=request.header("From") or "",
            to_header="",
            local_uri=request.to.uri_text,
            remote_uri=request.from_.uri_text,
            callee_id=extension_id,
            caller_number=caller_number,
            caller_name=caller.display_name if caller else "",
            started=datetime.now(UTC),
            local_sdp=local,
            updates=request.allows("UPDATE"),
        )
        dialog.to_header = f"{request.header('To')};tag={dialog.local_tag}"
        dialog.sip_port = self.layer.sender.local_via(flow.transport)[1]
        return dialog

    def _send_ok(
        self,
        server: ServerTransaction,
        request: SipRequest,
        dialog: DeskDialog,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        """Our 200 with our SDP (and ``headers``), retransmitted over UDP until its ACK."""
        response = make_response(
            request,
            200,
            to_tag=dialog.local_tag,
            headers=[
                ("Contact", self._contact(dialog)),
                ("Allow", _allow(dialog)),
                ("Content-Type", "application/sdp"),
                *headers,
            ],
            body=dialog.local_sdp.serialize(),
        )
        self._send_until_acked(dialog, server, response)

    def _contact(self, dialog: DeskDialog) -> str:
        """Our Contact in ``dialog``: requests in it come back to this node."""
        return f"<sip:voicemail@{self.address}:{dialog.sip_port}>"

    def _send_until_acked(
        self, dialog: DeskDialog, server: ServerTransaction, response: SipResponse
    ) -> None:
        """Send our 2xx, and again over UDP until its ACK; without one the call is over
        (RFC 3261 §13.3.1.4)."""
        self.layer.respond(server, response)
        if dialog.ok is not None:
            dialog.ok.acknowledged()  # an earlier 2xx's ACK is no longer awaited
        dialog.ok = OkUntilAck.to_peer(
            self.layer, dialog.peer, response.serialize(), lambda: self._end(dialog, send_bye=True)
        )

    def _refuse_sdp(self, server: ServerTransaction, request: SipRequest, reason: str) -> None:
        self.stats["refused_sdp"] += 1
        warning = reason.replace('"', "'")[:100]
        self.layer.respond(
            server,
            make_response(
                request,
                488,
                headers=[("Warning", f'399 officina "{warning}"'), ("Accept", "application/sdp")],
            ),
        )

    def _greeting(self, plan: BoxPlan) -> Samples | None:
        if plan.greeting is not None and plan.greeting in self.sounds:
            return self.sounds[plan.greeting]
        return self.sounds.get(Path(f"standard-{plan.language}"))

    # ------------------------------------------------------------------ in the dialog
    def in_dialog(self, request: SipRequest, server: ServerTransaction) -> bool:
        """A request in one of our dialogs: handled here (True), or not ours (False)."""
        dialog = self.dialogs.get(request.call_id)
        if dialog is None or request.to_tag != dialog.local_tag:
            return False
        method = request.method
        if method == "BYE":
            self.layer.respond(server, make_response(request, 200))
            if dialog.call is not None:
                dialog.call.hung_up()
            self._end(dialog, send_bye=False)
        elif method == "INVITE" and dialog.onward is not None and dialog.onward.passing:
            dialog.onward.passing.from_phone(request, server)  # on to the callee
        elif method == "INVITE":
            _refresh_target(dialog, request)
            self._reinvite(dialog, request, server)
        elif method == "UPDATE" and dialog.onward is not None and dialog.onward.passing:
            dialog.onward.passing.update_from_phone(request, server)  # on to the callee
        elif method == "UPDATE" and _allow(dialog) == ALLOW_UPDATE:
            _refresh_target(dialog, request)
            self._update(dialog, request, server)
        elif method == "INFO" and dialog.onward is not None and dialog.onward.stepped_out:
            if dialog.onward.passing is not None:
                dialog.onward.passing.info_from_phone(request, server)  # on to the callee
            else:
                self.layer.respond(server, make_response(request, 481))
        elif method == "INFO":
            self.layer.respond(server, make_response(request, 200))
            signal = info_digit(request)
            if signal is not None:
                self._digit(dialog, signal)
        elif method == "OPTIONS":
            self.layer.respond(server, make_response(request, 200))
        elif method == "NOTIFY":
            self.layer.respond(server, make_response(request, 200))
            self._transfer_progress(dialog, request)
        else:
            self.layer.respond(
                server, make_response(request, 405, headers=[("Allow", _allow(dialog))])
            )
        return True

    def ack(self, request: SipRequest) -> bool:
        dialog = self.dialogs.get(request.call_id)
        if dialog is None or request.to_tag != dialog.local_tag:
            return False
        if dialog.ok is not None:
            dialog.ok.acknowledged()
        if dialog.onward is not None and dialog.onward.passing is not None:
            dialog.onward.passing.phone_acked(request)
        if dialog.awaiting_answer:
            dialog.awaiting_answer = False
            try:
                remote = SessionDescription.parse(request.body)
                agreement = audio_agreement(remote, remote)
            except SdpParseError:
                # Our 200's offer got no usable answer: end the call (an ACK has no reply).
                self._end(dialog, send_bye=True)
                return True
            if dialog.pending_session is not None:
                dialog.pending_session(agreement)
                dialog.pending_session = None
            elif dialog.call is not None:
                dialog.call.session.agree(agreement)
                dialog.call.recodec()
        return True

    def _reinvite(self, dialog: DeskDialog, request: SipRequest, server: ServerTransaction) -> None:
        session = dialog.call.session if dialog.call is not None else None
        if isinstance(session, WebRtcSession):
            self._background(self._reinvite_browser(dialog, session, request, server))
            return
        self._versions += 1
        sdp = dialog.local_sdp
        sdp.origin = sdp.origin._replace(session_version=sdp.origin.session_version + 1)
        port = sdp.media[0].port if sdp.media else 0
        if not request.body:
            # No offer in the re-INVITE: our 200 carries one, the ACK its answer (§14.2).
            local = offer(
                address=self.address,
                port=port,
                session_id=sdp.origin.session_id,
                session_version=sdp.origin.session_version,
            )
            dialog.awaiting_answer = True
        else:
            try:
                local = self._answer_again(dialog, request.body)
            except SdpParseError as error:
                self._refuse_sdp(server, request, str(error))  # the call goes on as it was
                return
        self._answer_reinvite(dialog, server, request, local)

    def _update(self, dialog: DeskDialog, request: SipRequest, server: ServerTransaction) -> None:
        """The caller's UPDATE (RFC 3311): its offer answered as a re-INVITE's, in its 200
        (nothing to ACK); one without an offer changes nothing. An offer while ours (in
        a 200) awaits its answer gets 491 (§5.2)."""
        if not request.body:
            self.layer.respond(server, make_response(request, 200))
            return
        if dialog.awaiting_answer:
            self.layer.respond(server, make_response(request, 491))
            return
        sdp = dialog.local_sdp
        sdp.origin = sdp.origin._replace(session_version=sdp.origin.session_version + 1)
        try:
            local = self._answer_again(dialog, request.body)
        except SdpParseError as error:
            self._refuse_sdp(server, request, str(error))
            return
        dialog.local_sdp = local
        headers = [("Contact", self._contact(dialog)), ("Content-Type", "application/sdp")]
        self.layer.respond(
            server, make_response(request, 200, headers=headers, body=local.serialize())
        )

    def _answer_again(self, dialog: DeskDialog, body: bytes) -> SessionDescription:
        """Our answer to the caller's new offer ``body`` (in the version the caller's
        re-INVITE or our own moved to), on our port; the call's session takes what it
        agrees. Raises SdpParseError when it cannot be answered."""
        sdp = dialog.local_sdp
        port = sdp.media[0].port if sdp.media else 0
        remote = SessionDescription.parse(body)
        local = answer(remote, address=self.address, ports=[port], session_id=sdp.origin.session_id)
        local.origin = local.origin._replace(session_version=sdp.origin.session_version)
        agreement = answered_agreement(local, remote)
        if dialog.call is not None:
            dialog.call.session.agree(agreement)
            dialog.call.recodec()
            self._holds(dialog, "caller", body)
        return local

    def _answer_reinvite(
        self,
        dialog: DeskDialog,
        server: ServerTransaction,
        request: SipRequest,
        local: SessionDescription,
    ) -> None:
        """Our 200 to a re-INVITE with ``local``, sent again over UDP until its ACK, as the
        INVITE's (RFC 3261 §13.3.1.4)."""
        dialog.local_sdp = local
        response = make_response(
            request, 200, headers=[("Content-Type", "application/sdp")], body=local.serialize()
        )
        self._send_until_acked(dialog, server, response)

    async def _reinvite_browser(
        self,
        dialog: DeskDialog,
        session: WebRtcSession,
        request: SipRequest,
        server: ServerTransaction,
    ) -> None:
        """A browser's re-INVITE, answered by aiortc on the same transports; one it cannot
        answer (or without an offer: a browser always makes one) leaves the call as it was."""
        try:
            if not request.body:
                raise WebRtcRefused("a re-INVITE to a browser leg needs an offer")
            sdp = await session.renegotiate(request.body)
            local = SessionDescription.parse(sdp.encode())
        except (WebRtcRefused, SdpParseError) as error:
            self._refuse_sdp(server, request, str(error))
            return
        self._answer_reinvite(dialog, server, request, local)

    # ------------------------------------------------------------------ the attendant's hand-over
    def _hand_over(self, dialog: DeskDialog, call: AttendantCall, kind: str, number: str) -> None:
        """The caller chose ``kind`` ``number`` in a menu.

        A voicemail is taken here, on the same call and media. A person or a ring group
        is reached by the caller's own phone: we send it a REFER (RFC 3515) with that
        number, it calls the number through the proxy as any call of its own (ringing,
        ring groups, voicemail when nobody answers), tells us how it went in NOTIFYs, and
        we hang up our leg once the new call is answered. Nothing is relayed through
        this process after that. A phone that does not follow the REFER is put through
        by the desk's own call instead (``_not_transferred``, ``_call_onward``).
        """
        if kind == OptionKind.VOICEMAIL:
            entry = self.directory.entry(number)
            plan = self.plan(entry.extension_id) if entry is not None else None
            greeting = self._greeting(plan) if plan is not None else None
            if entry is None or plan is None or not plan.enabled or greeting is None:
                call.say_goodbye("cannot_put_through", "no voicemail")
                return
            dialog.callee_id = entry.extension_id
            session = call.session
            dialog.call = VoicemailCall(
                session,
                greeting,
                self.max_message_seconds,
                inband_dtmf=session.agreement.telephone_event is None,
                on_done=lambda done: self._done(dialog, done),
            )
            return
        if dialog.from_outside:
            # The provider's end of a call in: no phone of ours to transfer; we call.
            if not self._call_onward(dialog, call):
                self.stats["not_transferred"] += 1
                call.say_goodbye("cannot_put_through", "not placed")
            return
        dialog.cseq += 1
        dialog.refers += 1
        refer_number = dialog.refers
        transport = (
            "" if dialog.peer.transport == "UDP" else f";transport={dialog.peer.transport.lower()}"
        )
        refer = SipRequest(
            "REFER",
            dialog.remote_target,
            [
                ("Max-Forwards", "70"),
                ("From", dialog.to_header),
                ("To", dialog.from_header),
                ("Call-ID", dialog.call_id),
                ("CSeq", f"{dialog.cseq} REFER"),
                ("Contact", f"<sip:attendant@{self.address}:{dialog.sip_port}{transport}>"),
                # An addr-spec without brackets: some phones (baresip 1.0) dial the
                # header's value as it stands.
                ("Refer-To", f"sip:{number}@{self.address}:{dialog.sip_port}{transport}"),
                ("Referred-By", f"<sip:attendant@{self.address}>"),
                ("Content-Length", "0"),
            ],
        )

        def answered(_client: object, response: SipResponse) -> None:
            if response.status >= 300:
                self._not_transferred(dialog, f"REFER refused ({response.status})")

        try:
            self.layer.forward(
                refer,
                dialog.peer,
                on_response=answered,
                on_timeout=lambda _client: self._not_transferred(dialog, "REFER unanswered"),
            )
        except SipParseError:
            self._not_transferred(dialog, "REFER not sent")
            return

        def timed_out() -> None:
            if dialog.refers == refer_number:
                self._not_transferred(dialog, "transfer timed out")

        # A phone that accepted the REFER but never reports the new call's end.
        self.layer.call_later(TRANSFER_SECONDS_MAX, timed_out)

    def _transfer_progress(self, dialog: DeskDialog, request: SipRequest) -> None:
        """A NOTIFY of the REFER we sent: its body (message/sipfrag) is the status line of
        the caller's new call; a final one decides."""
        first = request.body.split(b"\r\n", 1)[0].split(b"\n", 1)[0].split()
        if len(first) < 2 or not first[0].startswith(b"SIP/") or not first[1].isdigit():
            return
        status = int(first[1])
        call = dialog.call
        if (
            status < 200
            or not isinstance(call, AttendantCall)
            or call.stage is not AttendantStage.CHOSEN
        ):
            return
        if status < 300:
            self.stats["transferred"] += 1
            call.finish("transferred")
        else:
            self._not_transferred(dialog, f"new call failed ({status})")

    def _not_transferred(self, dialog: DeskDialog, reason: str) -> None:
        """The caller's phone did not follow the REFER: the desk calls the choice itself
        (``_call_onward``), except after a REFER accepted and never reported on (the
        phone may be in that call) or when it cannot; then goodbye."""
        call = dialog.call
        if self.dialogs.get(dialog.call_id) is not dialog or not isinstance(call, AttendantCall):
            return
        if call.stage is not AttendantStage.CHOSEN:
            return
        logger.info("call %s not transferred: %s", dialog.call_id, reason)
        if reason != "transfer timed out" and self._call_onward(dialog, call):
            return
        self.stats["not_transferred"] += 1
        call.say_goodbye("cannot_put_through", reason)

    # ------------------------------------------------------------------ putting through itself
    def _call_onward(self, dialog: DeskDialog, call: AttendantCall) -> bool:
        """Call the caller's choice as the caller (the proxy routes it as their own call:
        ring groups, forwarding, voicemail), with our own RTP offer; the caller hears the
        ring tone meanwhile. False when it cannot be placed."""
        if dialog.from_outside:
            caller: DirectoryEntry | None = DirectoryEntry(
                extension_id=0, number=dialog.caller_number, display_name=dialog.caller_name,
                realm="", ha1_md5="", ha1_sha256="",
            )  # fmt: skip
        else:
            caller = self.directory.entry(dialog.caller_number)
        if self.placer is None or caller is None or call.chosen is None:
            return False
        try:
            rtp, rtcp = self.ports.open()
        except NoMediaPort:
            self.stats["no_port"] += 1
            return False
        port = rtp.getsockname()[1]
        self._versions += 1
        # The caller's law first: a callee that takes it needs no re-encoding.
        laws = [Codec("0", "PCMU", 8000), Codec("8", "PCMA", 8000)]
        if call.session.payload_type == PCMA:
            laws.reverse()
        local = offer(address=self.address, port=port, codecs=laws, session_id=str(self._versions))
        number = call.chosen[1]
        name = caller.display_name or caller.number
        leg = self.placer.place(
            caller,
            number,
            call_id=f"menu-{new_tag()}{new_tag()}",
            offer=local.serialize(),
            display_name=f"{name} ({call.menu.name})",
            ring_seconds=self.onward_ring_seconds,
            on_answer=lambda response: self._onward_answered(dialog, response),
            on_failure=lambda status: self._onward_failed(dialog, status),
            on_bye=lambda: self._onward_hung_up(dialog),
            updates=True,  # answered by the desk while it relays, passed on once out
        )
        dialog.onward = Onward(leg, rtp, rtcp, port, local, number)
        self.stats["called_onward"] += 1
        call.ringing(_RINGBACK)
        return True

    def _ringing_call(self, dialog: DeskDialog) -> AttendantCall | None:
        call = dialog.call
        if (
            self.dialogs.get(dialog.call_id) is not dialog
            or not isinstance(call, AttendantCall)
            or call.stage is not AttendantStage.RINGING
        ):
            return None
        return call

    def _onward_answered(self, dialog: DeskDialog, response: SipResponse) -> None:
        """Answered: the caller and the callee are bridged through two RTP sessions."""
        call, onward = self._ringing_call(dialog), dialog.onward
        if call is None or onward is None:
            return
        try:
            remote = SessionDescription.parse(response.body)
            agreement = audio_agreement(remote, remote)
        except SdpParseError as error:
            self._close_onward(dialog)
            call.say_goodbye("cannot_put_through", f"answer unusable ({error})")
            return
        session = RtpSession(
            onward.rtp, onward.rtcp, agreement, lambda digit: self._onward_digit(dialog, digit)
        )
        onward.session = session
        # The callee's re-INVITEs and UPDATEs are the desk's to answer while it relays.
        onward.leg.on_offer = onward.leg.on_update = lambda request: self._onward_offer(
            dialog, request
        )
        call.put_through()
        dialog.call = BridgedCall(
            call.session, session, on_done=lambda done: self._done(dialog, done)
        )
        self._background(session.start())
        self.stats["bridged"] += 1
        logger.info("call %s put through to %s by the desk", dialog.call_id, call.chosen)
        # A browser's media cannot go to a phone; a provider's goes to it when the
        # node lets providers' media leave the desk (a refusal keeps the relaying).
        if isinstance(call.session, RtpSession) and (
            self.outside_steps_out or not dialog.from_outside
        ):
            self._step_out(dialog)

    def _step_out(self, dialog: DeskDialog) -> None:
        """Have the caller's and the callee's phones send their media to each other
        (RFC 3725: the caller's offer, asked for in a re-INVITE without SDP, goes to the
        callee in a re-INVITE, whose answer goes to the caller in the ACK). The desk then
        keeps the signalling only: each side's re-INVITE and UPDATE (hold, resume, codecs)
        is passed to the other (``offer_passing.py``), and so is each side's INFO. A refusal on
        either side keeps the bridge, each side's offers answered by the desk
        (``_onward_offer``; a hold plays the music to the other side)."""
        onward, bridge = dialog.onward, dialog.call
        if onward is None or not isinstance(bridge, BridgedCall):
            return
        phone = Dialog(
            call_id=dialog.call_id,
            local_tag=dialog.local_tag,
            remote_tag=dialog.remote_tag,
            local_uri=dialog.local_uri,
            remote_uri=dialog.remote_uri,
            remote_target=dialog.remote_target,
            route_set=[],  # as the desk's other requests (BYE, REFER): straight to the phone
            local_seq=dialog.cseq,
            remote_seq=None,
            is_uac=False,
            state="confirmed",
        )
        passing = OfferPassing(
            self.layer,
            phone,
            dialog.peer,
            self._contact(dialog),
            onward.leg,
            lambda: self._end(dialog, send_bye=True),
            phone_updates=dialog.updates,
        )
        onward.passing = passing
        onward.leg.on_offer = passing.from_placed

        def keep(offer: bytes) -> bytes:
            # The callee refused the caller's offer: we answer it, the bridge stays.
            sdp = dialog.local_sdp
            sdp.origin = sdp.origin._replace(session_version=sdp.origin.session_version + 1)
            try:
                local = self._answer_again(dialog, offer)
            except SdpParseError as error:
                logger.info("call %s: the caller's offer unusable (%s)", dialog.call_id, error)
                self.layer.call_later(0, lambda: self._end(dialog, send_bye=True))
                return b""
            dialog.local_sdp = local
            return local.serialize()

        def take_back() -> bytes:
            # The callee took the caller's offer with its audio refused (no codec in
            # common): it gets our own offer again, the bridge staying.
            sdp = onward.offer
            sdp.origin = sdp.origin._replace(session_version=sdp.origin.session_version + 1)
            return sdp.serialize()

        def joined(direct: bool, taken_back: SipResponse | None) -> None:
            if self.dialogs.get(dialog.call_id) is not dialog or dialog.onward is not onward:
                return
            _after_passing(dialog, passing)
            if not direct:
                onward.passing = None
                # The callee's re-INVITEs (hold, resume) are answered by the desk again.
                onward.leg.on_offer = lambda request: self._onward_offer(dialog, request)
                if taken_back is not None and onward.session is not None:
                    self._agree_onward(onward.session, taken_back)
                logger.info("call %s: the desk stays in the media path", dialog.call_id)
                return
            bridge.direct = True
            onward.stepped_out = True
            onward.leg.on_info = passing.info_from_placed  # keys in INFO: on to the caller
            onward.leg.on_update = passing.update_from_placed  # on to the caller
            for session in (bridge.session, onward.session):
                if session is not None:
                    session.close()
                    self.ports.release(session.local_port)
            self.stats["stepped_out"] += 1
            logger.info("call %s: the phones talk directly", dialog.call_id)

        def quiet(silent: bool) -> None:
            bridge.quiet = silent

        passing.join_media(keep, take_back, joined, quiet)

    def _onward_offer(self, dialog: DeskDialog, request: SipRequest) -> None:
        """The callee's re-INVITE or UPDATE while the desk relays: its offer answered by
        the desk (its own port, the direction mirrored: ``recvonly`` to a hold); one
        without an offer gets the desk's offer (a re-INVITE's answer then in its ACK)."""
        onward = dialog.onward
        if onward is None or onward.session is None or not isinstance(dialog.call, BridgedCall):
            return
        if onward.passing is not None:  # the step-out's offers are on their way
            onward.leg.respond(make_response(request, 491))
            return
        session, placed = onward.session, onward.leg
        ours = onward.offer
        ours.origin = ours.origin._replace(session_version=ours.origin.session_version + 1)
        headers = [("Contact", placed.contact)]
        if not request.body:
            if request.method == "UPDATE":
                placed.respond(make_response(request, 200, headers=headers))
                return
            description = offer(
                address=self.address,
                port=onward.port,
                session_id=ours.origin.session_id,
                session_version=ours.origin.session_version,
            )
            onward.offer = description
            headers.append(("Content-Type", "application/sdp"))
            placed.respond_until_acked(
                make_response(request, 200, headers=headers, body=description.serialize()),
                lambda: self._end(dialog, send_bye=True),
                on_ack=lambda answer: self._onward_answer(dialog, answer),
            )
            return
        try:
            remote = SessionDescription.parse(request.body)
            local = answer(
                remote, address=self.address, ports=[onward.port], session_id=ours.origin.session_id
            )
            local.origin = local.origin._replace(session_version=ours.origin.session_version)
            agreement = answered_agreement(local, remote)
        except SdpParseError as error:
            logger.info("call %s: the callee's offer refused (%s)", dialog.call_id, error)
            placed.respond(make_response(request, 488))
            return
        session.agree(agreement)
        onward.offer = local
        headers.append(("Content-Type", "application/sdp"))
        ok = make_response(request, 200, headers=headers, body=local.serialize())
        if request.method == "UPDATE":
            placed.respond(ok)  # nothing to ACK
        else:  # sent again until its ACK; none in 64*T1 ends the call
            placed.respond_until_acked(ok, lambda: self._end(dialog, send_bye=True))
        self._holds(dialog, "onward", request.body)

    def _onward_answer(self, dialog: DeskDialog, body: bytes) -> None:
        """The callee's answer, in its ACK, to the offer the desk made in its 200."""
        onward = dialog.onward
        if onward is None or onward.session is None:
            return
        try:
            remote = SessionDescription.parse(body)
            onward.session.agree(audio_agreement(remote, remote))
        except SdpParseError as error:
            logger.info("call %s: the callee's answer unusable (%s)", dialog.call_id, error)
            return
        self._holds(dialog, "onward", b"")

    def _holds(self, dialog: DeskDialog, side: str, sdp: bytes) -> None:
        """A new offer ``sdp`` from ``side`` of a call the desk relays: a hold (the other side
        then hears the music of the holder's company, the chime till it is read) or
        not."""
        bridge = dialog.call
        if not isinstance(bridge, BridgedCall) or bridge.direct:
            return
        holding = bool(sdp) and puts_on_hold(sdp)
        if holding == (side in bridge.holding):
            return
        bridge.hold(side, holding)
        logger.info("call %s: the %s %s", dialog.call_id, side, "holds" if holding else "resumes")
        if not holding:
            return
        if bridge.music is None:
            bridge.music = self.holds.chime
        onward = dialog.onward
        number = dialog.caller_number if side == "caller" else onward.number if onward else ""

        async def load() -> None:
            bridge.music = await self.holds.music_of(number)

        self._background(load())

    @staticmethod
    def _agree_onward(session: RtpSession, response: SipResponse) -> None:
        """The callee's answer to our offer made again: its session follows it."""
        try:
            remote = SessionDescription.parse(response.body)
            session.agree(audio_agreement(remote, remote))
        except SdpParseError as error:
            # Refused, or no audio: the callee's side stays silent till the call ends.
            logger.info("callee's media not taken back (%s, %s)", response.status, error)

    def _onward_failed(self, dialog: DeskDialog, status: int) -> None:
        """Busy or no answer: the reason, and the menu again; anything else: goodbye."""
        call = self._ringing_call(dialog)
        if call is None:
            return
        self._close_onward(dialog)
        if status in BUSY:
            call.not_reached("busy", f"busy ({status})")
        elif status in NOT_ANSWERED:
            call.not_reached("no_answer", f"no answer ({status})")
        else:
            self.stats["not_transferred"] += 1
            call.say_goodbye("cannot_put_through", f"call failed ({status})")

    def _onward_hung_up(self, dialog: DeskDialog) -> None:
        if isinstance(dialog.call, BridgedCall) and self.dialogs.get(dialog.call_id) is dialog:
            dialog.call.finish("callee hung up")

    def _onward_digit(self, dialog: DeskDialog, digit: str) -> None:
        if isinstance(dialog.call, BridgedCall):
            dialog.call.onward_digit(digit)

    def _close_onward(self, dialog: DeskDialog) -> None:
        """Hang up the desk's own call (CANCEL while it rings, BYE once answered) and
        free its ports."""
        onward = dialog.onward
        if onward is None:
            return
        dialog.onward = None
        onward.leg.hang_up()
        onward.leg.release()
        if onward.passing is not None:
            onward.passing.close()
            _after_passing(dialog, onward.passing)
        if onward.stepped_out:
            return  # its session closed and its port freed then
        if onward.session is not None:
            onward.session.close()
        else:
            onward.rtp.close()
            onward.rtcp.close()
        self.ports.release(onward.port)

    def _digit(self, dialog: DeskDialog, digit: str) -> None:
        if dialog.call is not None:
            dialog.call.digit(digit)

    # ------------------------------------------------------------------ the end
    def _done(self, dialog: DeskDialog, call: AnsweredCall) -> None:
        """The call has finished what it does (it ended itself, or the caller hung up)."""
        logger.info("call %s to the desk ended: %s", dialog.call_id, call.ended_by)
        self._end(dialog, send_bye=call.ended_by != "caller hung up")
        if not isinstance(call, VoicemailCall):
            return
        samples = call.recording.message()
        if samples is None:
            return
        message = NewMessage(
            extension_id=dialog.callee_id,
            caller_number=dialog.caller_number,
            caller_name=dialog.caller_name,
            received_at=dialog.started,
            wav=b"",
            duration=len(samples) / 8000,
        )
        self._background(self._store(message, samples))

    async def _store(self, message: NewMessage, samples: Samples) -> None:
        loop = asyncio.get_running_loop()

        def store() -> int | None:
            row = do_store_message(replace(message, wav=wav_bytes(samples)))
            return row.pk if row is not None else None

        try:
            stored = await loop.run_in_executor(None, store)
        except Exception:
            logger.exception("voicemail for extension %s not stored", message.extension_id)
            return
        if stored is not None:
            self.stats["stored"] += 1
            self.stored.append(stored)

    def _end(self, dialog: DeskDialog, *, send_bye: bool) -> None:
        if self.dialogs.get(dialog.call_id) is not dialog:
            return
        del self.dialogs[dialog.call_id]
        if dialog.ok is not None:
            dialog.ok.acknowledged()  # nothing more is sent in a dialog that is over
        self._close_onward(dialog)
        call = dialog.call
        if call is not None:
            call.finish("ended")
            if not (isinstance(call, BridgedCall) and call.direct):  # else closed and freed
                call.session.close()
                self.ports.release(call.session.local_port)
        else:
            port = dialog.local_sdp.media[0].port if dialog.local_sdp.media else 0
            self.ports.release(port)
        if send_bye:
            self._send_bye(dialog)

    def _send_bye(self, dialog: DeskDialog) -> None:
        dialog.cseq += 1
        bye = SipRequest(
            "BYE",
            dialog.remote_target,
            [
                ("Max-Forwards", "70"),
                ("From", dialog.to_header),
                ("To", dialog.from_header),
                ("Call-ID", dialog.call_id),
                ("CSeq", f"{dialog.cseq} BYE"),
                ("Content-Length", "0"),
            ],
        )
        try:
            self.layer.forward(
                bye, dialog.peer, on_response=lambda *_: None, on_timeout=lambda *_: None
            )
        except SipParseError:
            logger.debug("BYE to %s not sent", dialog.remote_target)

    # ------------------------------------------------------------------ others' calls
    def bridge_browser(self, browser_number: str, other_number: str) -> BrowserBridge:
        """A bridge between a browser's leg and a plain-RTP leg of a call the PBX keeps
        back to back (``media/browser_bridge.py``), relayed on this desk's clock."""
        self.stats["browsers"] += 1
        return BrowserBridge(
            self.ports,
            self.address,
            self.holds,
            self.relays,
            self._background,
            browser_number=browser_number,
            other_number=other_number,
        )

    # ------------------------------------------------------------------ background
    def _background(self, work: Coroutine[object, object, None]) -> None:
        """Run ``work`` on the loop, holding it until done (the loop keeps only weak
        references to tasks)."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run_clock(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time()
        while True:
            deadline += TICK
            delay = deadline - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.2:
                deadline = loop.time()  # far behind (the machine stalled): do not burst
            now = loop.time()
            for dialog in list(self.dialogs.values()):
                if dialog.call is not None:
                    try:
                        dialog.call.tick(now)
                    except Exception:
                        logger.exception("voicemail call %s failed", dialog.call_id)
                        self._end(dialog, send_bye=True)
            for relay in list(self.relays):
                try:
                    relay.tick(now)
                except Exception:
                    logger.exception("bridged call failed")
                    relay.finish("failed")  # its owner hangs up both legs and frees it
            # Every caller's frame of this tick is in: each conference room mixes once.
            self.conferences.mix(now)
            try:
                self.holds.tick(now)
            except Exception:
                logger.exception("hold music failed")

    async def run_plans(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                plans, sounds = await loop.run_in_executor(None, self._read_plans)
                self.plans = plans
                self.sounds = sounds
            except Exception:
                logger.exception("voicemail boxes not read")
            await asyncio.sleep(PLANS_REFRESH)

    def _read_plans(self) -> tuple[dict[int, BoxPlan], dict[Path, Samples]]:
        """In a worker thread: the boxes, and every greeting they name, loaded."""
        plans = box_plans()
        sounds: dict[Path, Samples | None] = {}
        for language in LANGUAGES:
            for name in PROMPTS:
                if (name, language) not in self.prompts:
                    self.prompts[(name, language)] = _load_or_silence(prompt_path(name, language))
            key = Path(f"standard-{language}")
            sounds[key] = (
                self.sounds.get(key)
                if key in self.sounds
                else _load(prompt_path("greeting", language))
            )
        for plan in plans.values():
            if plan.greeting is not None and plan.greeting not in sounds:
                sounds[plan.greeting] = (
                    self.sounds.get(plan.greeting)
                    if plan.greeting in self.sounds
                    else _load(plan.greeting)
                )
        return plans, {key: sound for key, sound in sounds.items() if sound is not None}

    def close(self) -> None:
        for dialog in list(self.dialogs.values()):
            self._end(dialog, send_bye=True)
        for relay in list(self.relays):
            relay.finish("closed")  # its owner hangs up both legs
        self.holds.close_all()
        self._writer.shutdown(wait=False)


_SILENCE = np.zeros(1600, dtype=np.int16)
_RINGBACK = ringback()
# Wrong PINs (*98) an extension may enter per hour: a 4-digit PIN has 10,000 values,
# so guessing one this way takes about a month of calls.
PIN_GUESSES_PER_HOUR = 10


class PinGuesses:
    """Wrong PINs per calling extension over the last hour (bounded: callers are
    authenticated extensions)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._wrong: dict[str, list[float]] = {}

    def _recent(self, caller: str) -> list[float]:
        since = self.clock() - 3600
        recent = [at for at in self._wrong.get(caller, []) if at > since]
        if recent:
            self._wrong[caller] = recent
        else:
            self._wrong.pop(caller, None)
        return recent

    def allowed(self, caller: str) -> bool:
        return len(self._recent(caller)) < PIN_GUESSES_PER_HOUR

    def wrong(self, caller: str) -> None:
        self._wrong.setdefault(caller, []).append(self.clock())


class _Backend:
    """The listening call's reads and writes, run in a worker thread and answered on the
    event loop (a call that has ended meanwhile ignores the answer)."""

    def __init__(self, desk: MediaDesk, language: str, caller: str) -> None:
        self.desk = desk
        self.language = language
        self.caller = caller

    def prompt(self, name: str) -> Samples:
        return self.desk.prompts.get((name, self.language), _SILENCE)

    def _run(self, work: Callable[[], object], then: Callable[[object], None] | None) -> None:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(None, work)

        def done(finished: asyncio.Future[object]) -> None:
            if finished.exception() is not None:
                logger.error("voicemail listening failed", exc_info=finished.exception())
            elif then is not None:
                then(finished.result())

        future.add_done_callback(done)

    def open_box(
        self, extension_id: int, then: Callable[[Samples, list[tuple[int, Samples]]], None]
    ) -> None:
        language = self.language

        def read() -> tuple[Samples, list[tuple[int, Samples]]]:
            items = listening_queue(extension_id)
            new = sum(not item.heard for item in items)
            summary = _load_or_silence(summary_path(new, len(items) - new, language))
            loaded = [(item.message_id, _load(item.audio)) for item in items]
            return summary, [(key, audio) for key, audio in loaded if audio is not None]

        self._run(read, lambda result: then(*result))  # type: ignore[misc]

    def check_pin(self, number: str, pin: str, then: Callable[[int | None], None]) -> None:
        guesses = self.desk.pin_guesses
        if not guesses.allowed(self.caller):
            then(None)  # too many wrong PINs from this extension: not even checked
            return

        def checked(extension_id: object) -> None:
            if extension_id is None:
                guesses.wrong(self.caller)
            then(extension_id)  # type: ignore[arg-type]

        self._run(lambda: extension_by_pin(number, pin), checked)

    def mark_heard(self, message_id: int) -> None:
        self._run(lambda: do_mark_heard_by_id(message_id), None)

    def delete(self, message_id: int) -> None:
        self._run(lambda: do_delete_message_by_id(message_id), None)


def _load_or_silence(path: Path) -> Samples:
    sound = _load(path)
    return _SILENCE if sound is None else sound


def _load(path: Path) -> Samples | None:
    try:
        return read_telephone_wav(path.read_bytes())
    except (OSError, ValueError, EOFError) as error:
        logger.warning("greeting %s not readable: %s", path, error)
        return None


def _after_passing(dialog: DeskDialog, passing: OfferPassing) -> None:
    """Our dialog with the caller as the passing of offers left it: our next request (the
    BYE) follows the re-INVITEs passed to the caller, and goes to the remote target its
    requests and answers last named (RFC 3261 §12.2)."""
    dialog.cseq = max(dialog.cseq, passing.phone.local_seq or 0)
    dialog.remote_target = passing.phone.remote_target
    dialog.peer = passing.peer


def _refresh_target(dialog: DeskDialog, request: SipRequest) -> None:
    """The caller's re-INVITE or UPDATE, answered by the desk: its Contact, if one, is the
    caller's remote target from now on (RFC 3261 §12.2.2, RFC 3311 §5.2)."""
    contacts = request.contacts
    if len(contacts) == 1:
        dialog.remote_target = contacts[0].uri_text
        dialog.peer = peer_for_target(dialog.peer, dialog.remote_target)


def _allow(dialog: DeskDialog) -> str:
    """The requests the desk takes in ``dialog``: UPDATE too, but for a browser's call."""
    session = dialog.call.session if dialog.call is not None else None
    return ALLOW if isinstance(session, WebRtcSession) else ALLOW_UPDATE


def info_digit(request: SipRequest) -> str | None:
    """The key of an ``application/dtmf-relay`` INFO (``Signal=5``), as many phones send."""
    if (request.content_type or "").split(";")[0].strip().lower() != "application/dtmf-relay":
        return None
    for line in request.body.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition("=")
        if (
            name.strip().lower() == "signal"
            and len(value.strip()) == 1
            and value.strip() in "0123456789*#ABCD"
        ):
            return value.strip()
    return None


def answerable_media(request: SipRequest) -> bool:
    """Whether the desk can answer the INVITE's offer as far as security goes: plain RTP,
    or a browser's DTLS-SRTP (``UDP/TLS/RTP/SAVPF``, answered with aiortc).

    SRTP keyed in the SDP (SDES, ``RTP/SAVP`` with ``a=crypto``) is neither: that call
    keeps the answer it had (480, 486) rather than a voicemail that would refuse its
    media with 488. Any other offer, malformed or without a usable codec, is the desk's
    to judge (and to refuse with 488)."""
    if not request.body:
        return True
    try:
        remote = SessionDescription.parse(request.body)
    except SdpParseError:
        return True
    audio = [media for media in remote.media if media.media == "audio" and media.port != 0]
    return (
        not audio
        or any("SAVP" not in media.proto for media in audio)
        or webrtc_offered(request.body)
    )


# A room's record is written in one transaction per change, each safe to repeat.
LOCKED_WRITE_ATTEMPTS = 6


def _written(work: Callable[[], object]) -> object:
    """``work`` done, tried again while SQLite says the database is locked: another
    connection held its write lock past the busy timeout, or (connections sharing one
    cache, as in-memory databases do) at once. Waits 50, 100, 200, 400 and 800 ms
    between tries, so a caller's join is recorded late rather than lost."""
    for attempt in range(LOCKED_WRITE_ATTEMPTS - 1):
        try:
            return work()
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.05 * 2**attempt)
    return work()
