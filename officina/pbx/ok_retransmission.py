"""The PBX as a UAS: its 2xx to an INVITE is sent again until the ACK comes.

RFC 3261 §13.3.1.4: the server transaction ends with the 2xx, so the UAS core itself
retransmits it, at T1, then doubling up to T2, until the ACK arrives; without one after
64*T1 the dialog is over and the UAS ends it with a BYE. Only over UDP: on TCP, TLS and
WebSocket the transport delivers the 2xx or fails, and nothing would be gained.

Used wherever the PBX answers an INVITE itself: the desk's calls (voicemail, menus,
rooms, ``media/desk.py``) and the re-INVITEs of a click-to-call's member
(``third_party_calls.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from officina.pbx.transaction_layer import PbxTransactions
    from officina.sip.rport import Peer

T1, T2 = 0.5, 4.0  # RFC 3261's timers, as the transaction layer's own
GIVE_UP_AFTER = 64 * T1


class OkUntilAck:
    """One 2xx (``ok``, its bytes) sent to ``peer`` again until ``acknowledged``;
    ``on_no_ack`` is called once when 64*T1 pass without an ACK (the owner then ends the
    dialog with a BYE). Nothing is scheduled unless ``peer`` is over UDP."""

    def __init__(
        self, layer: PbxTransactions, peer: Peer, ok: bytes, on_no_ack: Callable[[], None]
    ) -> None:
        self.layer = layer
        self.peer = peer
        self.ok = ok
        self.on_no_ack = on_no_ack
        self.done = False
        if peer.transport == "UDP":
            self._again_after(T1, 0.0)

    def acknowledged(self) -> None:
        """The ACK came (or the dialog ended another way): nothing more is sent."""
        self.done = True

    def _again_after(self, delay: float, elapsed: float) -> None:
        def again() -> None:
            if self.done:
                return
            if elapsed + delay >= GIVE_UP_AFTER:
                self.done = True
                self.on_no_ack()
                return
            self.layer.sender.send(self.peer, self.ok)
            # The last wait ends at 64*T1 exactly, rather than up to T2 after it.
            sent_at = elapsed + delay
            self._again_after(min(delay * 2, T2, GIVE_UP_AFTER - sent_at), sent_at)

        self.layer.call_later(delay, again)


__all__ = ["GIVE_UP_AFTER", "OkUntilAck"]
