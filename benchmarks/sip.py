"""SIP benchmark: Officina's PBX next to Kamailio, both driven by SIPp on loopback.

    .venv/bin/python benchmarks/sip.py [--duration 5] [--start-cps 200] [--step 1.25]

For each server it measures, stepping the offered rate up until a step fails
(more than 1% of calls failed, or the rate SIPp achieved, attempts started per
second, is more than 5% below the rate offered):

* calls per second: INVITE (407 challenge, ACK, INVITE with credentials),
  100/180/200, ACK, BYE/200, through the record-routing proxy to a SIPp UAS
  registered on the callee's extension;
* registrations per second: REGISTER, 401, REGISTER with digest credentials,
  200, over a pool of extensions.

Officina runs with a fresh SQLite database in a temporary directory (its
registrations and call records are written as in production); Kamailio runs
benchmarks/kamailio/kamailio.cfg (in-memory location table, static password).
The figures and the Officina/Kamailio ratios are printed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from process_cpu import process_tree_cpu  # noqa: E402

SCENARIOS = REPO / "officina" / "pbx" / "tests" / "sipp"
KAMAILIO_CFG = REPO / "benchmarks" / "kamailio" / "kamailio.cfg"
PASSWORD = "bench-secret"  # noqa: S105 - the benchmark's throwaway users
HOST = "127.0.0.1"
OFFICINA_PORT = 15160
KAMAILIO_PORT = 15190
CALLER, CALLEE = "201", "202"
REGISTRATION_USERS = 500


@dataclass
class Step:
    """One run of SIPp at a fixed offered rate.

    SIPp holds new attempts back while too many are still open (``-l``), so a
    server that falls behind stretches the time SIPp takes to start them all:
    the rate it *achieved* is the attempts divided by that time. A step passes
    when at most 1% of the attempts failed and the achieved rate is within 5%
    of the offered one.
    """

    offered: float
    started_in: float  # seconds SIPp took to start every attempt
    total: int
    failed: int
    server_cpu: float = 0.0  # CPU seconds the server used during the step
    # Requests SIPp sent again for want of an answer within T1 (500 ms) and more: each
    # one is a message more for the server, so CPU per attempt grows with them.
    retransmissions: int = 0

    @property
    def expected(self) -> float:
        return self.total / self.offered

    @property
    def achieved(self) -> float:
        """Attempts started per second. SIPp starts the first at once and the last one
        after (total - 1) / rate seconds: that is the interval it is measured on."""
        if self.started_in <= 0 or self.total < 2:
            return 0.0
        return (self.total - 1) / self.started_in

    @property
    def ok(self) -> bool:
        paced = self.total < 2 or self.achieved >= 0.95 * self.offered  # one has no rate
        return self.total > 0 and self.failed <= 0.01 * self.total and paced


def _seconds(clock: str) -> float:
    """SIPp's ElapsedTime 'HH:MM:SS' or 'HH:MM:SS:mmmuuu' in seconds."""
    parts = clock.split(":")
    seconds = float(int(parts[0]) * 3600 + int(parts[1]) * 60 + int(parts[2]))
    if len(parts) > 3 and parts[3].isdigit():
        seconds += int(parts[3][:3]) / 1000
    return seconds


def sipp_run(
    scenario: str,
    port: int,
    local_port: int,
    workdir: Path,
    rate: float,
    calls: int,
    extra: list[str],
    timeout: float,
) -> Step:
    stats = workdir / f"stats-{scenario}-{local_port}-{int(rate)}.csv"
    stats.unlink(missing_ok=True)
    command = [
        "sipp", f"{HOST}:{port}", "-sf", str(SCENARIOS / scenario), "-i", HOST,
        "-p", str(local_port), "-r", str(int(rate)), "-m", str(calls), "-l", str(int(rate) * 4),
        "-nostdin", "-trace_stat", "-stf", str(stats), "-fd", "1", "-max_socket", "2048",
        *extra,
    ]  # fmt: skip
    started = time.perf_counter()
    with contextlib.suppress(subprocess.TimeoutExpired):
        subprocess.run(
            command, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            timeout=timeout, check=False,
        )  # fmt: skip
    elapsed = time.perf_counter() - started
    rows = list(csv.reader(stats.open(), delimiter=";")) if stats.exists() else []
    if len(rows) < 2:
        return Step(rate, elapsed, calls, calls)
    header, last = rows[0], rows[-1]
    successful = int(last[header.index("SuccessfulCall(C)")])
    failed = int(last[header.index("FailedCall(C)")])
    created = int(last[header.index("TotalCallCreated")])
    # Calls that never completed (timeout) count as failed.
    failed = max(failed, created - successful, calls - successful)
    clock, total = header.index("ElapsedTime(C)"), header.index("TotalCallCreated")
    started_in = _time_all_started(
        [(_seconds(row[clock]), int(row[total])) for row in rows[1:]], calls, elapsed
    )
    retransmissions = int(last[header.index("Retransmissions(C)")])
    return Step(rate, started_in, calls, failed, retransmissions=retransmissions)


def _time_all_started(samples: list[tuple[float, int]], calls: int, elapsed: float) -> float:
    """When SIPp had started ``calls`` attempts, from its statistics (a line a second):
    interpolated between the last line short of it and the first line that reached it,
    since a whole second is a fifth of a five-second step."""
    previous = (0.0, 0)
    for moment, created in samples:
        if created >= calls:
            before, made_before = previous
            if created == made_before:
                return moment
            return before + (moment - before) * (calls - made_before) / (created - made_before)
        previous = (moment, created)
    return elapsed


def step_up(
    name: str,
    run: Callable[[float], Step],
    start: float,
    factor: float,
    limit: float,
    server_pid: int,
) -> Step | None:
    best: Step | None = None
    rate = start
    while rate <= limit:
        before = process_tree_cpu(server_pid)
        step = run(rate)
        step.server_cpu = process_tree_cpu(server_pid) - before
        verdict = "ok" if step.ok else "FAILED"
        print(
            f"  {name}: offered {step.offered:7.0f}/s  achieved {step.achieved:7.0f}/s "
            f"({100 * step.achieved / step.offered:3.0f}%)  failed {step.failed}/{step.total}  "
            f"server CPU {1000 * step.server_cpu / max(step.total, 1):.2f} ms each  "
            f"SIPp retransmitted {step.retransmissions}  {verdict}",
            flush=True,
        )
        if not step.ok:
            break
        best = step
        rate *= factor
    return best


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("SEQUENTIAL\n" + "\n".join(rows) + "\n")
    return path


def credentials_row(user: str, extra: str = "") -> str:
    row = f"{user};[authentication username={user} password={PASSWORD}]"
    return f"{row};{extra}" if extra else row


# ---------------------------------------------------------------------- servers
def prepare_officina_database(workdir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "OFFICINA_VAR_DIR": str(workdir / "var"),
        "DATABASE_URL": f"sqlite:///{workdir / 'var' / 'officina.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "officina.settings.dev",
        "SIP_DOMAIN": "bench.officina.local",
        "LOG_LEVEL": "WARNING",
    }
    officina = [sys.executable, "-m", "officina.cli"]
    subprocess.run([*officina, "migrate", "-v0"], env=env, check=True, cwd=REPO)
    subprocess.run(
        [sys.executable, __file__, "--populate", str(REGISTRATION_USERS)],
        env=env, check=True, cwd=REPO,
    )  # fmt: skip
    return env


def populate(count: int) -> None:
    """Members with extensions 201.. and the benchmark password (runs in a child)."""
    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone

    from officina.accounts.models import Member
    from officina.pbx.credentials import digest_ha1_pair
    from officina.pbx.models import Extension, SipCredential

    members = Member.objects.bulk_create(
        [
            Member(email=f"bench{i}@example.invalid", password="!")  # noqa: S106 - unusable
            for i in range(count)
        ]
    )
    extensions = Extension.objects.bulk_create(
        [Extension(number=str(201 + i), member=member) for i, member in enumerate(members)]
    )
    now = timezone.now()
    credentials = []
    for extension in extensions:
        md5, sha256 = digest_ha1_pair(extension.number, settings.SIP_DOMAIN, PASSWORD)
        credentials.append(
            SipCredential(
                extension=extension,
                username=extension.number,
                realm=settings.SIP_DOMAIN,
                ha1_md5=md5,
                ha1_sha256=sha256,
                changed_at=now,
            )
        )
    SipCredential.objects.bulk_create(credentials)


def serve_officina(port: int) -> None:
    """The PBX alone, as ``officina serve`` runs it (runs in a child).

    With OFFICINA_BENCH_PROFILE=<file> the server runs under cProfile and writes its
    statistics there when stopped (SIGTERM): the PBX's thread to <file>, its database
    threads' jobs to <file>.database, both in CPU time (a thread waiting for a core or
    for the GIL is not working).
    """
    import signal

    import django

    django.setup()
    from officina.pbx.runtime import run_pbx, use_uvloop

    use_uvloop()
    profile_path = os.environ.get("OFFICINA_BENCH_PROFILE")
    profiler = None
    database_profilers: list[Any] = []
    if profile_path:
        import cProfile

        profiler = cProfile.Profile(time.thread_time)
        database_profilers = profile_database_threads()
        profiler.enable()

    async def serve() -> None:
        task = asyncio.ensure_future(run_pbx(HOST, port))
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    try:
        asyncio.run(serve())
    finally:
        if profiler is not None and profile_path:
            profiler.disable()
            profiler.dump_stats(profile_path)
            if database_profilers:
                import pstats

                merged = pstats.Stats(database_profilers[0])
                for other in database_profilers[1:]:
                    merged.add(other)
                merged.dump_stats(f"{profile_path}.database")


def profile_database_threads() -> list[Any]:
    """Run every job of the PBX's database threads under its thread's own profiler."""
    import cProfile
    import threading

    from officina.core import database_threads

    profilers: list[cProfile.Profile] = []
    mine = threading.local()
    unprofiled = database_threads._then_give_back

    def profiled(work: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        profiler = getattr(mine, "profiler", None)
        if profiler is None:
            profiler = mine.profiler = cProfile.Profile(time.thread_time)
            profilers.append(profiler)
        profiler.enable()
        try:
            return unprofiled(work, *args, **kwargs)
        finally:
            profiler.disable()

    database_threads._then_give_back = profiled
    return profilers


def start_officina(workdir: Path, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-officina", str(port)],
        env=env, cwd=REPO, stdout=(workdir / "officina.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    time.sleep(3.0)
    return process


def start_kamailio(workdir: Path, children: int, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        ["kamailio", "-f", str(KAMAILIO_CFG), "-DD", "-E", "-A", f"BENCH_PORT={port}",
         "-A", f"BENCH_CHILDREN={children}", "-m", "256", "-M", "16"],
        cwd=workdir, stdout=(workdir / "kamailio.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    time.sleep(2.0)
    return process


# ---------------------------------------------------------------------- measurements
def measure(
    name: str, port: int, workdir: Path, args: argparse.Namespace, server_pid: int
) -> dict[str, float]:
    base = port + 10
    uas_port = base
    uas = subprocess.Popen(
        ["sipp", "-sf", str(SCENARIOS / "uas_answer.xml"), "-i", HOST, "-p", str(uas_port),
         "-nostdin", "-max_socket", "2048"],
        cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        return _measure(name, port, workdir, args, uas_port, base, server_pid)
    finally:
        uas.terminate()
        uas.wait(10)


def _measure(
    name: str,
    port: int,
    workdir: Path,
    args: argparse.Namespace,
    uas_port: int,
    base: int,
    server_pid: int,
) -> dict[str, float]:
    reg_port, uac_port, regbench_port = base + 1, base + 2, base + 3
    callee = write_csv(workdir / f"callee-{name}.csv", [credentials_row(CALLEE)])
    registered = sipp_run(
        "register.xml", port, reg_port, workdir, 1, 1,
        ["-inf", str(callee), "-key", "contact_host", HOST, "-key", "contact_port",
         str(uas_port), "-key", "expires", "3600"],
        timeout=20,
    )  # fmt: skip
    if not registered.ok:
        raise SystemExit(f"{name}: the UAS could not register")
    caller = write_csv(workdir / f"caller-{name}.csv", [credentials_row(CALLER, CALLEE)])
    # Warm-up, not measured: first database writes, first allocations, caches.
    sipp_run(
        "uac_call.xml", port, uac_port, workdir, 100, 300,
        ["-inf", str(caller), "-d", "0"], timeout=40,
    )  # fmt: skip
    print(f"{name}: calls per second", flush=True)
    calls = step_up(
        "calls",
        lambda rate: sipp_run(
            "uac_call.xml", port, uac_port, workdir, rate, int(rate * args.duration),
            ["-inf", str(caller), "-d", "0"], timeout=args.duration * 3 + 40,
        ),
        args.start_cps, args.step, args.max_rate, server_pid,
    )  # fmt: skip
    users = write_csv(
        workdir / f"users-{name}.csv",
        [credentials_row(str(201 + i)) for i in range(2, REGISTRATION_USERS)],
    )
    print(f"{name}: registrations per second", flush=True)
    registrations = step_up(
        "registrations",
        lambda rate: sipp_run(
            "register.xml", port, regbench_port, workdir, rate, int(rate * args.duration),
            ["-inf", str(users), "-key", "contact_host", HOST, "-key", "contact_port", "5999",
             "-key", "expires", "3600"],
            timeout=args.duration * 3 + 40,
        ),
        args.start_rps, args.step, args.max_rate, server_pid,
    )  # fmt: skip
    return {
        "calls": calls.offered if calls else 0.0,
        "calls_achieved": calls.achieved if calls else 0.0,
        "registrations": registrations.offered if registrations else 0.0,
        "registrations_achieved": registrations.achieved if registrations else 0.0,
        # CPU milliseconds the server spent per call / registration at its best step.
        "call_cpu_ms": 1000 * calls.server_cpu / calls.total if calls else 0.0,
        "registration_cpu_ms": (
            1000 * registrations.server_cpu / registrations.total if registrations else 0.0
        ),
    }


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server and wait for it: ``officina serve`` stops its children first (each
    given up to 20 s), and killing it sooner would leave them running (rtpengine on its
    ports)."""
    process.terminate()
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per step")
    parser.add_argument("--start-cps", type=float, default=200.0)
    parser.add_argument("--start-rps", type=float, default=400.0)
    parser.add_argument("--step", type=float, default=1.25, help="rate factor between steps")
    parser.add_argument("--max-rate", type=float, default=20000.0)
    parser.add_argument("--kamailio-children", type=int, default=2)
    parser.add_argument("--only", choices=["officina", "kamailio"])
    parser.add_argument(
        "--port-base",
        type=int,
        default=OFFICINA_PORT,
        help="Officina listens here, Kamailio 30 above; SIPp uses the next 4 of each",
    )
    parser.add_argument("--populate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-officina", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.populate:
        populate(args.populate)
        return
    if args.serve_officina:
        serve_officina(args.serve_officina)
        return
    for tool in ("sipp", "kamailio"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed")
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="officina-sip-bench-") as temp:
        workdir = Path(temp)
        if args.only in (None, "officina"):
            env = prepare_officina_database(workdir)
            officina = start_officina(workdir, env, args.port_base)
            try:
                results["officina"] = measure(
                    "officina", args.port_base, workdir, args, officina.pid
                )
            finally:
                stop(officina)
        if args.only in (None, "kamailio"):
            kamailio_port = args.port_base + KAMAILIO_PORT - OFFICINA_PORT
            kamailio = start_kamailio(workdir, args.kamailio_children, kamailio_port)
            try:
                results["kamailio"] = measure(
                    "kamailio", kamailio_port, workdir, args, kamailio.pid
                )
            finally:
                stop(kamailio)
    print()
    print(
        "the best step that passed, per server: the rate offered and the rate SIPp achieved;"
        " server CPU per attempt at that step"
    )
    print(
        f"{'':10}{'calls/s offered':>16}{'achieved':>10}{'reg./s offered':>16}{'achieved':>10}"
        f"{'CPU ms/call':>13}{'CPU ms/reg':>12}"
    )
    for name, figures in results.items():
        print(
            f"{name:10}{figures['calls']:16.0f}{figures['calls_achieved']:10.0f}"
            f"{figures['registrations']:16.0f}{figures['registrations_achieved']:10.0f}"
            f"{figures['call_cpu_ms']:13.2f}{figures['registration_cpu_ms']:12.2f}"
        )
    if len(results) == 2:
        mine, theirs = results["officina"], results["kamailio"]

        def ratio(key: str) -> float:
            return mine[key] / theirs[key] if theirs[key] else 0.0

        print(
            f"{'ratio':10}{'':16}{ratio('calls_achieved'):10.2f}{'':16}"
            f"{ratio('registrations_achieved'):10.2f}"
            f"{ratio('call_cpu_ms'):13.2f}{ratio('registration_cpu_ms'):12.2f}"
        )
        print(
            "targets: calls >= 0.67 of Kamailio's, registrations >= 0.33"
            f" -> calls {'met' if ratio('calls_achieved') >= 2 / 3 else 'not met'},"
            f" registrations {'met' if ratio('registrations_achieved') >= 1 / 3 else 'not met'}"
        )


if __name__ == "__main__":
    main()
