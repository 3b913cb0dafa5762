"""Call forwarding: where an extension's calls go instead of, or after, its phones.

Four cases, each with its own target (an extension, a ring group, a menu or a
conference room the media desk answers, or a number outside through the member's
company trunk; ``forward_targets`` says which may be set):

* **always**: the callee's phones do not ring, the call goes straight on;
* **busy**: every phone of the callee said busy (486/600);
* **no answer**: nobody answered within the callee's seconds (or the phones
  timed out: 408/480);
* **unregistered**: the callee has no phone connected.

A forward adds a ``Diversion`` header (RFC 5806) naming the extension that
forwarded and why, so the phone that rings next shows it. The Diversion headers
the call already carries are its chain of forwards: a target already in it (A
forwards to B, B forwards back to A) is a loop, and that forward is not taken:
the call ends where it is, as if the forward were not set (voicemail, busy...).
A call follows at most ``MAX_FORWARDS`` forwards.

**Follow-me** rings one more number beside the member's phones after their seconds:
an extension's phones; a ring group's people as a call to the group rings them (all at
once, or one after another for the group's seconds: the proxy's own hunt), the member's
phones ringing on all along; or a number outside as one more branch. A menu or a
conference room cannot ring: the desk answers the call there and the phones are
cancelled, as when one of them answers (when the desk cannot take it after all, the call
goes on as an unanswered one: the no-answer forward, voicemail, 480).

Each forward and follow-me is judged at the call as the phone page judges a stored one
(``forward_targets.judge_forward_target``, asked of ``RunningNumbers``, what this PBX
holds): one no longer allowed (a class of numbers the company no longer allows, a
meeting room the member may no longer book, a target gone) is skipped, as if not set.

A forward to a number outside is a call out by the member who forwards: it goes
through their company's trunk and its toll-fraud guard (their classes, their
minutes), and its call record names them as the caller. The first leg's record
says *forwarded*.

**Feature codes** from any phone of the member (the vertical service codes most
desk phones and PBXs know): ``*72<number>`` forwards every call, ``*73`` stops;
``*90<number>`` when busy, ``*91`` stops; ``*92<number>`` when not answered,
``*93`` stops. The PBX stores the change, then its media desk answers the call,
says the new state in the member's language (espeak-ng, each sentence spoken once
and cached, like voicemail's prompts) and hangs up; the 200 carries the state in a
Warning too, which desk phones show. Without a media desk (or for media it cannot
answer) the answer is ``480`` with the state in its reason phrase and the Warning.
A refused code is said the same way: a number that cannot be a target (the reason,
"Calls cannot be forwarded to the same extension."), a code without its number or
with one too many (how to dial it); when that cannot be said the answer is ``403``
with the reason in a Warning, or ``484 Address Incomplete`` (``Dial The Code Alone``).

The rules are read into memory at start-up and every few seconds after, in a
worker thread; a feature code's change is in memory as soon as it is stored.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from officina.core.errors import OfficinaError
from officina.pbx.actions import check_set_forward_target_by_id
from officina.pbx.cdr import wall_time
from officina.pbx.forward_targets import judge_forward_target
from officina.pbx.models import CallRecord
from officina.pbx.newest_read import NewestRead
from officina.pbx.proxy import new_row
from officina.pbx.selectors import ForwardingRule, forwarding_rule, forwarding_rules
from officina.sip import make_response
from officina.voicemail.sound import SoundError, cached_speech, read_telephone_wav

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from officina.pbx.actions import CallRow
    from officina.pbx.directory import Directory
    from officina.pbx.forward_targets import RoomEntry
    from officina.pbx.media.g711 import Samples
    from officina.pbx.proxy import Proxy, ResponseContext
    from officina.pbx.selectors import DirectoryEntry
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.pbx.transports.base import Flow
    from officina.sip import ServerTransaction, SipRequest
    from officina.trunks.selectors import CallOut

logger = logging.getLogger("officina.pbx.forwarding")

REFRESH_SECONDS = 5.0
# Forwards one call may follow: a chain longer than this is a loop we failed to see
# (through a number outside, say), or a setup nobody meant.
MAX_FORWARDS = 5
Outcome = CallRecord.Outcome
Direction = CallRecord.Direction

# Feature code → (the case it sets, whether it turns it on).
FEATURE_CODES = {
    "*72": ("always", True),
    "*73": ("always", False),
    "*90": ("busy", True),
    "*91": ("busy", False),
    "*92": ("no_answer", True),
    "*93": ("no_answer", False),
}
_FEATURE_CODE = re.compile(r"(\*7[23]|\*9[0-3])(.*)")
# What the member hears once a feature code's change is stored.
CONFIRMATIONS = {
    ("always", True): _("Every call is now forwarded to %(number)s."),
    ("always", False): _("Forwarding of every call is off."),
    ("busy", True): _("Calls while you are busy are now forwarded to %(number)s."),
    ("busy", False): _("Forwarding when you are busy is off."),
    ("no_answer", True): _("Calls you do not answer are now forwarded to %(number)s."),
    ("no_answer", False): _("Forwarding of calls you do not answer is off."),
}
# What the member hears when a code comes without its number, or with one it takes none.
NUMBER_MISSING = _("Dial the code followed by the number to forward your calls to.")
NUMBER_EXTRA = _("Dial this code alone, without a number.")
# RFC 5806 §4's diversion reasons for each case.
_REASONS = {
    "always": "unconditional",
    "busy": "user-busy",
    "no_answer": "no-answer",
    "unregistered": "unavailable",
}
_DIVERTED_FROM = re.compile(r"<?sips?:([^@;>]+)@")


def diverted_numbers(request: SipRequest) -> list[str]:
    """The numbers that forwarded this call already, in the order of its Diversion
    headers (the newest first)."""
    numbers = []
    for value in request.split_header("Diversion"):
        found = _DIVERTED_FROM.search(value)
        if found:
            numbers.append(found.group(1))
    return numbers


class RunningNumbers:
    """The numbers as the running PBX holds them (its directory, ring groups, the desk's
    menus and rooms, the trunks' rules): what a call meets now. The book the PBX judges
    a forward's target in, as the phone page judges it in the database."""

    def __init__(self, proxy: Proxy, directory: Directory) -> None:
        self.proxy = proxy
        self.directory = directory

    def extension_name(self, number: str) -> str | None:
        entry = self.directory.entry(number)
        return (entry.display_name or number) if entry is not None else None

    def ring_group_name(self, number: str) -> str | None:
        groups = self.proxy.ring_groups
        plan = groups.plan(number) if groups is not None else None
        return plan.name if plan is not None else None

    def menu_name(self, number: str) -> str | None:
        desk = self.proxy.unanswered
        return desk.menu_name(number) if desk is not None else None

    def room(self, number: str) -> RoomEntry | None:
        desk = self.proxy.unanswered
        return desk.room(number) if desk is not None else None

    def call_out(self, member_id: int, number: str) -> CallOut | None:
        trunks = self.proxy.trunks
        if trunks is None:
            return None
        return trunks.providers.snapshot.judge_call_out(member_id, number, 0.0)


class Forwarder:
    def __init__(
        self, proxy: Proxy, layer: PbxTransactions, directory: Directory, domain: str
    ) -> None:
        self.proxy = proxy
        self.layer = layer
        self.directory = directory
        self.domain = domain
        self.rules: dict[int, ForwardingRule] = {}
        self.numbers = RunningNumbers(proxy, directory)
        self._read = NewestRead(forwarding_rules, self._keep)

    def load(self) -> None:
        """Read every extension's forwarding (synchronous: from a worker thread)."""
        self._read()

    async def run_refresh(self, every: float = REFRESH_SECONDS) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(every)
            try:
                await loop.run_in_executor(None, self._read)
            except Exception:
                logger.exception("could not read the forwarding; keeping the last copy")

    def _keep(self, rules: dict[int, ForwardingRule]) -> None:
        self.rules = rules

    def rule(self, callee: DirectoryEntry) -> ForwardingRule | None:
        return self.rules.get(callee.extension_id)

    def in_force(self, callee: DirectoryEntry, number: str) -> bool:
        """May ``callee``'s calls go to ``number`` now? The phone page's judgement of a
        stored forward (``judge_forward_target``), asked of what this PBX holds: a forward
        saved before a rule changed (a class of numbers the company no longer allows, a
        meeting room the member may no longer book, a menu removed) is not followed."""
        try:
            judge_forward_target(callee.member_id, number, self.numbers)
        except OfficinaError as error:
            with translation.override("en"):
                logger.info(
                    "forward of %s to %s not in force: %s", callee.number, number, error.message
                )
            return False
        return True

    def forwards_later(self, callee: DirectoryEntry) -> bool:
        """Does ``callee`` forward after their phones have rung (busy, no answer)?"""
        rule = self.rules.get(callee.extension_id)
        return rule is not None and bool(rule.busy or rule.no_answer)

    def follow_me_after(self, callee: DirectoryEntry) -> float | None:
        """After how long ``callee``'s follow-me number rings too (None: it does not)."""
        rule = self.rules.get(callee.extension_id)
        return float(rule.follow_me_seconds) if rule is not None and rule.follow_me else None

    def follow_me(
        self, context: ResponseContext, callee: DirectoryEntry, request: SipRequest
    ) -> None:
        """Ring ``callee``'s follow-me number too, if the call is still ringing: an
        extension's phones, a ring group's people as the group rings them, or a number
        outside through their company's trunk as a call out of theirs (not rung when the
        guard would refuse it; for a browser's call without rtpengine, through the desk's
        branch, and not rung when no desk can bridge it)."""
        rule = self.rules.get(callee.extension_id)
        if context.finished or rule is None or not rule.follow_me:
            return
        if not self.in_force(callee, rule.follow_me):
            return
        number, wall = rule.follow_me, self.layer.wall()
        people = self._people_of(number, wall)
        if people is not None:
            steps, step_seconds = people
            reachable = [
                self.proxy.reachable(
                    [entry for entry in step if entry.extension_id != callee.extension_id], wall
                )
                for step in steps
            ]
            self.proxy.hunt_also(context, reachable, step_seconds, request, number)
            return
        desk = self.proxy.unanswered
        flow = self.layer.flow_of(context.server)
        if desk is not None and flow is not None and desk.answers(number):
            # A menu or a room cannot ring beside the phones: it answers, they stop.
            server, caller_number = context.server, context.row.caller_number
            from_outside = context.row.caller_id is None
            self.proxy.ringing_to_desk(
                context, request, flow,
                lambda: desk.take_forwarded(
                    server, request, caller_number, number, flow, callee, from_outside=from_outside
                ),
            )  # fmt: skip
            return
        trunks = self.proxy.trunks
        line = trunks.follow_me_branch(callee, number) if trunks is not None else None
        if line is None:
            logger.info("follow-me of %s to %s not rung", callee.number, number)
            return
        provider, peer, leg, charge = line
        if self.proxy.media_can_meet([(provider, peer)], context.caller_media):
            leg.present(request)
            self.proxy.ring_also(context, [(provider, peer)], request, leg.answer_challenge, charge)
            return
        # A provider speaks plain RTP: a browser's call rings it through the desk's branch,
        # whose own call to the provider carries the trunk's caller ID and challenge
        # answer; the member's minutes are spent by this call, once, when it answers.
        row = context.row
        caller = self.directory.by_id.get(row.caller_id) if row.caller_id is not None else None
        branch = self.proxy.provider_branch(
            request, context.caller_media, caller, provider, peer, leg, number
        )
        if branch is None:
            logger.info("follow-me of %s to %s not rung: no media bridge", callee.number, number)
            return
        self.proxy.ring_also(context, [branch], request, charge=charge)

    def _people_of(
        self, number: str, wall: float
    ) -> tuple[list[list[DirectoryEntry]], float] | None:
        """Whose phones a follow-me to ``number`` rings, step by step, and how long each
        step rings before the next: the extension's (one step); a ring group's people in
        the steps a call to the group rings (``RingGroups.steps``: everyone in one, or one
        person a step, skipping who is on a call or does not take the group's calls), for
        the group's seconds; or where the group sends its calls out of hours. None:
        ``number`` is neither."""
        entry = self.directory.entry(number)
        if entry is not None:
            return [[entry]], 0.0
        groups = self.proxy.ring_groups
        group = groups.plan(number) if groups is not None else None
        if groups is None or group is None:
            return None
        group, entry = groups.route(group, self.directory, wall)
        if entry is not None:
            return [[entry]], 0.0
        if group is None:
            return [], 0.0  # closed, and the group sends its calls nowhere then
        return groups.steps(group, self.directory), float(group.ring_seconds)

    def ring_seconds(self, callee: DirectoryEntry) -> float | None:
        """How long the callee's phones ring before the no-answer forward."""
        rule = self.rules.get(callee.extension_id)
        return float(rule.no_answer_seconds) if rule is not None and rule.no_answer else None

    # ------------------------------------------------------------------ forwarding
    def forward(
        self,
        case: str,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        row: CallRow,
        caller: DirectoryEntry | None,
        callee: DirectoryEntry,
        now: float,
        status: int = 0,
    ) -> bool:
        """Send the call on to where ``callee`` forwards it in ``case``; False when they
        do not, or when the target is already in the call's chain of forwards (a loop).

        ``row`` is the record of the leg that ends here: it is written as forwarded
        (with ``status``, the answer that made it forward, if any)."""
        rule = self.rules.get(callee.extension_id)
        target = getattr(rule, case) if rule is not None else ""
        if not target or not self.in_force(callee, target):
            return False  # as if not set: the call goes on as it would without
        chain = diverted_numbers(request)
        if target == callee.number or target in chain or len(chain) >= MAX_FORWARDS:
            logger.info(
                "not forwarding %s from %s to %s: a loop (%s)",
                row.call_id, callee.number, target, " <- ".join(chain),
            )  # fmt: skip
            return False
        wall = self.layer.wall()
        row.outcome = Outcome.FORWARDED
        row.final_status = status or None
        row.callee_id = callee.extension_id
        row.ended_at = wall_time(wall)
        self.proxy.records.add(row)
        request.add_header(
            "Diversion",
            f"<sip:{callee.number}@{self.domain}>;reason={_REASONS[case]};counter={len(chain) + 1}",
            first=True,
        )
        inside = self.directory.entry(target) is not None or (
            self.proxy.ring_groups is not None and self.proxy.ring_groups.plan(target) is not None
        )
        if inside:
            leg = new_row(request, row.caller_id, row.caller_number, target, wall)
            leg.direction = row.direction
            self.proxy.route(server, request, flow, leg, caller, target, now, wall)
            return True
        desk = self.proxy.unanswered
        if desk is not None and desk.answers(target):
            # A menu or a conference room: the desk answers for the member who forwards,
            # whoever calls (from inside, from outside through a trunk).
            leg = new_row(request, row.caller_id, row.caller_number, target, wall)
            leg.direction = row.direction
            self.proxy.to_desk(
                server, request, flow,
                lambda: desk.take_forwarded(
                    server, request, leg.caller_number, target, flow, callee,
                    from_outside=caller is None,
                ),
                lambda: self.proxy.answered_here(leg),
                lambda: self._not_taken_by_desk(
                    server, request, flow, leg, callee, case, status,
                    desk.forward_refusal(request, target, callee),
                ),
            )  # fmt: skip
            return True
        # Out through the trunk: a call out by the member who forwards, on their allowance.
        leg = new_row(request, callee.extension_id, callee.number, target, wall)
        trunks = self.proxy.trunks
        if trunks is None or not trunks.call_out(server, request, flow, callee, leg, now):
            self.proxy.fail(server, request, leg, 404, Outcome.NOT_FOUND)
        return True

    def _not_taken_by_desk(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        leg: CallRow,
        callee: DirectoryEntry,
        case: str,
        status: int,
        refusal: str,
    ) -> None:
        """The desk cannot take the call ``callee`` forwards to a menu or a room (SDES-keyed
        SRTP; the room no longer theirs): it is ``callee``'s call again, ending as it would
        without the forward, in their voicemail if they have it on, else with the answer
        that made it forward (busy stays busy; an unanswered or always-forwarded call gets
        480) and a Warning saying why. It is not forwarded again: no loop."""
        target = leg.callee_number
        leg.callee_id, leg.callee_number = callee.extension_id, callee.number
        if case == "busy":
            status, outcome = status or 486, Outcome.BUSY
        else:
            status = 480
            outcome = {"no_answer": Outcome.NO_ANSWER, "unavailable": Outcome.UNREGISTERED}.get(
                case, Outcome.FAILED
            )
        warning = f"forwarded to {target}, which cannot take the call: {refusal}"
        self.proxy.fail(server, request, leg, status, outcome, callee, flow, warning)

    # ------------------------------------------------------------------ feature codes
    def feature_code(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        caller: DirectoryEntry,
        dialled: str,
    ) -> bool:
        """Take a dialled feature code (False: ``dialled`` is none)."""
        code = _FEATURE_CODE.fullmatch(dialled)
        if code is None:
            return False
        case, on = FEATURE_CODES[code.group(1)]
        target = code.group(2)
        self.layer.respond(server, make_response(request, 100))
        language = caller.language or "en"
        loop = asyncio.get_running_loop()
        if on != bool(target):
            # "*72" without a number, or "*73123": say what is missing or too much.
            phrase = "Address Incomplete" if on else "Dial The Code Alone"
            reason = str_in(NUMBER_MISSING if on else NUMBER_EXTRA, language)

            def refuse(spoken: asyncio.Future[Samples | None]) -> None:
                self._refuse(server, request, flow, caller, 484, phrase, reason, spoken.result())

            loop.run_in_executor(None, said, reason, language).add_done_callback(refuse)
            return True

        def done(stored: asyncio.Future[FeatureCodeResult]) -> None:
            error = stored.exception()
            if error is not None:
                logger.error("could not store a forwarding", exc_info=error)
                self.layer.respond(server, make_response(request, 500))
                return
            result = stored.result()
            if result.refusal:
                self._refuse(
                    server, request, flow, caller, 403, "Forbidden", result.refusal, result.words
                )
                return
            rule = result.rule
            if rule:
                self.rules[caller.extension_id] = rule
            else:  # as the next read would have it: only extensions that forward
                self.rules.pop(caller.extension_id, None)
            words_of_case = case.replace("_", " ")
            text = (
                f"forwarding {words_of_case} on to {target}"
                if on
                else f"forwarding {words_of_case} off"
            )
            shown = ("Warning", f'399 officina "{text}"')  # on the phone's display

            def answer_with_status() -> None:
                reason = "Forwarding On" if on else "Forwarding Off"
                self.layer.respond(server, make_response(request, 480, reason, headers=[shown]))

            self._say(server, request, flow, caller, result.words, shown, answer_with_status)

        def store() -> FeatureCodeResult:
            try:
                stored = check_set_forward_target_by_id(caller.extension_id, case, target)
            except OfficinaError as error:
                refusal = str_in(error.message, language)
                return FeatureCodeResult(None, refusal, said(refusal, language))
            # Read now: a refresh that began before the change must not put it back.
            self._read()
            return FeatureCodeResult(
                forwarding_rule(stored), "", confirmation(case, on, target, language)
            )

        loop.run_in_executor(None, store).add_done_callback(done)
        return True

    def _refuse(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        caller: DirectoryEntry,
        status: int,
        phrase: str,
        reason: str,
        words: Samples | None,
    ) -> None:
        """Say why a feature code is refused, then hang up; the refusal's ``status`` when
        it cannot be said. Either way the reason is in a Warning the phone can show."""
        shown = ("Warning", '399 officina "' + reason.replace('"', "'") + '"')

        def answer_with_status() -> None:
            self.layer.respond(server, make_response(request, status, phrase, headers=[shown]))

        self._say(server, request, flow, caller, words, shown, answer_with_status)

    def _say(
        self,
        server: ServerTransaction,
        request: SipRequest,
        flow: Flow,
        caller: DirectoryEntry,
        words: Samples | None,
        shown: tuple[str, str],
        otherwise: Callable[[], None],
    ) -> None:
        """The desk answers to say ``words`` and hangs up; ``otherwise`` when there are no
        words, no desk, or media the desk cannot answer."""
        desk = self.proxy.unanswered
        if desk is None or words is None:
            otherwise()
            return
        spoken = words
        self.proxy.to_desk(
            server, request, flow,
            lambda: desk.take_spoken(server, request, caller.number, spoken, flow, (shown,)),
            lambda: None, otherwise,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class FeatureCodeResult:
    """What storing a feature code's change gave: the rule now, or why it was refused
    (in the member's language); and what to say."""

    rule: ForwardingRule | None
    refusal: str
    words: Samples | None


def str_in(text: str | Promise, language: str) -> str:
    """``text`` (a lazy translation, say) in ``language``."""
    with translation.override(language):
        return str(text)


def confirmation(case: str, on: bool, target: str, language: str) -> Samples | None:
    """A feature code's change said in ``language``: the samples of its sentence, None
    when it cannot be said. Runs in a worker thread."""
    with translation.override(language):
        # A number is said digit by digit, as it was dialled ("2 0 2", not "two hundred").
        text = str(CONFIRMATIONS[(case, on)]) % {"number": " ".join(target)}
    return said(text, language)


def said(text: str, language: str) -> Samples | None:
    """``text`` spoken in ``language`` (made by espeak-ng the first time, then read from
    the cache), None when it cannot be said. Runs in a worker thread (it may start
    espeak-ng and reads a file)."""
    try:
        return read_telephone_wav(cached_speech(text, language).read_bytes())
    except (SoundError, OSError, ValueError, EOFError) as error:
        logger.warning("feature code's words not spoken: %s", error)
        return None
