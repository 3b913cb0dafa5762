"""The PBX as a UAS: its 2xx to an INVITE is sent again until the ACK comes.

RFC 3261 §13.3.1.4: the server transaction ends with the 2xx, so the UAS core itself
retransmits it, at T1, then doubling up to T2, until the ACK arrives; without one after
64*T1 the dialog is over and the UAS ends it with a BYE. Only over UDP: on TCP, TLS and
WebSocket the transport delivers the 2xx or fails, and nothing would be gained.

Used wherever the PBX answers an INVITE itself: the desk's calls (voicemail, menus,
rooms, ``media/desk.py``), and the re-INVITEs passed between the two legs of a
click-to-call or of the auto-attendant's put-through (``offer_passing.py``): the phone's,
answered straight to it, and the other side's, answered through the proxy
(``placed_calls.py``), which relays each 2xx again to that side's UDP address.

The timers are RFC 3261's; an owner may be given shorter ones (``AckTimers``), so that a
test of a peer that never ACKs does not wait 32 s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.sip.rport import Peer


@dataclass(frozen=True)
class AckTimers:
    """T1 and T2 (RFC 3261 §17.1.1.1): the first wait, and the longest one."""

    t1: float = 0.5
    t2: float = 4.0

    @property
    def give_up_after(self) -> float:
        return 64 * self.t1


RFC_3261 = AckTimers()  # as the transaction layer's own


class OkUntilAck:
    """One 2xx sent again (``send_again``) until ``acknowledged``; ``on_no_ack`` is called
    once when 64*T1 pass without an ACK (the owner then ends the dialog with a BYE).
    Nothing is scheduled unless the 2xx goes ``over_udp``."""

    def __init__(
        self,
        call_later: Callable[[float, Callable[[], None]], None],
        send_again: Callable[[], object],
        on_no_ack: Callable[[], None],
        *,
        over_udp: bool,
        timers: AckTimers = RFC_3261,
    ) -> None:
        self.call_later = call_later
        self.send_again = send_again
        self.on_no_ack = on_no_ack
        self.timers = timers
        self.done = False
        if over_udp:
            self._again_after(timers.t1, 0.0)

    @classmethod
    def to_peer(
        cls,
        layer: PbxTransactions,
        peer: Peer,
        ok: bytes,
        on_no_ack: Callable[[], None],
        timers: AckTimers = RFC_3261,
    ) -> OkUntilAck:
        """The 2xx ``ok`` (its bytes), sent straight to ``peer`` by this node."""
        return cls(
            layer.call_later,
            lambda: layer.sender.send(peer, ok),
            on_no_ack,
            over_udp=peer.transport == "UDP",
            timers=timers,
        )

    def acknowledged(self) -> None:
        """The ACK came (or the dialog ended another way): nothing more is sent."""
        self.done = True

    def _again_after(self, delay: float, elapsed: float) -> None:
        give_up_after, t2 = self.timers.give_up_after, self.timers.t2

        def again() -> None:
            if self.done:
                return
            # (Within a microsecond: sums of a T1 like 0.05 are not exact in binary.)
            if elapsed + delay >= give_up_after - 1e-6:
                self.done = True
                self.on_no_ack()
                return
            self.send_again()
            # The last wait ends at 64*T1 exactly, rather than up to T2 after it.
            sent_at = elapsed + delay
            self._again_after(min(delay * 2, t2, give_up_after - sent_at), sent_at)

        self.call_later(delay, again)


__all__ = ["RFC_3261", "AckTimers", "OkUntilAck"]
