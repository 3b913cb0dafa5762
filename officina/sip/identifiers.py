"""Branches and tags made in bulk, and the branches a proxy recognises as its own.

RFC 3261 asks a branch (§8.1.1.7) and a tag (§19.3) to be unique, not secret.
``new_branch`` and ``new_tag`` draw fresh randomness each time, which a user
agent making a few a second can afford; a server answering thousands of
requests a second uses ``NumberedNames`` instead: a random part drawn once,
then a counter, without a call into the system's random source per message.

A proxy puts ``PROXY_BRANCH_PREFIX`` at the front of the branches of its own
Vias, so that it knows them when they come back: a request looping through it
(§16.3 step 4), or a 2xx whose client transaction is gone (§16.7 step 2).
Requests it forwards outside a transaction (the ACK of a 2xx, §16.11) carry
``STATELESS_BRANCH_PREFIX``, which starts the same way.
"""

from __future__ import annotations

import itertools
import secrets

from officina.sip.transactions import MAGIC_COOKIE

PROXY_BRANCH_PREFIX = MAGIC_COOKIE + "-pbx"
STATELESS_BRANCH_PREFIX = PROXY_BRANCH_PREFIX + "s"


class NumberedNames:
    """``prefix`` followed by a counter in hex: 1, 2, ... a, b, ..."""

    __slots__ = ("_numbers", "_prefix")

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._numbers = itertools.count(1)

    def next(self) -> str:
        return f"{self._prefix}{next(self._numbers):x}"

    def made(self, name: str | None) -> bool:
        """Could ``name`` have come from here (it has this random prefix)?"""
        return name is not None and name.startswith(self._prefix)


def proxy_branches() -> NumberedNames:
    """Branches for a proxy's Vias: its prefix, 64 random bits, a dot and the counter."""
    return NumberedNames(f"{PROXY_BRANCH_PREFIX}{secrets.token_hex(8)}.")


def numbered_tags() -> NumberedNames:
    """Tags: 32 random bits (the least §19.3 asks for) and the counter."""
    return NumberedNames(secrets.token_hex(4))


def is_proxy_branch(branch: str | None) -> bool:
    """Was ``branch`` made by a proxy on this core (transaction or stateless)?"""
    return branch is not None and branch.startswith(PROXY_BRANCH_PREFIX)
