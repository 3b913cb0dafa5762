"""The web workers' supervisor: one listening socket per worker, on the same port.

uvicorn's own supervisor hands one listening socket to every worker. On Linux the
kernel then wakes every worker for each new connection and the first to call
``accept`` wins; a worker that is already awake (serving a page) keeps accepting in
its loop, so with keep-alive clients most connections, and so most pages, land on one
worker while the other core idles. Measured on the served benchmark with 16 wrk
connections and 2 workers: "cores used" 1.1 to 1.2, and between 0.58 and 1.04 of the
bound from run to run.

With ``SO_REUSEPORT`` each worker listens on a socket of its own bound to the same
address, and the kernel spreads new connections over the sockets by a hash of the
connection's addresses (as nginx's ``reuseport`` and gunicorn's ``--reuse-port`` do).
Each socket belongs to a slot: a worker that dies is replaced on its slot's socket,
which this process keeps open meanwhile, so connections the kernel hashed to it wait
in its backlog for the replacement instead of being refused.

Where the platform has no ``SO_REUSEPORT`` every slot gets the one shared socket,
which is uvicorn's behaviour.
"""

from __future__ import annotations

import logging
import socket

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process

logger = logging.getLogger("officina.serve")

SPREADS_CONNECTIONS = hasattr(socket, "SO_REUSEPORT")


def bind_worker_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` listening sockets on ``host:port`` (port 0: one port chosen for all)."""
    if not SPREADS_CONNECTIONS:
        return [_bind(host, port, reuse_port=False)] * count
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sockets.append(_bind(host, port, reuse_port=True))
            port = sockets[0].getsockname()[1]
    except OSError:
        for bound in sockets:
            bound.close()
        raise
    return sockets


def _bind(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    bound = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        bound.bind((host, port))
        # Listening from here on, rather than when a worker first serves: connections
        # that arrive while workers start wait in the backlog instead of being refused.
        bound.listen(2048)
    except OSError:
        bound.close()
        raise
    bound.set_inheritable(True)
    return bound


class SocketPerWorker(Multiprocess):
    """uvicorn's supervisor (health checks, replacing a dead or hung worker, SIGHUP
    restarts, SIGTERM/SIGINT), with worker ``i`` always serving ``sockets[i]``."""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets)
        if len(sockets) != config.workers:
            raise ValueError("one socket per worker")

    def _worker(self, slot: int) -> Process:
        return Process(self.config, [self.sockets[slot]])

    def init_processes(self) -> None:
        for slot in range(self.processes_num):
            process = self._worker(slot)
            process.start()
            self.processes.append(process)

    def keep_subprocess_alive(self) -> None:
        # uvicorn's loop, but a replacement takes the slot's own socket.
        if self.should_exit.is_set():
            return
        for slot, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                # It failed before serving (the application cannot be imported, say):
                # every replacement would fail the same way.
                logger.error("web worker [%s] failed to start; stopping", process.pid)
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.warning("web worker [%s] died; starting another on its socket", process.pid)
            replacement = self._worker(slot)
            replacement.start()
            self.processes[slot] = replacement

    def restart_all(self) -> None:
        # SIGHUP: replace each worker by a new one on the same socket; the old one stops
        # accepting when it is terminated, so the socket is never left without a reader
        # for longer than the new worker takes to start.
        for slot, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._worker(slot)
            new.start()
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                logger.error("web worker restart stopped: [%s] did not start in time", new.pid)
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def handle_ttin(self) -> None:
        logger.info("SIGTTIN ignored: the number of web workers is --workers")

    def handle_ttou(self) -> None:
        logger.info("SIGTTOU ignored: the number of web workers is --workers")
