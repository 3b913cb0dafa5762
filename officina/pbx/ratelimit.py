"""Per-source token buckets: how many failed authentications an address may make.

A phone with a wrong password retries forever, and a scanner tries thousands
of passwords: each failure takes a token from the source address's bucket;
an empty bucket means the address is not answered at all until it refills.
The table is bounded, so a flood of forged addresses cannot grow memory.
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
