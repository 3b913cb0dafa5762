"""A registration: one device bound to an extension (RFC 3261 §10.3).

One shape from the REGISTER to the database: the registrar makes a
``Binding``, the directory keeps it, the proxy forks calls to it, and the
write-behind persists the very same object as a ``Registration`` row. A
refresh makes a new ``Binding`` rather than changing the stored one, so a
worker thread can persist a binding while the event loop goes on.

The dataclass names the persisted fields once, as the model calls them
(the foreign key by its column, ``extension_id``); the two times are
wall-clock seconds here and datetimes in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from officina.pbx.models import Registration
    from officina.sip import Peer


@dataclass(slots=True)
class Binding:
    extension_id: int
    binding_key: str
    contact_uri: str
    q: float | None
    transport: str
    received_host: str
    received_port: int
    connection_key: str
    node: str
    path: str
    user_agent: str
    instance_id: str
    reg_id: int | None
    call_id: str
    cseq: int
    registered_at: float  # wall clock (time.time())
    expires_at: float
    # Not persisted: where a UDP device is reached, worked out once from the contact
    # (see udp_peer), and the expiry of the copy in the database (0: not written yet).
    udp_peer: Peer | None = None
    persisted_expires_at: float = 0.0

    def same_device(self, other: Binding) -> bool:
        """Is ``other`` this binding refreshed, with nothing but its timers changed?

        Call-ID and CSeq may change on a refresh: they only order REGISTERs, which the
        in-memory copy does."""
        return (
            self.contact_uri == other.contact_uri
            and self.transport == other.transport
            and self.received_host == other.received_host
            and self.received_port == other.received_port
            and self.connection_key == other.connection_key
            and self.path == other.path
            and self.q == other.q
            and self.user_agent == other.user_agent
        )


_IN_MEMORY_ONLY = ("udp_peer", "persisted_expires_at")
_TIMES = ("registered_at", "expires_at")
# The columns of a registration, in the names the model and the dataclass share.
PERSISTED_FIELDS = tuple(
    field.name for field in fields(Binding) if field.name not in _IN_MEMORY_ONLY
)
# What identifies a row (the model's unique constraint); the other columns are rewritten.
IDENTITY_FIELDS = ("extension_id", "binding_key")
_PLAIN_FIELDS = tuple(name for name in PERSISTED_FIELDS if name not in _TIMES)


def registration_values(binding: Binding) -> dict[str, Any]:
    """The columns of ``binding``'s row, ready for ``Registration(**values)``."""
    values: dict[str, Any] = {name: getattr(binding, name) for name in _PLAIN_FIELDS}
    for name in _TIMES:
        values[name] = datetime.fromtimestamp(getattr(binding, name), UTC)
    return values


def binding_from_registration(registration: Registration) -> Binding:
    """A binding read back from the database (already persisted, as it says)."""
    values = {name: getattr(registration, name) for name in _PLAIN_FIELDS}
    return Binding(
        **values,
        registered_at=registration.registered_at.timestamp(),
        expires_at=registration.expires_at.timestamp(),
        persisted_expires_at=registration.expires_at.timestamp(),
    )
