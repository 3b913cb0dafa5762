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
from officina.core.database_threads import use_database_threads
from officina.pbx.anchoring import Anchoring, MediaAnchor
from officina.pbx.bridged_calls import BridgedBrowserCalls
from officina.pbx.call_requests import CallRequestListener
from officina.pbx.caller_names import CallerNames
from officina.pbx.cdr import CallRecordWriter
from officina.pbx.dialog_events import DialogEvents
from officina.pbx.directory import Directory
from officina.pbx.forwarding import Forwarder
from officina.pbx.hold import HeldCalls
from officina.pbx.media.desk import MediaDesk
from officina.pbx.media.ports import MediaPorts
from officina.pbx.message_waiting import MessageWaiting
from officina.pbx.on_call import OnCallAnnouncer
from officina.pbx.pickup import CallPickup
from officina.pbx.registrar_processes import RegistrarProcesses
from officina.pbx.ring_groups import RingGroups
from officina.pbx.rtpengine import RtpEngine, RtpEngineError
from officina.pbx.selectors import hold_music_file_of_extension
from officina.pbx.server import ServerConfig, SipServer
from officina.pbx.third_party_calls import ThirdPartyCalls
from officina.pbx.transports.base import ConnectionTable, monotonic
from officina.pbx.transports.network import Network, guess_advertised_host
from officina.pbx.transports.steering import attach_steering, steering_supported
from officina.pbx.transports.tcp import TcpTransport, TlsContexts
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
    anchor: MediaAnchor | None = None
    registrars: RegistrarProcesses | None = None

    async def stop(self) -> None:
        if self.registrars is not None:
            await self.registrars.stop()
        self.media.close()
        if self.anchor is not None:
            self.anchor.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        WebSocketHub.detach()
        if self.network.tcp is not None:
            await self.network.tcp.stop()
        if self.network.tls is not None:
            await self.network.tls.stop()
        if self.network.udp is not None and self.network.udp.transport is not None:
            self.network.udp.transport.close()


def node_secret() -> bytes:
    """Signs nonces and flow tokens; the same on every node sharing SECRET_KEY."""
    return hashlib.sha256(f"officina-pbx:{settings.SECRET_KEY}".encode()).digest()


async def start_pbx(
    host: str,
    port: int,
    *,
    advertised_host: str | None = None,
    tls_port: int | None = None,
    tls: TlsContexts | None = None,
) -> RunningPbx:
    """Load the directory, open UDP and TCP on ``host:port`` (and TLS on ``tls_port``,
    default ``SIP_TLS_PORT``, when a certificate is configured or ``tls`` given) and
    start the background work."""
    loop = asyncio.get_running_loop()
    use_database_threads(loop)
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
    anchor = await start_media_anchor(settings.RTPENGINE_URL, settings.MEDIA_ANCHORING)
    server.proxy.anchor = anchor
    server.proxy.caller_names = caller_names
    server.proxy.ring_groups = ring_groups
    on_call = OnCallAnnouncer(directory)
    server.proxy.on_call = on_call
    server.routes.local_hosts = {advertised, settings.SIP_DOMAIN, host, "127.0.0.1", "localhost"}
    registrar_count = settings.SIP_REGISTRAR_PROCESSES if steering_supported() else 0
    _udp_transport, network.udp = await start_udp(
        server, host, port, reuse_port=registrar_count > 0
    )
    udp_port = network.udp.local_address[1]
    network.port = udp_port
    tcp = TcpTransport(server, table, StreamFramer)
    # Bound without SO_REUSEPORT, the TCP port also stops a second PBX on this port
    # before it starts registrar processes in the first one's UDP group.
    await tcp.start(host, udp_port)
    registrars = None
    if registrar_count > 0 and network.udp.direct is not None:
        # Bound first, this socket is the group's index 0: all but REGISTERs stay here.
        attach_steering(network.udp.direct, registrar_count)
        registrars = RegistrarProcesses(server, network.udp, host, udp_port, registrar_count)
        await registrars.start()
    network.tcp = tcp
    tls = tls or configured_tls()
    if tls is not None:
        network.tls = TcpTransport(server, table, StreamFramer, tls=tls)
        await network.tls.start(host, settings.SIP_TLS_PORT if tls_port is None else tls_port)
    WebSocketHub.attach(server, table)
    await loop.run_in_executor(None, do_clear_participants)  # calls of a previous run are over
    media = MediaDesk(
        server.layer,
        directory,
        MediaPorts(host, settings.MEDIA_PORT_MIN, settings.MEDIA_PORT_MAX),
        advertised,
        hold_music_file=hold_music_file_of_extension,
        outside_steps_out=settings.TRUNK_MEDIA_STEP_OUT,
    )
    server.proxy.holds = HeldCalls(server.layer, media.holds, advertised)
    message_waiting = MessageWaiting(server.layer, settings.SIP_DOMAIN, monotonic)
    server.attach_media(media, message_waiting)
    dialog_events = DialogEvents(
        server.layer, settings.SIP_DOMAIN, monotonic, directory, ring_groups
    )
    await dialog_events.load()
    server.attach_dialog_events(dialog_events)
    server.proxy.pickup = CallPickup(server.proxy, dialog_events.colleagues)
    trunks = TrunkCalls(server.proxy, server.layer, directory, caller_names)
    await loop.run_in_executor(None, trunks.load)
    server.attach_trunks(trunks)
    forwarder = Forwarder(server.proxy, server.layer, directory, settings.SIP_DOMAIN)
    await loop.run_in_executor(None, forwarder.load)
    server.proxy.forwarding = forwarder
    third_party = ThirdPartyCalls(
        server.proxy, server.layer, directory, table, server.receive_message, settings.SIP_DOMAIN
    )
    server.attach_third_party(third_party)
    # A menu's caller whose phone cannot transfer is put through by the desk's own call.
    media.placer = third_party.placer
    # Without rtpengine a click-to-call answered in the browser phone is bridged by the desk.
    third_party.desk = media
    # Without rtpengine a browser's call to plain phones is bridged by the desk too.
    server.proxy.browser_bridges = BridgedBrowserCalls(server.layer, media, third_party.placer)
    server.proxy.browser_bridges.transfers = server.proxy.transfers
    call_requests = CallRequestListener(third_party.place, third_party.state_of, third_party.end)
    third_party.on_change = call_requests.changed
    registrations = TrunkRegistrations(
        trunks, server.layer, advertised, udp_port, clock=server.clock, wall=server.wall
    )
    tasks = [
        loop.create_task(media.run_clock(), name="media-clock"),
        loop.create_task(media.run_plans(), name="voicemail-plans"),
        loop.create_task(media.menus.run_refresh(), name="attendant-menus"),
        loop.create_task(media.conferences.run_refresh(), name="conference-rooms"),
        loop.create_task(message_waiting.run(), name="message-waiting"),
        loop.create_task(dialog_events.run(), name="dialog-events"),
        loop.create_task(_run_timers(server), name="sip-timers"),
        loop.create_task(directory.run_write_behind(), name="sip-registrations"),
        loop.create_task(directory.run_maintenance(), name="sip-directory"),
        loop.create_task(records.run(), name="sip-call-records"),
        loop.create_task(on_call.run(), name="sip-on-call"),
        loop.create_task(caller_names.run_refresh(), name="sip-caller-names"),
        loop.create_task(ring_groups.run_refresh(), name="sip-ring-groups"),
        loop.create_task(trunks.run_refresh(), name="sip-trunks"),
        loop.create_task(forwarder.run_refresh(), name="sip-forwarding"),
        loop.create_task(registrations.run(), name="sip-trunk-registrations"),
        loop.create_task(call_requests.run(), name="sip-call-requests"),
        loop.create_task(_housekeeping(server, tcp, table), name="sip-housekeeping"),
    ]
    if registrars is not None:
        tasks.append(loop.create_task(registrars.supervise(), name="sip-registrar-processes"))
    logger.info(
        "SIP server on %s:%s (UDP, TCP)%s as %s, WebSocket at /sip/ws; %d extensions, %d devices",
        host,
        udp_port,
        f", TLS on {network.tls.local_port}" if network.tls is not None else "",
        advertised,
        len(directory.by_number),
        sum(len(bindings) for bindings in directory.bindings.values()),
    )
    return RunningPbx(
        server, network, directory, records, tasks, udp_port, udp_port, media, anchor, registrars
    )


async def start_media_anchor(url: str, anchoring: str) -> MediaAnchor | None:
    """rtpengine's client, when ``url`` names one (a bad setting stops the start)."""
    if not url:
        return None
    try:
        policy = Anchoring(anchoring)
    except ValueError:
        choices = ", ".join(choice.value for choice in Anchoring)
        raise ValueError(f"MEDIA_ANCHORING must be one of {choices}, not {anchoring!r}") from None
    engine = RtpEngine(url)  # ValueError on anything but udp:host:port
    await engine.start()
    try:
        await engine.ping()
        logger.info("media through rtpengine at %s:%s (anchoring: %s)", *engine.address, policy)
    except RtpEngineError as error:
        # It may come up after us: every call tries again, and fails clearly while it is away.
        logger.warning("rtpengine at %s:%s does not answer yet: %s", *engine.address, error)
    return MediaAnchor(engine, policy, hold_music_file_of_extension)


def configured_tls() -> TlsContexts | None:
    """SIP over TLS when the settings name a certificate and its key."""
    if not settings.SIP_TLS_CERT_FILE:
        return None
    return TlsContexts(
        settings.SIP_TLS_CERT_FILE,
        settings.SIP_TLS_KEY_FILE or settings.SIP_TLS_CERT_FILE,
        settings.SIP_TLS_CA_FILE or None,
    )


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
