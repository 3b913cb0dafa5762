"""Phones set to 30 or 40 ms of audio a packet (many desk phones and softphones are)
in the desk's calls, over loopback UDP: a socket of the test stands for each phone.

The desk's calls deal in 20 ms frames: the jitter buffer cuts what a phone sends into
them by timestamp, and the session sends each phone packets of its own packet time.
In a room, three callers sending 20, 30 and 40 ms packets hear each other without a
gap, each receiving packets of its own time; lost packets of a 30 ms phone are gaps
where they were and counted. A voicemail caller sending 30 or 40 ms packets is recorded
whole, a '#' said in the audio ends the message, and a lost packet is silence in its
place, counted.
"""

from __future__ import annotations

import asyncio
from itertools import pairwise

import numpy as np
import pytest

from officina.pbx.media.g711 import decode, encode
from officina.pbx.media.session import SAMPLES_PER_FRAME, RtpSession
from officina.pbx.media.tones import beep, dtmf_tone, rms
from officina.pbx.media.voicemail_call import Stage, VoicemailCall
from officina.pbx.tests.test_media_clock_timing import (
    assert_hears_the_others,
    callers_under_a_clock,
    phone_and_session,
    received_by,
    sound,
    tone_levels,
)
from officina.sip.rtp import PCMU, RtpPacket, RtpStream

ON_TIME_TICKS = 75  # 1.5 s of the room's clock, every tick on time
CHECKED_FROM = 20  # the room's frames from here on (the buffers' delay and join tone past)


def frames_of(packets: list[RtpPacket], ptime: int) -> list[bytes]:
    """What a phone received, cut into 20 ms frames, once it is checked that every packet
    held ``ptime`` ms and its timestamp went on by as much."""
    assert {len(packet.payload) for packet in packets} == {ptime * 8}
    assert {(b.timestamp - a.timestamp) % 2**32 for a, b in pairwise(packets)} == {ptime * 8}
    audio = b"".join(packet.payload for packet in packets)
    return [audio[start : start + 160] for start in range(0, len(audio) - 159, 160)]


def test_callers_sending_20_30_and_40_ms_packets_hear_each_other_without_a_gap():
    ptimes = (20, 30, 40)
    mixes, phones, sessions = asyncio.run(
        callers_under_a_clock([0.02] * ON_TIME_TICKS, ptimes=ptimes)
    )
    sent = [frame for frames in mixes for frame in frames]
    for index, ((law, received), ptime) in enumerate(zip(phones, ptimes, strict=True)):
        heard = frames_of(received, ptime)
        # The frames sent, but what still waits for a whole packet (less than 40 ms).
        assert len(sent) - 2 <= len(heard) <= len(sent), (ptime, len(heard), len(sent))
        checked = assert_hears_the_others(index, law, sent, heard, CHECKED_FROM)
        assert len(checked) >= len(sent) - CHECKED_FROM - 2
    for session in sessions:
        assert session.stats.received > 0
        assert session.stats.lost == session.buffer.late_or_lost == session.buffer.late == 0


def test_lost_30_ms_packets_are_gaps_in_their_place_and_counted():
    lost = frozenset({20, 33})  # 0.60-0.63 s and 0.99-1.02 s of the second caller's
    mixes, phones, sessions = asyncio.run(
        callers_under_a_clock([0.02] * ON_TIME_TICKS, ptimes=(20, 30, 20), lost=lost)
    )
    lossy = sessions[1]
    assert lossy.stats.lost == len(lost)
    assert lossy.buffer.late_or_lost == 2 * len(lost)  # 30 ms spans two 20 ms frames
    assert lossy.buffer.late == 0
    sent = [frame for frames in mixes for frame in frames]
    for index in (0, 2):
        law, received = phones[index]
        levels = [
            tone_levels(decode(packet.payload, law))[1]
            for frame, packet in zip(sent, received, strict=True)
            if frame >= CHECKED_FROM
        ]
        gaps = [number for number, level in enumerate(levels) if level < 1000]
        # Each lost packet: the frame it filled is silent, the half of the other
        # leaves it quieter (under 1000 when its level step is low); nothing else.
        assert len(lost) <= len(gaps) <= 2 * len(lost), (index, gaps)
        assert max(gaps) - min(gaps) in range((33 - 20) * 3 // 2 - 2, (33 - 20) * 3 // 2 + 3), gaps
    for quiet in (sessions[0], sessions[2]):
        assert quiet.stats.lost == quiet.buffer.late_or_lost == 0


GREETING_SECONDS = 0.3
SPEECH_SECONDS = 1.2


def what_the_caller_says() -> np.ndarray:
    """Silence through the greeting and the tone, a 440 Hz tone for SPEECH_SECONDS, the
    '#' key's tones (which end the message), then silence."""
    waiting = GREETING_SECONDS + len(beep()) / 8000 + 0.3
    t = np.arange(int(8000 * SPEECH_SECONDS)) / 8000
    return np.concatenate(
        [
            np.zeros(int(8000 * waiting), dtype=np.int16),
            (np.sin(2 * np.pi * 440 * t) * 3000).astype(np.int16),
            dtmf_tone("#", seconds=0.2),
            np.zeros(8000 * 2, dtype=np.int16),
        ]
    )


async def message_from_a_phone(
    ptime: int, lost: frozenset[int]
) -> tuple[VoicemailCall, list[RtpPacket]]:
    """A caller whose phone sends packets of ``ptime`` ms (those numbered in ``lost``
    never arrive) leaves a message, the desk's clock ticking every 20 ms: the call, and
    what the phone received."""
    phone, session = await phone_and_session(ptime=ptime)
    call = VoicemailCall(session, sound(GREETING_SECONDS), 60.0, True, on_done=lambda call: None)
    said = encode(what_the_caller_says(), PCMU)
    samples = ptime * 8
    stream = RtpStream(1234, PCMU, sequence=65000)
    loop = asyncio.get_running_loop()
    started = loop.time()
    sent = 0
    tick = 0
    received = []
    while not call.finished and loop.time() - started < 6.0:
        now = loop.time()
        while (sent + 1) * samples <= len(said) and started + sent * ptime / 1000 <= now:
            packet = stream.packet(said[sent * samples : (sent + 1) * samples], samples)
            if sent not in lost:
                phone.sendto(packet, ("127.0.0.1", session.local_port))
            sent += 1
        call.tick(now)
        tick += 1
        await asyncio.sleep(max(started + tick * 0.02 - loop.time(), 0))
    received = await received_by(phone)
    session.close()
    phone.close()
    return call, received


@pytest.mark.parametrize("ptime", [30, 40])
@pytest.mark.parametrize("lost", [frozenset(), frozenset({40})])
def test_a_message_said_in_30_or_40_ms_packets_is_recorded_whole(ptime, lost):
    call, received = asyncio.run(message_from_a_phone(ptime, lost))
    # The greeting and the tone reached the phone in packets of its time.
    assert len(frames_of(received, ptime)) >= (GREETING_SECONDS + 0.4) * 50
    # The '#' said in the packets' audio, cut into 20 ms frames, was heard.
    assert call.stage is Stage.DONE and call.ended_by == "#", call.ended_by
    session, recording = call.session, call.recording
    assert isinstance(session, RtpSession)
    assert session.stats.lost == len(lost)
    assert session.buffer.late_or_lost == 2 * len(lost)  # each lost packet spans 2 frames
    assert session.buffer.late == 0
    message = recording.message()
    assert message is not None
    # From the first loud frame: the tone, every 20 ms of it, then the key's tones.
    start = recording.first_speech
    assert start is not None
    tone = recording.frames[start : start + int(SPEECH_SECONDS * 50)]
    quiet = [number for number, frame in enumerate(tone) if rms(frame) < 1000]
    if not lost:
        assert quiet == []
    else:
        # Packet 40 is 1.2 s (30 ms) or 1.6 s (40 ms) into what the phone said: two
        # frames in the tone, silent (40 ms) or one silent and one half (30 ms).
        assert 1 <= len(quiet) <= 2 and max(quiet) - min(quiet) <= 1, quiet
    assert SPEECH_SECONDS + 0.25 <= len(message) / 8000 <= SPEECH_SECONDS + 0.6
    assert {len(frame) for frame in recording.frames} == {SAMPLES_PER_FRAME}
