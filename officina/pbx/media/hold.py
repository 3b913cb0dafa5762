"""Hold music from the media desk's own ports, for calls whose media go straight from
phone to phone (no rtpengine carries them).

While a call is held, each of its two phones sends to a port of the desk of its own
(the proxy rewrote the descriptions each phone gets to name it, see
``officina.pbx.hold``), and the held one, the *listener*, receives from its port the
holder's company's music, or the built-in chime, looped in the codec it chose, on the
desk's media clock (``FrameClock``, as every prompt). One port per phone is what lets
the desk latch (RFC 4961, as its other sessions do): the first RTP packet reaching a
phone's port comes from that phone, so the music goes back to wherever its packets come
from, not only to the address its description names (a phone behind NAT names one
nobody outside reaches). Until a packet comes, the music goes to that address, or, once
its RTCP comes from elsewhere, where that RTCP says its RTP is (``RtpSession``: its port
less the distance the phone's ``a=rtcp`` puts between the two); our RTCP goes back
where its RTCP came from, or before any, where its description's ``a=rtcp`` says. The
holder's stream, which nobody hears while it holds, is received on its own port and
thrown away, only counted as a sign that the call lives.

Who listens can change without new ports: a held phone that holds back becomes the
holder, and the phone that held it, now held, the listener (``officina.pbx.hold`` says
when). The ports are freed when the call is resumed or hung up, or after
``MEDIA_TIMEOUT`` without a datagram from either phone (the call ended without a BYE
reaching us).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from officina.pbx.anchoring import default_hold_music
from officina.pbx.media.g711 import Samples, encode
from officina.pbx.media.player import FrameClock
from officina.pbx.media.ports import MediaPorts
from officina.pbx.media.session import SAMPLES_PER_FRAME, RtpSession
from officina.sip.sdp import AudioAgreement
from officina.voicemail.sound import read_telephone_wav

logger = logging.getLogger("officina.pbx.media")

# Seconds without RTP or RTCP from either phone after which a held call's ports are
# freed: rtpengine's own default for a call whose media stopped. Phones send RTCP on a
# held stream (RFC 3264 §5.1) every few seconds, so a live call never comes near it.
MEDIA_TIMEOUT = 60.0
# Companies' music kept decoded: a file is read once for the holds that follow it. Ten
# minutes of music (the longest upload) is 9.6 MB of samples.
MUSIC_KEPT = 4


@dataclass(slots=True, eq=False)
class HoldPort:
    """One phone's port of a held call: where that phone sends, and, when it is the
    listener, whence its music comes (once it answered an offer naming the port)."""

    sockets: tuple[socket.socket, socket.socket]
    port: int
    session: RtpSession | None = None
    music: Samples | None = None  # the other phone's company's music, or the chime
    position: int = 0
    clock: FrameClock = field(default_factory=FrameClock)

    def next_frame(self) -> Samples:
        """The next 20 ms of the music, going round to its start at the end."""
        assert self.music is not None
        frame, self.position = looped(self.music, self.position)
        return frame


def looped(music: Samples, position: int) -> tuple[Samples, int]:
    """The 20 ms of ``music`` from ``position``, going round to its start at the end, and
    the position after them."""
    indices = (position + np.arange(SAMPLES_PER_FRAME)) % len(music)
    return music[indices], (position + SAMPLES_PER_FRAME) % len(music)


@dataclass(slots=True, eq=False)
class HoldStream:
    """A held call at the desk: a port for each phone (by its dialog tag), and which
    phone hears the music."""

    call_id: str
    opened_at: float
    ports: dict[str, HoldPort] = field(default_factory=dict)
    listener: str | None = None

    def heard_at(self) -> float:
        """When the last datagram came from either phone (the opening, before any)."""
        heard = [
            port.session.heard_at
            for port in self.ports.values()
            if port.session is not None and port.session.heard_at is not None
        ]
        return max(heard, default=self.opened_at)


class HoldStreams:
    """The held calls the desk plays music in, by Call-ID (one listener per call)."""

    def __init__(
        self,
        ports: MediaPorts,
        music_file: Callable[[str], str | None] | None = None,
        media_timeout: float = MEDIA_TIMEOUT,
    ) -> None:
        self.ports = ports
        # The holder's number -> the file of their company's music, None for the chime.
        # It reads the database: it runs on the loop's executor, once per port.
        self.music_file = music_file
        self.media_timeout = media_timeout
        self.streams: dict[str, HoldStream] = {}
        self.chime = read_telephone_wav(default_hold_music())
        self._music: OrderedDict[str, Samples] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        self.stats = {"held": 0, "timed_out": 0}

    def open(self, call_id: str, tag: str, holder_number: str) -> int:
        """The port of the phone of ``tag`` in ``call_id``, opened now unless it is
        already (raises ``NoMediaPort``); the music it would hear, that of the phone
        of ``holder_number``, is looked up meanwhile."""
        loop = asyncio.get_running_loop()
        stream = self.streams.get(call_id)
        if stream is None:
            stream = self.streams[call_id] = HoldStream(call_id, loop.time())
        held = stream.ports.get(tag)
        if held is not None:
            return held.port
        rtp, rtcp = self.ports.open()
        held = stream.ports[tag] = HoldPort((rtp, rtcp), rtp.getsockname()[1])
        task = loop.create_task(self._load_music(held, holder_number))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return held.port

    def start(self, call_id: str, listener: str, agreement: AudioAgreement) -> bool:
        """An offer/answer naming the call's ports is done: the phone of ``listener``
        hears the music where and as ``agreement`` says (its own address, direction and
        the codec agreed), the other phone's port only receives. False when the call
        has no port for the listener (it ended meanwhile)."""
        stream = self.streams.get(call_id)
        if stream is None or listener not in stream.ports:
            return False
        # The phone that holds gets nothing (its description says it does not receive).
        silent = agreement._replace(direction="inactive")
        for tag, held in stream.ports.items():
            agreed = agreement if tag == listener else silent
            if held.session is None:
                held.session = RtpSession(*held.sockets, agreed, _no_keys)
                task = asyncio.get_running_loop().create_task(held.session.start())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            else:  # a new offer/answer: maybe another codec, address or listener
                held.session.agree(agreed)
        if stream.listener != listener:
            stream.ports[listener].clock = FrameClock()
        stream.listener = listener
        self.stats["held"] += 1
        return True

    def close(self, call_id: str) -> None:
        stream = self.streams.pop(call_id, None)
        if stream is None:
            return
        for held in stream.ports.values():
            if held.session is not None:
                held.session.close()
            else:
                for sock in held.sockets:
                    sock.close()
            self.ports.release(held.port)

    def tick(self, now: float) -> None:
        """The listeners' frames due by ``now``; a call silent too long is let go."""
        for stream in list(self.streams.values()):
            if now - stream.heard_at() > self.media_timeout:
                logger.info("call %s: no media while held, its hold ports freed", stream.call_id)
                self.stats["timed_out"] += 1
                self.close(stream.call_id)
                continue
            for tag, held in stream.ports.items():
                session = held.session
                if session is None:
                    continue
                # What the phones send here is not heard by anyone: released and
                # dropped, so the jitter buffer holds nothing.
                session.buffer.pop(now)
                # Reports to both phones (RFC 3550 §6.4): the listener's, sender reports
                # of the music, where its RTCP comes from or its description says.
                session.report(now)
                if tag != stream.listener or held.music is None:
                    continue
                for _frame_at, send in held.clock.frames_due(now):
                    frame = held.next_frame()
                    if send:
                        session.send(encode(frame, session.payload_type))

    async def _load_music(self, held: HoldPort, holder_number: str) -> None:
        held.music = await self.music_of(holder_number)

    async def music_of(self, holder_number: str) -> Samples:
        """The music of the company of the phone of ``holder_number``, or the chime."""
        path: str | None = None
        if self.music_file is not None and holder_number:
            loop = asyncio.get_running_loop()
            try:
                path = await loop.run_in_executor(None, self.music_file, holder_number)
                if path is not None and path not in self._music:
                    music = await loop.run_in_executor(None, _read, path)
                    if len(music) < SAMPLES_PER_FRAME:
                        raise ValueError(f"{path}: too short to loop")
                    self._music[path] = music
                    while len(self._music) > MUSIC_KEPT:
                        self._music.popitem(last=False)
            except Exception:
                logger.exception("reading %s's hold music failed: the chime plays", holder_number)
                path = None
        if path is not None and path in self._music:
            self._music.move_to_end(path)
            return self._music[path]
        return self.chime

    def close_all(self) -> None:
        for call_id in list(self.streams):
            self.close(call_id)
        for task in self._tasks:
            task.cancel()


def _read(path: str) -> Samples:
    with open(path, "rb") as file:
        return read_telephone_wav(file.read())


def _no_keys(_digit: str) -> None:
    """Keys pressed by a held party go nowhere: nothing listens for them."""
