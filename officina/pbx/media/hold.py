"""Hold music from the media desk's own ports, for calls whose media go straight from
phone to phone (no rtpengine carries them).

While a call is held, the held party receives from one of the desk's ports (the proxy
rewrote the held party's offer and the holder's answer to name it, see
``officina.pbx.hold``): the holder's company's music, or the built-in chime, looped in
the codec the held phone chose, on the desk's media clock (``FrameClock``, as every
prompt). Both phones send to that port (the holder's stream, which nobody hears while
it holds, and the held phone's RTCP): nothing is latched and what arrives is thrown
away, only counted as a sign that the call lives. The port is freed when the call is
resumed or hung up, or after ``MEDIA_TIMEOUT`` without a datagram from either phone
(the call ended without a BYE reaching us).
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

# Seconds without RTP or RTCP from either phone after which a held call's port is freed:
# rtpengine's own default for a call whose media stopped. Phones send RTCP on a held
# stream (RFC 3264 §5.1) every few seconds, so a live call never comes near it.
MEDIA_TIMEOUT = 60.0
# Companies' music kept decoded: a file is read once for the holds that follow it. Ten
# minutes of music (the longest upload) is 9.6 MB of samples.
MUSIC_KEPT = 4


@dataclass(slots=True, eq=False)
class HoldStream:
    """One held party's music: the port it receives from, and, once its phone has
    answered the offer naming that port, the session that sends."""

    call_id: str
    sockets: tuple[socket.socket, socket.socket]
    port: int
    opened_at: float
    session: RtpSession | None = None
    music: Samples | None = None
    position: int = 0
    clock: FrameClock = field(default_factory=FrameClock)

    def next_frame(self) -> Samples:
        """The next 20 ms of the music, going round to its start at the end."""
        assert self.music is not None
        music = self.music
        indices = (self.position + np.arange(SAMPLES_PER_FRAME)) % len(music)
        self.position = (self.position + SAMPLES_PER_FRAME) % len(music)
        return music[indices]


class HoldStreams:
    """The held parties the desk plays music to, by Call-ID (one held party per call)."""

    def __init__(
        self,
        ports: MediaPorts,
        music_file: Callable[[str], str | None] | None = None,
        media_timeout: float = MEDIA_TIMEOUT,
    ) -> None:
        self.ports = ports
        # The holder's number -> the file of their company's music, None for the chime.
        # It reads the database: it runs on the loop's executor, once per hold.
        self.music_file = music_file
        self.media_timeout = media_timeout
        self.streams: dict[str, HoldStream] = {}
        self.chime = read_telephone_wav(default_hold_music())
        self._music: OrderedDict[str, Samples] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()
        self.stats = {"held": 0, "timed_out": 0}

    def open(self, call_id: str, holder_number: str) -> int:
        """A port for the party held in ``call_id`` (raises ``NoMediaPort``); the
        holder's music is looked up meanwhile."""
        self.close(call_id)
        rtp, rtcp = self.ports.open()
        loop = asyncio.get_running_loop()
        stream = HoldStream(call_id, (rtp, rtcp), rtp.getsockname()[1], loop.time())
        self.streams[call_id] = stream
        task = loop.create_task(self._load_music(stream, holder_number))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return stream.port

    def start(self, call_id: str, agreement: AudioAgreement) -> bool:
        """The held phone answered: send it the music where and as its answer said.
        False when the call has no port open (it ended meanwhile)."""
        stream = self.streams.get(call_id)
        if stream is None:
            return False
        if stream.session is None:
            stream.session = RtpSession(*stream.sockets, agreement, _no_keys, latching=False)
            task = asyncio.get_running_loop().create_task(stream.session.start())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:  # held again while held (a refreshed offer): same port, maybe a new codec
            stream.session.agree(agreement)
        self.stats["held"] += 1
        return True

    def close(self, call_id: str) -> None:
        stream = self.streams.pop(call_id, None)
        if stream is None:
            return
        if stream.session is not None:
            stream.session.close()
        else:
            for sock in stream.sockets:
                sock.close()
        self.ports.release(stream.port)

    def tick(self, now: float) -> None:
        """Each held party's frames due by ``now``; a call silent too long is let go."""
        for stream in list(self.streams.values()):
            session = stream.session
            heard = session.heard_at if session is not None else None
            if now - (heard if heard is not None else stream.opened_at) > self.media_timeout:
                logger.info("call %s: no media while held, its hold port freed", stream.call_id)
                self.stats["timed_out"] += 1
                self.close(stream.call_id)
                continue
            if session is None or stream.music is None:
                continue
            # What the phones send here is not heard by anyone: released and dropped, so
            # the jitter buffer holds nothing.
            session.buffer.pop(now)
            for _frame_at, send in stream.clock.frames_due(now):
                frame = stream.next_frame()
                if send:
                    session.send(encode(frame, session.payload_type))

    async def _load_music(self, stream: HoldStream, holder_number: str) -> None:
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
            stream.music = self._music[path]
        else:
            stream.music = self.chime

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
