"""The daily minutes of calls out, spent live: when a member's run out, their calls
through the trunk end.

A member may talk through their company's trunk for some minutes a day (the
toll-fraud guard's allowance). Every call answered through the trunk on their
allowance spends them: one they dialled, one they forwarded outside, one to the
company number that rings them forwarded outside, and their follow-me answered on
their mobile. What finished calls spent today comes from the
call records (``TrunkCalls.providers.used_seconds``, re-read every few seconds); what
the calls under way spend is counted here, because several calls out at once must
share what is left rather than each be given all of it: with ``n`` of them live the
minutes run out ``n`` times as fast. When they are used, every live call of that
member is hung up (a BYE to each side, ``call_cutoff``).

The moment they run out is planned again whenever a call of the member starts or
ends, and whenever today's finished minutes are re-read (a call that has just ended
reaches them through its record, within ``trunk_calls.REFRESH_SECONDS`` plus the
records' write-behind; until then the others may talk that much longer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

# A plan that fires with less than this left does not wait again: timers are not exact.
_CLOSE_ENOUGH = 0.25


@dataclass(frozen=True, slots=True)
class Charge:
    """Whose daily minutes a call through a trunk spends, and how many they have."""

    extension_id: int
    daily_seconds: float


@dataclass(slots=True)
class _Member:
    daily_seconds: float
    # call id → (when it was answered on the layer's clock, how to end it)
    calls: dict[str, tuple[float, Callable[[], None]]] = field(default_factory=dict)
    plan: int = 0  # bumped by every new plan: an older timer finds itself stale


class OutsideMinutes:
    def __init__(
        self,
        clock: Callable[[], float],
        call_later: Callable[[float, Callable[[], None]], None],
        finished_seconds: Callable[[int], float],
    ) -> None:
        self._clock = clock
        self._call_later = call_later
        self._finished_seconds = finished_seconds  # extension id → seconds out today
        self._members: dict[int, _Member] = {}
        self._charged: dict[str, int] = {}  # call id → extension id

    def left(self, extension_id: int) -> float | None:
        """Seconds the member has left now, their live calls counted (None: no live
        call of theirs is counted here)."""
        member = self._members.get(extension_id)
        if member is None:
            return None
        return member.daily_seconds - self.spent(extension_id)

    def spent(self, extension_id: int) -> float:
        """Seconds of calls out the member has spent today, their live calls counted."""
        member = self._members.get(extension_id)
        now = self._clock()
        live = sum(now - answered for answered, _ in member.calls.values()) if member else 0.0
        return self._finished_seconds(extension_id) + live

    def live_calls(self, extension_id: int) -> int:
        member = self._members.get(extension_id)
        return len(member.calls) if member is not None else 0

    def answered(self, call_id: str, charge: Charge, hang_up: Callable[[], None]) -> None:
        """A call on ``charge``'s allowance was answered; ``hang_up`` ends it."""
        member = self._members.setdefault(charge.extension_id, _Member(charge.daily_seconds))
        member.daily_seconds = charge.daily_seconds  # as the guard read it last
        member.calls[call_id] = (self._clock(), hang_up)
        self._charged[call_id] = charge.extension_id
        self._plan(charge.extension_id)

    def ended(self, call_id: str) -> None:
        """A call ended (any call: those not on an allowance are ignored)."""
        extension_id = self._charged.pop(call_id, None)
        if extension_id is None:
            return
        member = self._members.get(extension_id)
        if member is not None:
            member.calls.pop(call_id, None)
            self._plan(extension_id)

    def replan(self) -> None:
        """Today's finished minutes were re-read: plan every member's end again."""
        for extension_id in list(self._members):
            self._plan(extension_id)

    def _plan(self, extension_id: int) -> None:
        member = self._members.get(extension_id)
        if member is None:
            return
        if not member.calls:
            del self._members[extension_id]
            return
        member.plan += 1
        plan = member.plan
        left = self.left(extension_id) or 0.0
        self._call_later(max(left, 0.0) / len(member.calls), lambda: self._due(extension_id, plan))

    def _due(self, extension_id: int, plan: int) -> None:
        member = self._members.get(extension_id)
        if member is None or member.plan != plan:
            return  # planned again since
        left = self.left(extension_id)
        if left is not None and left > _CLOSE_ENOUGH:
            self._plan(extension_id)
            return
        for call_id, (_answered, hang_up) in list(member.calls.items()):
            self._charged.pop(call_id, None)
            hang_up()
        self._members.pop(extension_id, None)
