"""The SIP server's entry point for ``officina serve``: transports, registrar, proxy."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import logging
import os
import socket
from dataclasses import dataclass

from django.conf import settings

from officina.conferences.actions import do_clear_participants
from officina.pbx.caller_names import CallerNames
from officina.pbx.cdr import CallRecordWriter
from officina.pbx.directory import Directory
from officina.pbx.media.desk import MediaDesk
from officina.pbx.media.ports import MediaPorts
from officina.pbx.message_waiting import MessageWaiting
from officina.pbx.on_call import OnCallAnnouncer
from officina.pbx.ring_groups import RingGroups
from officina.pbx.server import ServerConfig, SipServer
from officina.pbx.transports.base import ConnectionTable, monotonic
from officina.pbx.transports.network import Network, guess_advertised_host
from officina.pbx.transports.tcp import TcpTransport
from officina.pbx.transports.udp import start_udp
from officina.pbx.transports.websocket import WebSocketHub
from officina.pbx.trunk_calls import TrunkCalls
from officina.pbx.trunk_registrations import TrunkRegistrations
from officina.sip.framing import StreamFramer

logger = logging.getLogger("officina.pbx")

TICK = 0.02  # seconds between timer checks: T1 (500 ms) is the finest SIP timer
# Allocations between two young-generation collections (CPython's default is 700).
# A SIP message makes a few hundred short-lived objects, nearly all freed by reference
# counting; at the default the collector ran every second or third message.
YOUNG_COLLECTION_THRESHOLD = 20_000


def use_uvloop() -> bool:
    """Make uvloop the event loop policy when it is installed (before the loop starts)."""
    try:
        import uvloop
    except ImportError:
        return False
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return True


@dataclass
class RunningPbx:
    server: SipServer
    network: Network
    directory: Directory
    records: CallRecordWriter
    tasks: list[asyncio.Task[None]]
    udp_port: int
    tcp_port: int
    media: MediaDesk

    async def stop(self) -> None:
        self.media.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        WebSocketHub.detach()
        if self.network.tcp is not None:
            await self.network.tcp.stop()
        if self.network.udp is not None and self.network.udp.transport is not None:
            self.network.udp.transport.close()


def node_secret() -> bytes:
    """Signs nonces and flow tokens; the same on every node sharing SECRET_KEY."""
    return hashlib.sha256(f"officina-pbx:{settings.SECRET_KEY}".encode()).digest()


async def start_pbx(host: str, port: int, *, advertised_host: str | None = None) -> RunningPbx:
    """Load the directory, open UDP and TCP on ``host:port`` and start the background work."""
    loop = asyncio.get_running_loop()
    node = os.environ.get("SIP_NODE", socket.gethostname())[:64]
    directory = Directory(node=node)
    await loop.run_in_executor(None, directory.load)
    caller_names = CallerNames()
    await loop.run_in_executor(None, caller_names.load)
    ring_groups = RingGroups()
    await loop.run_in_executor(None, ring_groups.load)
    settle_garbage_collector()
    table = ConnectionTable()
    advertised = (
        advertised_host
        or getattr(settings, "SIP_ADVERTISED_HOST", "")
        or (guess_advertised_host(host))
    )
    network = Network(table, advertised, port)
    records = CallRecordWriter()
    server = SipServer(
        ServerConfig(
            realm=settings.SIP_DOMAIN,
            secret=node_secret(),
            node=node,
            digest_algorithms=tuple(settings.SIP_DIGEST_ALGORITHMS),
        ),
        directory,
        network,
        records,
    )
    server.proxy.caller_names = caller_names
    server.proxy.ring_groups = ring_groups
    on_call = OnCallAnnouncer(directory)
    server.proxy.on_call = on_call
    server.routes.local_hosts = {advertised, settings.SIP_DOMAIN, host, "127.0.0.1", "localhost"}
    _udp_transport, network.udp = await start_udp(server, host, port)
    udp_port = network.udp.local_address[1]
    network.port = udp_port
    tcp = TcpTransport(server, table, StreamFramer)
    await tcp.start(host, udp_port)
    network.tcp = tcp
    WebSocketHub.attach(server, table)
    await loop.run_in_executor(None, do_clear_participants)  # calls of a previous run are over
    media = MediaDesk(
        server.layer,
        directory,
        MediaPorts(host, settings.MEDIA_PORT_MIN, settings.MEDIA_PORT_MAX),
        advertised,
    )
    message_waiting = MessageWaiting(server.layer, settings.SIP_DOMAIN, monotonic)
    server.attach_media(media, message_waiting)
    trunks = TrunkCalls(server.proxy, server.layer, directory, caller_names)
    await loop.run_in_executor(None, trunks.load)
    server.attach_trunks(trunks)
    registrations = TrunkRegistrations(
        trunks, server.layer, advertised, udp_port, clock=server.clock, wall=server.wall
    )
    tasks = [
        loop.create_task(media.run_clock(), name="media-clock"),
        loop.create_task(media.run_plans(), name="voicemail-plans"),
        loop.create_task(media.menus.run_refresh(), name="attendant-menus"),
        loop.create_task(media.conferences.run_refresh(), name="conference-rooms"),
        loop.create_task(message_waiting.run(), name="message-waiting"),
        loop.create_task(_run_timers(server), name="sip-timers"),
        loop.create_task(directory.run_write_behind(), name="sip-registrations"),
        loop.create_task(directory.run_maintenance(), name="sip-directory"),
        loop.create_task(records.run(), name="sip-call-records"),
        loop.create_task(on_call.run(), name="sip-on-call"),
        loop.create_task(caller_names.run_refresh(), name="sip-caller-names"),
        loop.create_task(ring_groups.run_refresh(), name="sip-ring-groups"),
        loop.create_task(trunks.run_refresh(), name="sip-trunks"),
        loop.create_task(registrations.run(), name="sip-trunk-registrations"),
        loop.create_task(_housekeeping(server, tcp, table), name="sip-housekeeping"),
    ]
    logger.info(
        "SIP server on %s:%s (UDP, TCP) as %s, WebSocket at /sip/ws; %d extensions, %d devices",
        host,
        udp_port,
        advertised,
        len(directory.by_number),
        sum(len(bindings) for bindings in directory.bindings.values()),
    )
    return RunningPbx(server, network, directory, records, tasks, udp_port, udp_port, media)


def settle_garbage_collector() -> None:
    """Keep the cyclic garbage collector off the per-message path.

    What exists once the server has started (modules, settings, the directory) lives
    as long as the process: frozen, the collector no longer walks it on every full
    collection. Young collections then come every few dozen messages, not every
    few. Memory stays bounded: cycles are still collected, only less often.
    """
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(YOUNG_COLLECTION_THRESHOLD, young), middle, old)


async def _run_timers(server: SipServer) -> None:
    while True:
        await asyncio.sleep(TICK)
        server.tick()


async def _housekeeping(server: SipServer, tcp: TcpTransport, table: ConnectionTable) -> None:
    while True:
        await asyncio.sleep(1.0)
        now = monotonic()
        tcp.reap_stalled(now)
        table.expire(now)
        server.maintenance()


async def run_pbx(host: str, port: int) -> None:
    """Serve SIP on ``host:port`` (UDP and TCP) until cancelled."""
    running = await start_pbx(host, port)
    try:
        await asyncio.Event().wait()
    finally:
        with contextlib.suppress(Exception):
            await running.stop()
