"""The desk's bridge between a caller and the person it put through, and the menu's
ringing, over real RTP sessions on loopback UDP (sockets stand for the two phones) with
the ticks the media clock gives."""

from __future__ import annotations

import asyncio
import socket

import numpy as np

from officina.attendant.kinds import ROUNDS_MAX
from officina.attendant.selectors import MenuPlan
from officina.pbx.media.attendant_call import AttendantCall, Stage
from officina.pbx.media.bridge import KEY_FRAMES, BridgedCall
from officina.pbx.media.g711 import decode, encode
from officina.pbx.media.session import RtpSession
from officina.pbx.media.tones import InBandDtmf, ringback
from officina.pbx.tests.test_media_clock_timing import phone_and_session, received_by
from officina.sip.rtp import PCMA, PCMU, DtmfEvent, RtpStream
from officina.sip.sdp import Codec

LAWS = {PCMU: Codec("0", "PCMU", 8000, 1), PCMA: Codec("8", "PCMA", 8000, 1)}


def tone(hz: float, frames: int) -> np.ndarray:
    t = np.arange(160 * frames) / 8000
    return (np.sin(2 * np.pi * hz * t) * 8000).astype(np.int16)


def purity(samples: np.ndarray, hz: float) -> float:
    """The share of the signal's energy within 30 Hz of ``hz`` (1.0: a clean tone)."""
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64))) ** 2
    frequencies = np.fft.rfftfreq(len(samples), 1 / 8000)
    total = float(spectrum.sum())
    return float(spectrum[np.abs(frequencies - hz) <= 30].sum()) / total if total else 0.0


async def talk(
    bridge: BridgedCall,
    speakers: list[tuple[socket.socket, RtpSession, int, np.ndarray]],
    frames: int,
) -> None:
    """Each phone sends its sound to its session, a frame every 20 ms, and the bridge
    ticks on the loop's clock."""
    loop = asyncio.get_running_loop()
    streams = [RtpStream(0x1000 + index, law) for index, (_, _, law, _) in enumerate(speakers)]
    for frame in range(frames):
        for stream, (phone, session, law, sound) in zip(streams, speakers, strict=True):
            payload = encode(sound[frame * 160 : (frame + 1) * 160], law)
            phone.sendto(stream.packet(payload, 160), ("127.0.0.1", session.local_port))
        await asyncio.sleep(0.02)
        bridge.tick(loop.time())
    for _ in range(10):  # what the jitter buffers still hold
        await asyncio.sleep(0.02)
        bridge.tick(loop.time())


def test_each_side_hears_the_other_re_encoded_between_pcmu_and_pcma():
    async def run() -> None:
        caller_phone, caller = await phone_and_session(LAWS[PCMU])
        callee_phone, callee = await phone_and_session(LAWS[PCMA])
        ended: list[BridgedCall] = []
        bridge = BridgedCall(caller, callee, on_done=ended.append)
        await talk(
            bridge,
            [
                (caller_phone, caller, PCMU, tone(1000, 100)),
                (callee_phone, callee, PCMA, tone(700, 100)),
            ],
            frames=100,
        )
        to_callee, to_caller = await received_by(callee_phone), await received_by(caller_phone)
        assert {p.payload_type for p in to_callee} == {PCMA}
        assert {p.payload_type for p in to_caller} == {PCMU}
        assert len(to_callee) >= 90 and len(to_caller) >= 90
        heard_by_callee = decode(b"".join(p.payload for p in to_callee), PCMA)
        heard_by_caller = decode(b"".join(p.payload for p in to_caller), PCMU)
        assert purity(heard_by_callee, 1000) > 0.95
        assert purity(heard_by_caller, 700) > 0.95
        bridge.hung_up()
        bridge.hung_up()
        assert ended == [bridge] and bridge.ended_by == "caller hung up"
        for session in (caller, callee):
            session.close()
        caller_phone.close()
        callee_phone.close()

    asyncio.run(run())


def test_a_key_goes_on_as_rfc4733_events_and_the_audio_waits_meanwhile():
    async def run() -> None:
        caller_phone, caller = await phone_and_session(LAWS[PCMU], 101)
        callee_phone, callee = await phone_and_session(LAWS[PCMU], 101)
        bridge = BridgedCall(caller, callee, on_done=lambda call: None)
        bridge.digit("5")
        await talk(bridge, [(caller_phone, caller, PCMU, tone(1000, 20))], frames=20)
        packets = await received_by(callee_phone)
        events = [p for p in packets if p.payload_type == 101]
        audio = [p for p in packets if p.payload_type == PCMU]
        # One press: five packets of growing duration, the last one thrice, all at the
        # press's start time, the first marked.
        assert len(events) == KEY_FRAMES + 2
        parsed = [DtmfEvent.parse(p.payload) for p in events]
        assert {e.digit for e in parsed} == {"5"}
        assert [e.duration for e in parsed] == [160, 320, 480, 640, 800, 800, 800]
        assert [e.end for e in parsed] == [False] * 4 + [True] * 3
        assert len({p.timestamp for p in events}) == 1 and events[0].marker
        assert not any(p.marker for p in events[1:])
        # The audio after it goes on from where the press ended; none went meanwhile.
        assert audio[0].timestamp == events[0].timestamp + 800
        assert audio[0].sequence == (events[-1].sequence + 1) & 0xFFFF
        assert bridge.keys_sent == {"to_onward": 1, "to_caller": 0}

    asyncio.run(run())


def test_a_key_goes_on_as_its_tones_to_a_phone_without_telephone_events():
    async def run() -> None:
        caller_phone, caller = await phone_and_session(LAWS[PCMU], 101)
        callee_phone, callee = await phone_and_session(LAWS[PCMA], None)
        bridge = BridgedCall(caller, callee, on_done=lambda call: None)
        bridge.onward_digit("9")  # the callee's key, on to the caller's RFC 4733
        bridge.digit("7")
        bridge.digit("7")
        await talk(bridge, [], frames=2 * (KEY_FRAMES + 2))
        packets = await received_by(callee_phone)
        assert {p.payload_type for p in packets} == {PCMA}
        detector = InBandDtmf()
        heard = [detector.feed(decode(p.payload, PCMA)) for p in packets]
        assert [key for key in heard if key is not None] == ["7", "7"]
        to_caller = await received_by(caller_phone)
        assert {DtmfEvent.parse(p.payload).digit for p in to_caller} == {"9"}

    asyncio.run(run())


def menu_call(session: RtpSession, rounds: int = 1) -> tuple[AttendantCall, list[str]]:
    """A menu's call (a 0.1 s greeting, 2 for Bob), and the names of the prompts it says."""
    menu = MenuPlan(1, 1, "500", "Front desk", "en", None, 5, {"2": ("extension", "202")})
    said: list[str] = []

    def prompt(name: str, language: str) -> np.ndarray:
        said.append(name)
        return np.zeros(800, dtype=np.int16)

    call = AttendantCall(
        session,
        menu,
        lambda number: None,
        lambda plan: np.zeros(800, dtype=np.int16),
        prompt,
        inband_dtmf=False,
        on_choice=lambda call, kind, number: None,
        on_done=lambda call: None,
    )
    call.rounds = rounds
    return call, said


def stage(call: AttendantCall) -> Stage:
    return call.stage


def test_ringing_the_menu_plays_the_ring_tone_after_please_hold_then_back_to_the_menu():
    async def run() -> None:
        phone, session = await phone_and_session(LAWS[PCMU])
        call, said = menu_call(session)
        call.digit("2")
        assert stage(call) is Stage.CHOSEN and call.chosen == ("extension", "202")
        call.ringing(ringback())
        assert stage(call) is Stage.RINGING
        loop = asyncio.get_running_loop()
        start = loop.time()
        while loop.time() - start < 1.5:  # "please hold" (0.1 s here), then ringing
            await asyncio.sleep(0.02)
            call.tick(loop.time())
        heard = decode(b"".join(p.payload for p in await received_by(phone)), PCMU)
        assert purity(heard[2000:8000], 425) > 0.9
        call.digit("2")  # a key while it rings changes nothing
        assert stage(call) is Stage.RINGING
        call.not_reached("busy", "busy (486)")
        assert stage(call) is Stage.GREETING and call.rounds == 2 and call.chosen is None
        assert said[-1] == "busy"
        call.not_reached("busy", "again")  # not ringing any more: nothing
        assert call.rounds == 2
        session.close()

    asyncio.run(run())


def test_busy_in_the_last_round_says_why_and_goodbye():
    async def run() -> None:
        phone, session = await phone_and_session(LAWS[PCMU])
        call, said = menu_call(session, rounds=ROUNDS_MAX)
        call.digit("2")
        call.ringing(ringback())
        call.not_reached("no_answer", "no answer (487)")
        assert stage(call) is Stage.ENDING and call.ended_by == "no answer (487)"
        assert said[-2:] == ["no_answer", "goodbye"]
        session.close()
        phone.close()

    asyncio.run(run())
