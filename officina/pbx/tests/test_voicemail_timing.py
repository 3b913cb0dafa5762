"""A voicemail's greeting lasts its length in time when the media clock falls behind.

On a loaded machine the clock's ticks come late, or are skipped when it is far
behind; a greeting said one frame per tick then stretched (a 19-load run made a
4 s greeting last past the 8 s a caller waited before speaking, and the speech
came before the recording started). The call and its RTP session are real: the
frames go over loopback UDP to a socket standing for the phone, and the ticks come
as a loaded clock gives them (every 20 ms, then every 300 ms).
"""

from __future__ import annotations

import asyncio
import socket

import numpy as np

from officina.pbx.media.session import RtpSession
from officina.pbx.media.tones import beep
from officina.pbx.media.voicemail_call import CATCH_UP_FRAMES, Stage, VoicemailCall
from officina.sip.rtp import RtpPacket
from officina.sip.sdp import AudioAgreement, Codec

GREETING_SECONDS = 4.0


def udp_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    return sock


async def greeting_under_a_late_clock(
    tick_gaps: list[float],
) -> tuple[float, list[RtpPacket]]:
    phone = udp_socket()
    agreement = AudioAgreement(
        "127.0.0.1", phone.getsockname()[1], Codec("0", "PCMU", 8000, 1), None, "sendrecv"
    )
    session = RtpSession(udp_socket(), udp_socket(), agreement, on_digit=lambda digit: None)
    await session.start()
    greeting = (np.ones(int(8000 * GREETING_SECONDS)) * 3000).astype(np.int16)
    call = VoicemailCall(session, greeting, 60.0, False, on_done=lambda call: None)
    now, start = 100.0, 100.0
    recording_at = None
    for gap in tick_gaps:
        call.tick(now)
        if recording_at is None and call.stage is Stage.RECORDING:
            recording_at = now - start
        now += gap
    await asyncio.sleep(0.2)
    received = []
    while True:
        try:
            received.append(RtpPacket.parse(phone.recv(2048)))
        except BlockingIOError:
            break
    session.close()
    phone.close()
    assert recording_at is not None, call.stage
    return recording_at, received


def test_the_greeting_ends_on_time_when_ticks_come_late():
    tone = len(beep()) / 8000
    # One second on time, then a clock 300 ms late at every tick.
    gaps = [0.02] * 50 + [0.3] * 40
    recording_at, received = asyncio.run(greeting_under_a_late_clock(gaps))
    assert abs(recording_at - (GREETING_SECONDS + tone)) <= 0.3, recording_at
    # The frames sent are numbered in order; at a late tick at most CATCH_UP_FRAMES go.
    sequences = [packet.sequence for packet in received]
    assert sequences == sorted(sequences)
    assert len(received) <= 50 + 40 * CATCH_UP_FRAMES
    assert len(received) >= 50 + 39 * CATCH_UP_FRAMES
