"""Token buckets of failed authentications, keyed on what is attacked.

A phone with a wrong password retries forever, and a scanner tries thousands
of passwords: each failure takes a token from a bucket; an empty bucket
means the next attempts are refused without being checked, until it
refills. The tables are bounded, so a flood of forged addresses or made-up
user names cannot grow memory.

``FailureLimiter`` is one table of buckets. ``DigestLimits`` keys digest
failures on what is attacked rather than on the address alone: a coworking
puts dozens of phones behind one public address, and a reverse proxy shows
every browser as one address, so one phone guessing must not lock out its
neighbours.
"""

from __future__ import annotations

from collections import OrderedDict


class FailureLimiter:
    def __init__(
        self,
        burst: float = 10.0,
        per_second: float = 0.2,
        max_sources: int = 65536,
    ) -> None:
        self.burst = burst
        self.per_second = per_second
        self.max_sources = max_sources
        # source -> (tokens, time of the last update); oldest first for eviction.
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def _tokens(self, source: str, now: float) -> float:
        bucket = self._buckets.get(source)
        if bucket is None:
            return self.burst
        tokens, updated = bucket
        return min(self.burst, tokens + (now - updated) * self.per_second)

    def blocked(self, source: str, now: float) -> bool:
        """Has ``source`` used up its failures?"""
        if source not in self._buckets:
            return False
        return self._tokens(source, now) < 1.0

    def failed(self, source: str, now: float) -> None:
        """Record one failed authentication from ``source``."""
        tokens = max(0.0, self._tokens(source, now) - 1.0)
        self._buckets[source] = (tokens, now)
        self._buckets.move_to_end(source)
        while len(self._buckets) > self.max_sources:
            self._buckets.popitem(last=False)

    def forget_refilled(self, now: float) -> None:
        """Drop buckets that are full again (they carry no information)."""
        for source in [s for s in self._buckets if self._tokens(s, now) >= self.burst]:
            del self._buckets[source]

    def __len__(self) -> int:
        return len(self._buckets)

    def __contains__(self, source: str) -> bool:
        """Has ``source`` failed recently (its bucket is not full again yet)?"""
        return source in self._buckets


# Per (source, user): a phone with a wrong password, or one guesser against one extension.
PAIR_BURST, PAIR_PER_SECOND = 10.0, 0.2
# Per user, from anywhere: guessing one extension's password from many addresses. Higher
# than a pair's, so that one address cannot lock a member's own phones out.
USER_BURST, USER_PER_SECOND = 30.0, 0.5
# Per source, for every user together: high enough for an office of 100 phones behind one
# NAT address all mistyping once; past it, that address may still try users it has not
# failed for (its neighbours keep registering), each at most once until forgotten.
SOURCE_BURST, SOURCE_PER_SECOND = 200.0, 2.0


class DigestLimits:
    """Failed digests per (source, user), per user and per source."""

    def __init__(self, max_entries: int = 65536) -> None:
        self.pairs = FailureLimiter(PAIR_BURST, PAIR_PER_SECOND, max_entries)
        self.users = FailureLimiter(USER_BURST, USER_PER_SECOND, max_entries)
        self.sources = FailureLimiter(SOURCE_BURST, SOURCE_PER_SECOND, max_entries)

    def refused(self, source: str, user: str, now: float) -> bool:
        """Must an attempt for ``user`` from ``source`` be refused without checking it?"""
        pair = _pair(source, user)
        if self.pairs.blocked(pair, now) or self.users.blocked(user, now):
            return True
        return self.sources.blocked(source, now) and pair in self.pairs

    def failed(self, source: str, user: str, now: float) -> None:
        self.pairs.failed(_pair(source, user), now)
        self.users.failed(user, now)
        self.sources.failed(source, now)

    def forget_refilled(self, now: float) -> None:
        for limiter in (self.pairs, self.users, self.sources):
            limiter.forget_refilled(now)


def _pair(source: str, user: str) -> str:
    return f"{user}@{source}"
