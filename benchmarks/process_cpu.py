"""CPU time of a server and every process it started, read from /proc.

``officina serve`` runs its web workers, its background worker and rtpengine as child
processes of its own: what a user's request costs is spent across all of them, so the
benchmarks count the whole family, not only the process they started."""

from __future__ import annotations

import os
from pathlib import Path


def process_tree_cpu(root: int, named: str | None = None) -> float:
    """CPU seconds (user + system) used so far by ``root`` and its living descendants;
    with ``named``, only by those of them whose command is called so (``rtpengine``)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            command, rest = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)
        except OSError:
            continue  # gone since the listing
        fields = rest.split()
        pid, parent = int(entry), int(fields[1])
        children.setdefault(parent, []).append(pid)
        if named is None or command.split("(", 1)[1] == named:
            stats[pid] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total
