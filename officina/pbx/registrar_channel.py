"""What the PBX process and its registrar processes tell each other, over a Unix stream
socket in a private folder (mode 0700): pickled tuples, each framed by its length.

Pickle, because both ends are this program started by the same user, and a
registration (``Binding``) or a directory entry crosses as it is, with no second
description of its fields to keep in step.

From a registrar process to the PBX process:

* ``(ANSWER, saved, removed, host, port, data)``: a REGISTER changed these bindings;
  the PBX process applies them to its directory (and its write-behind) and then sends
  ``data``, the 200, to ``host:port`` itself, so no call can miss a phone that has
  its 200;
* ``(DATAGRAM, data, host, port)``: something that is not a registration for this
  registrar (a REGISTER with a Route or a To tag, an unparseable one): the PBX process
  handles it as if it had come to its own socket;
* ``(LOOK_UP, number)``: an unknown name or a wrong password: read it from the
  database, as the PBX process does for its own requests;
* ``(COUNTS, counts)``: the process's counters, every second.

From the PBX process to a registrar process:

* ``(SNAPSHOT, config, entries, bindings)``: the first message, everything needed to
  answer REGISTERs;
* ``(SAVED, binding)``, ``(REMOVED, extension_id, binding_key)``: a change made
  elsewhere (a registration over TCP or WebSocket, in another registrar process, a
  connection closed, a binding that proved unreachable);
* ``(OTHER_NODES, bindings)``: the other PBX nodes' bindings, freshly read;
* ``(ENTRIES, entries)``: the credentials, when a refresh changed them (a new
  password, an extension removed);
* ``(LOOKED_UP, number, entry)``: the answer to a ``LOOK_UP`` (``None``: no such
  extension).
"""

from __future__ import annotations

import asyncio
import pickle
import struct
from typing import Any

ANSWER = "answer"
DATAGRAM = "datagram"
LOOK_UP = "look-up"
COUNTS = "counts"
SNAPSHOT = "snapshot"
SAVED = "saved"
REMOVED = "removed"
OTHER_NODES = "other-nodes"
ENTRIES = "entries"
LOOKED_UP = "looked-up"

_LENGTH = struct.Struct("!I")


def frame(message: tuple[Any, ...]) -> bytes:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(payload)) + payload


async def read_message(reader: asyncio.StreamReader) -> tuple[Any, ...]:
    """The next message (``asyncio.IncompleteReadError`` once the other end has gone)."""
    (length,) = _LENGTH.unpack(await reader.readexactly(_LENGTH.size))
    message: tuple[Any, ...] = pickle.loads(await reader.readexactly(length))  # noqa: S301
    return message
