"""To-tags for the responses the PBX itself answers (RFC 3261 §19.3).

A tag needs to be unique, not secret: a random prefix per process and a
counter give that without a call into the system's random source for every
401, 407 and 200 a registrar sends.
"""

from __future__ import annotations

import itertools
import secrets

_PREFIX = secrets.token_hex(4)
_COUNTER = itertools.count(1)


def new_tag() -> str:
    return f"{_PREFIX}{next(_COUNTER):x}"
