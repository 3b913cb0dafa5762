"""Pages per second and latency of the server as the run command starts it.

``benchmarks/web.py`` times pages in process; this starts ``officina serve`` (the
same command ``scripts/run`` ends with, the same production-shaped settings) on the
benchmark database, signs members in, and loads the mixed pages over HTTP:

- closed loop: wrk (Debian's) with 1, 4, 16 and 32 connections, each request
  cycling through the mixed pages and the signed-in members; pages/s, p50, p95;
- open loop: requests offered at a constant rate, half the best closed-loop rate,
  each timed from when it was due (not from when a busy client got to send it);
  p50, p95 and whether any was late or failed;
- the bound: cores / CPU time per page, the CPU per page measured in process
  (Django's test client, as benchmarks/web.py does) over the same mix; each run's
  pages/s is printed as a fraction of it. The CPU the server processes used per
  page during each run is printed too: the difference is the web server's and
  the network's share. On PostgreSQL on this machine, the database server's
  processes share the same cores: the CPU they spend per page is measured (from
  /proc, every process named ``postgres``) in process and in each run, and counts
  in the bound and in the cores used (so nothing else should use PostgreSQL
  meanwhile). SQLite's work is inside the processes already.

    .venv/bin/python benchmarks/web_served.py --database-url sqlite:////tmp/bench.sqlite3
    .venv/bin/python benchmarks/web_served.py \
        --database-url postgres://postgres@127.0.0.1:5432/officina_bench
    # the same against another checkout's code (e.g. before a change):
    .venv/bin/python benchmarks/web_served.py --database-url ... --repo /tmp/officina-before

The database is seeded as benchmarks/web.py seeds it (10,000 members and 100,000
posts) when it is empty, and kept: seed once with either script and ``--keep``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
sys.path.insert(0, str(REPO_ROOT))

import web  # noqa: E402 - benchmarks/web.py: the database, its seeding and its pages
from process_cpu import process_tree_cpu  # noqa: E402

TARGET_SATURATION = 0.8
TARGET_OPEN_LOOP_P95_MS = 100.0

WRK_SCRIPT = r"""
-- Each request: the next (page, member) pair, so every connection walks the whole mix.
local pairs_ = {}
local next_ = 0
init = function(args)
  for line in io.lines(args[1]) do
    local path, cookie = line:match("^(%S+) (%S+)$")
    table.insert(pairs_, {path, cookie})
  end
  next_ = math.random(#pairs_)
end
request = function()
  next_ = next_ % #pairs_ + 1
  local pair = pairs_[next_]
  return wrk.format("GET", pair[1], {Cookie = "sessionid=" .. pair[2]})
end
done = function(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %f, "non2xx": %d, "errors": %d, '
    .. '"p50": %f, "p95": %f, "p99": %f}\n',
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="sqlite:///path or postgres://...")
    parser.add_argument("--members", type=int, default=10_000, help="when seeding")
    parser.add_argument("--posts", type=int, default=100_000, help="when seeding")
    parser.add_argument("--clients", default="1,4,16,32", help="closed-loop connection counts")
    parser.add_argument("--seconds", type=int, default=15, help="per closed-loop run")
    parser.add_argument("--open-seconds", type=float, default=20, help="the open-loop run")
    parser.add_argument("--members-signed-in", type=int, default=32)
    parser.add_argument("--port", type=int, default=16600)
    parser.add_argument("--sip-port", type=int, default=16601)
    parser.add_argument(
        "--repo", default=str(REPO_ROOT), help="checkout whose officina serve is measured"
    )
    parser.add_argument("--serve-args", default="", help="more arguments for officina serve")
    parser.add_argument(
        "--no-background",
        action="store_true",
        help="send no due digests first and run the server without its background process",
    )
    return parser.parse_args(argv)


def mixed_pages(seeded: Any) -> list[str]:
    """The pages members open most: feeds, the directory, search, who's here."""
    return [
        "/feed/",
        "/feed/all/",
        "/members/",
        "/members/?skill=django",
        "/search/?q=progetto",
        f"/spaces/{seeded.space_slug}/",
    ]


def signed_in_sessions(count: int) -> list[str]:
    """Session keys of ``count`` members, each signed in as the sign-in view would."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from officina.accounts.models import Member

    engine = import_module(settings.SESSION_ENGINE)
    keys = []
    for member in Member.objects.filter(email__endswith=web.BENCH_EMAIL_DOMAIN).order_by("pk")[
        :count
    ]:
        session = engine.SessionStore()
        session[SESSION_KEY] = str(member.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = member.get_session_auth_hash()
        session.save()
        keys.append(str(session.session_key))
    return keys


def database_server_cpu() -> float:
    """CPU seconds used so far by this machine's PostgreSQL server processes (0 on SQLite,
    whose work is done inside the processes that query it)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            name, fields = Path(f"/proc/{entry}/stat").read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue
        if name == "postgres":
            values = fields.split()
            total += (int(values[11]) + int(values[12])) / tick
    return total


def cpu_per_page_in_process(pages: list[str], requests: int = 15) -> tuple[float, float]:
    """CPU seconds of one page of the mix rendered in this process (the median of each
    page's samples), and the database server's CPU per page meanwhile (their mean)."""
    from django.test import Client

    from officina.accounts.models import Member

    client = Client()
    client.force_login(Member.objects.filter(email__endswith=web.BENCH_EMAIL_DOMAIN).earliest("pk"))
    per_page, database_per_page = [], []
    for path in pages:
        for _ in range(3):
            client.get(path)
        samples = []
        database_before = database_server_cpu()
        for _ in range(requests):
            began = time.process_time()
            client.get(path)
            samples.append(time.process_time() - began)
        database_per_page.append((database_server_cpu() - database_before) / requests)
        per_page.append(statistics.median(samples))
    return statistics.mean(per_page), statistics.mean(database_per_page)


def catch_up_background_work() -> None:
    """Send the digests due now, before the server starts.

    The seeded members have never had a digest, so the server's first start would queue
    one for each (thousands) and its worker would send them while the pages are timed.
    A server that has been running does that a little at a time; do it once here.
    """
    from django.core.management import call_command

    from officina.notifications.tasks import enqueue_due_digests

    began = time.perf_counter()
    queued = sum(enqueue_due_digests(frequency) for frequency in ("daily", "weekly"))
    if queued:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
        print(f"Sent {queued} due digests first, in {time.perf_counter() - began:.0f} s")


# The server -------------------------------------------------------------------------------


def start_server(args: argparse.Namespace, var_dir: Path) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "officina.settings.dev",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1",
        # That checkout's code, not this one's (the virtual environment is shared).
        "PYTHONPATH": args.repo,
    }
    command = [
        sys.executable, "-m", "officina.cli", "serve", "--host", "127.0.0.1",
        "--port", str(args.port), "--sip-host", "127.0.0.1", "--sip-port", str(args.sip_port),
        *args.serve_args.split(),
    ]  # fmt: skip
    log = (var_dir / "serve.log").open("wb")
    server = subprocess.Popen(
        command, cwd=args.repo, env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(
                f"http://127.0.0.1:{args.port}/api/openapi.json", timeout=10
            ).close()
            return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(
                    f"the server did not start: {(var_dir / 'serve.log').read_text()}"
                ) from None
            time.sleep(0.5)


# Load -------------------------------------------------------------------------------------


@dataclass
class Run:
    label: str
    pages_per_second: float
    p50_ms: float
    p95_ms: float
    failures: int
    server_cpu_ms: float
    database_cpu_ms: float


def closed_loop(
    args: argparse.Namespace, server: int, pairs_file: Path, script: Path, clients: int
) -> Run:
    cpu_before, database_before = process_tree_cpu(server), database_server_cpu()
    output = subprocess.run(
        [
            "wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{round(args.seconds)}s",
            "--timeout", "30s", "-s", str(script), f"http://127.0.0.1:{args.port}", "--",
            str(pairs_file),
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    cpu = process_tree_cpu(server) - cpu_before
    database_cpu = database_server_cpu() - database_before
    result = json.loads(output.split("RESULT ", 1)[1])
    pages = max(1, result["requests"])
    return Run(
        f"closed loop, {clients} client{'s' if clients > 1 else ''}",
        result["requests"] / result["seconds"],
        result["p50"],
        result["p95"],
        result["non2xx"] + result["errors"],
        cpu / pages * 1000,
        database_cpu / pages * 1000,
    )


def open_loop(
    args: argparse.Namespace, server: int, pairs: list[tuple[str, str]], rate: float
) -> Run:
    """``rate`` requests a second for ``--open-seconds``, each timed from when it was due."""
    count = int(rate * args.open_seconds)
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    began = time.monotonic() + 0.5

    def fetch(index: int) -> None:
        nonlocal failures
        path, session = pairs[index % len(pairs)]
        due = began + index / rate
        request = urllib.request.Request(
            f"http://127.0.0.1:{args.port}{path}", headers={"Cookie": f"sessionid={session}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                answer.read()
                ok = answer.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            ok = False
        with lock:
            latencies.append((time.monotonic() - due) * 1000)
            failures += 0 if ok else 1

    cpu_before, database_before = process_tree_cpu(server), database_server_cpu()
    with ThreadPoolExecutor(max_workers=64) as pool:
        for index in range(count):
            delay = began + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(fetch, index)
    cpu = process_tree_cpu(server) - cpu_before
    database_cpu = database_server_cpu() - database_before
    ordered = sorted(latencies)
    return Run(
        f"open loop at {rate:.0f}/s",
        count / (time.monotonic() - began),
        ordered[len(ordered) // 2],
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
        failures,
        cpu / max(1, count) * 1000,
        database_cpu / max(1, count) * 1000,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    var_dir = Path(tempfile.mkdtemp(prefix="officina-served-bench-"))
    web.setup_django(args.database_url, var_dir)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    seeded = web.already_seeded()
    if seeded is None:
        print(f"Seeding {args.members} members and {args.posts} posts...")
        seeded = web.seed(args.members, args.posts, random.Random(2026))
    serve_source = Path(args.repo, "officina/core/management/commands/serve.py").read_text()
    if args.no_background:
        if "--no-background" in serve_source:  # older checkouts ran no background work
            args.serve_args += " --no-background"
    else:
        catch_up_background_work()
    pages = mixed_pages(seeded)
    sessions = signed_in_sessions(args.members_signed_in)
    cores = os.cpu_count() or 1
    cpu_per_page, database_per_page = cpu_per_page_in_process(pages)
    bound = cores / (cpu_per_page + database_per_page)
    connection.close()

    pairs = [(path, session) for session in sessions for path in pages]
    random.Random(1).shuffle(pairs)
    pairs_file, script = var_dir / "pairs.txt", var_dir / "mix.lua"
    pairs_file.write_text("".join(f"{path} {session}\n" for path, session in pairs))
    script.write_text(WRK_SCRIPT)

    server = start_server(args, var_dir)
    runs: list[Run] = []
    load_before = os.getloadavg()
    try:
        # Every worker imports and warms up on its first requests: not measured.
        subprocess.run(
            ["wrk", "-t", "2", "-c", "8", "-d", "5s", "-s", str(script),
             f"http://127.0.0.1:{args.port}", "--", str(pairs_file)],
            capture_output=True, check=True,
        )  # fmt: skip
        for clients in (int(n) for n in args.clients.split(",")):
            runs.append(closed_loop(args, server.pid, pairs_file, script, clients))
            print(f"  {runs[-1].label}: {runs[-1].pages_per_second:.1f} pages/s", flush=True)
        saturated = max(run.pages_per_second for run in runs)
        runs.append(open_loop(args, server.pid, pairs, saturated / 2))
    finally:
        server.terminate()
        server.wait(timeout=60)
    load_after = os.getloadavg()

    print(
        f"\nofficina serve from {args.repo} on {connection.vendor} "
        f"({seeded.counts['members']} members); mixed pages: {', '.join(pages)}"
    )
    print(
        f"{len(sessions)} members signed in; {cores} cores; load average (1 min) "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )
    database_part = (
        f" + {database_per_page * 1000:.1f} ms in the database server"
        if connection.vendor == "postgresql"
        else ""
    )
    print(
        f"CPU per page in process: {cpu_per_page * 1000:.1f} ms{database_part}, "
        f"so the bound is {bound:.0f} pages/s"
    )
    print(
        f"\n{'run':<26}{'pages/s':>9}{'of bound':>10}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'failed':>8}{'server CPU/page ms':>20}{'db CPU/page ms':>16}{'cores used':>12}"
    )
    for run in runs:
        cores_used = run.pages_per_second * (run.server_cpu_ms + run.database_cpu_ms) / 1000
        print(
            f"{run.label:<26}{run.pages_per_second:>9.1f}{run.pages_per_second / bound:>10.2f}"
            f"{run.p50_ms:>9.0f}{run.p95_ms:>9.0f}{run.failures:>8}{run.server_cpu_ms:>20.1f}"
            f"{run.database_cpu_ms:>16.1f}{cores_used:>12.2f}"
        )
    closed = {run.label: run for run in runs if run.label.startswith("closed")}
    sixteen = closed.get("closed loop, 16 clients")
    verdicts = []
    if sixteen is not None:
        share = sixteen.pages_per_second / bound
        verdicts.append(
            f"16 clients at {share:.2f} of the bound "
            f"({'meets' if share >= TARGET_SATURATION else 'misses'} {TARGET_SATURATION})"
        )
    rates = [run.pages_per_second for run in closed.values()]
    if any(later < earlier * 0.9 for earlier, later in itertools.pairwise(rates)):
        verdicts.append("more clients gave fewer pages/s")
    verdicts.append(
        f"open-loop p95 {runs[-1].p95_ms:.0f} ms "
        f"({'meets' if runs[-1].p95_ms < TARGET_OPEN_LOOP_P95_MS else 'misses'} "
        f"< {TARGET_OPEN_LOOP_P95_MS:.0f})"
    )
    print("\n" + "; ".join(verdicts))
    return 0 if all(run.failures == 0 for run in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
