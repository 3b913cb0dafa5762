"""``officina serve``: the whole product, one process per part.

- web: ``--workers`` processes (one per core by default), each listening on a
  socket of its own on the same port (``officina.core.web_workers``), supervised
  as uvicorn supervises its workers: one that dies is replaced. Processes,
  not threads: Django's views are Python, and one process runs Python on one
  core at a time, so a second core only serves pages from a second process;
- SIP: one process (registrar, proxy, media and their timers share one event
  loop and one in-memory directory); the web workers relay ``/sip/ws`` to it. On
  Linux it starts and supervises ``SIP_REGISTRAR_PROCESSES`` registrar processes of
  its own, which answer the REGISTERs that come over UDP
  (``officina.pbx.registrar_processes``);
- background: one process running the task worker and the periodic jobs
  (``officina.core.background``);
- rtpengine, when installed and ``RTPENGINE_URL`` names none: the media relay
  between browsers and phones (``officina.pbx.rtpengine_process``);
- this parent process supervises them and, without Redis, hosts the hub that
  carries live updates between the web workers (``officina.core.channel_hub``).

When the SIP or background process stops, everything stops: a server that
silently stopped answering phones or sending mail would be worse than one that
is down and restarted by its service manager.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import ssl
import tempfile
import threading
from collections.abc import Iterator
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from officina.core.channel_hub import HUB_SOCKET_ENV, ChannelHub
from officina.core.web_workers import SocketPerWorker, bind_worker_sockets
from officina.pbx.rtpengine_process import RtpEngineProcess
from officina.pbx.transports.websocket_relay import SIP_WEBSOCKET_ENV

logger = logging.getLogger("officina.serve")


def _uvicorn_config(app: Any, **fields: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="off",
        log_level="info",
        # uvicorn's own handlers would bypass the settings' LOGGING (and its redaction of
        # secrets in access-log paths): its loggers propagate to the root handler instead.
        log_config=None,
        **fields,
    )


def run_sip_process(host: str, port: int, websocket_socket: str) -> None:
    """The SIP process: UDP and TCP on ``host:port``, and the browsers' WebSocket
    connections relayed by the web workers on a private Unix socket."""
    import django

    django.setup()
    from officina.pbx.runtime import run_pbx, use_uvloop
    from officina.pbx.transports.websocket_relay import sip_websocket_application

    async def serve() -> None:
        relayed = _ServerLeavingSignalsAlone(
            _uvicorn_config(sip_websocket_application(), uds=websocket_socket)
        )
        jobs = [
            asyncio.create_task(run_pbx(host=host, port=port), name="sip"),
            asyncio.create_task(relayed.serve(), name="sip-websocket"),
        ]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        stopping = asyncio.create_task(stop.wait(), name="stop")
        done, _pending = await asyncio.wait([*jobs, stopping], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        relayed.should_exit = True
        for job in jobs:
            if job.get_name() == "sip":
                job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        for finished in done:
            if finished.get_name() != "stop" and finished.exception() is not None:
                raise finished.exception()  # type: ignore[misc]

    # uvloop roughly halves the event loop's cost per datagram.
    use_uvloop()
    asyncio.run(serve())


class _ServerLeavingSignalsAlone(uvicorn.Server):
    """The SIP process stops its two servers in order on SIGTERM: uvicorn must not take
    the signal for itself (and raise it again once it has stopped)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def run_background_process() -> None:
    import django

    django.setup()
    from officina.core.background import run_background

    # Ctrl-C reaches every process of the terminal: the worker's own handler stops it.
    run_background()


class Command(BaseCommand):
    help = "Run Officina: web workers, the SIP server and the background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="web server address")
        parser.add_argument("--port", type=int, default=8000, help="web server port")
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_WORKERS", "0")) or os.cpu_count() or 1,
            help="web worker processes (default: one per core, or WEB_WORKERS)",
        )
        parser.add_argument("--sip-host", default=settings.SIP_HOST, help="SIP server address")
        parser.add_argument(
            "--sip-port", type=int, default=settings.SIP_PORT, help="SIP port (UDP and TCP)"
        )
        parser.add_argument(
            "--certfile",
            default=settings.WEB_TLS_CERT_FILE,
            help="serve HTTPS (and the browsers' SIP over wss://) with this PEM certificate "
            "chain (default: WEB_TLS_CERT_FILE; without it, plain HTTP behind a proxy)",
        )
        parser.add_argument(
            "--keyfile",
            default=settings.WEB_TLS_KEY_FILE,
            help="the certificate's private key (default: WEB_TLS_KEY_FILE, else in --certfile)",
        )
        parser.add_argument("--no-sip", action="store_true", help="run no SIP server")
        parser.add_argument(
            "--no-rtpengine",
            action="store_true",
            help="start no rtpengine (browsers then cannot call SIP phones)",
        )
        parser.add_argument(
            "--no-background",
            action="store_true",
            help="run no task worker and no periodic jobs (another machine runs them)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Sockets between the processes: a private directory (mode 0700) with a short path,
        # as a Unix socket's path may not exceed 107 bytes.
        private = tempfile.mkdtemp(prefix="officina-")
        children: dict[str, BaseProcess | RtpEngineProcess] = {}
        hub: _HubThread | None = None
        try:
            if not settings.REDIS_URL:
                hub = _HubThread(os.path.join(private, "channels.sock"))
                hub.start()
                # Read by the settings of every process started from here on.
                os.environ[HUB_SOCKET_ENV] = hub.path
            # Spawned, not forked: each child starts clean rather than inheriting this
            # process's threads (the hub's) and database connections.
            spawn = multiprocessing.get_context("spawn")
            if not options["no_sip"] and not options["no_rtpengine"] and not settings.RTPENGINE_URL:
                if RtpEngineProcess.installed():
                    engine = RtpEngineProcess(options["sip_host"])
                    children["rtpengine"] = engine
                    os.environ["RTPENGINE_URL"] = engine.url  # read by the SIP process
                else:
                    logger.warning(
                        "rtpengine is not installed (Debian: rtpengine-daemon): browsers "
                        "cannot call SIP phones, nor phones behind NAT hear each other"
                    )
            if not options["no_sip"]:
                websocket_socket = os.path.join(private, "sip-websocket.sock")
                os.environ[SIP_WEBSOCKET_ENV] = websocket_socket
                children["SIP"] = spawn.Process(
                    target=run_sip_process,
                    args=(options["sip_host"], options["sip_port"], websocket_socket),
                    name="officina-sip",
                )
            if not options["no_background"]:
                children["background"] = spawn.Process(
                    target=run_background_process, name="officina-background"
                )
            for child in children.values():
                child.start()
            self.serve_web(options, children)
        finally:
            for child in children.values():
                if child.is_alive():
                    child.terminate()
            for child in children.values():
                child.join(timeout=20)
                if child.is_alive():
                    child.kill()
            if hub is not None:
                hub.stop()
            shutil.rmtree(private, ignore_errors=True)

    def serve_web(
        self, options: dict[str, Any], children: dict[str, BaseProcess | RtpEngineProcess]
    ) -> None:
        tls: dict[str, Any] = {}
        if options["certfile"]:
            tls = {"ssl_certfile": options["certfile"], "ssl_keyfile": options["keyfile"] or None}
            try:
                # Read once here, so that a wrong path stops the start with a clear message
                # rather than every worker failing on it.
                ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
                    options["certfile"], options["keyfile"] or None
                )
            except (OSError, ssl.SSLError) as error:
                raise CommandError(
                    f"cannot load the web certificate {options['certfile']}: {error}"
                ) from error
        config = _uvicorn_config(
            "officina.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=max(1, options["workers"]),
            **tls,
        )
        try:
            sockets = bind_worker_sockets(options["host"], options["port"], config.workers)
        except OSError as error:
            raise CommandError(
                f"cannot listen on {options['host']}:{options['port']}: {error.strerror}"
            ) from error
        host, port = sockets[0].getsockname()[:2]
        scheme = "https" if tls else "http"
        logger.info("web server on %s://%s:%s, %s workers", scheme, host, port, config.workers)
        supervisor = SocketPerWorker(config, sockets)

        def watch_children() -> None:
            while not supervisor.should_exit.wait(0.5):
                for name, child in children.items():
                    if not child.is_alive():
                        logger.error("the %s process stopped (exit code %s)", name, child.exitcode)
                        self.failed = name
                        supervisor.should_exit.set()
                        return

        self.failed = ""
        watcher = threading.Thread(target=watch_children, name="watch-children", daemon=True)
        watcher.start()
        try:
            supervisor.run()
        finally:
            for bound in set(sockets):
                bound.close()
        if self.failed:
            raise SystemExit(f"officina serve: the {self.failed} process stopped")


class _HubThread:
    """The channel hub on an event loop of its own, beside uvicorn's supervisor loop."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.hub = ChannelHub(path)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="channel-hub")

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.hub.start(), self.loop).result(timeout=10)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.hub.stop(), self.loop).result(timeout=5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
