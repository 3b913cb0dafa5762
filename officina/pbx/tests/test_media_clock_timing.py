"""What the PBX says (a voicemail's greeting, a menu's greeting and prompts, a
conference room's prompts) lasts its length in time when the media clock falls behind.

On a loaded machine the clock's ticks come late, or are skipped when it is far
behind; a greeting said one frame per tick then stretched (a 19-load run made a
4 s greeting last past the 8 s a caller waited before speaking, and the speech
came before the recording started). The calls and their RTP sessions are real: the
frames go over loopback UDP to a socket standing for the phone, and the ticks come
as a loaded clock gives them (every 20 ms, then every 300 ms).
"""

from __future__ import annotations

import asyncio
import math
import socket

import numpy as np

from officina.attendant.selectors import MenuPlan
from officina.conferences.kinds import PIN_TRIES
from officina.conferences.selectors import RoomPlan
from officina.pbx.media.attendant_call import AttendantCall
from officina.pbx.media.attendant_call import Stage as AttendantStage
from officina.pbx.media.conference import JOIN_TONE, ConferenceCall, LiveRoom
from officina.pbx.media.conference import Stage as ConferenceStage
from officina.pbx.media.g711 import decode
from officina.pbx.media.listening import WAIT_FOR_KEYS, ListeningCall
from officina.pbx.media.player import CATCH_UP_FRAMES
from officina.pbx.media.session import RtpSession
from officina.pbx.media.tones import beep
from officina.pbx.media.voicemail_call import Stage, VoicemailCall
from officina.sip.rtp import RtpPacket
from officina.sip.sdp import AudioAgreement, Codec

GREETING_SECONDS = 4.0
NO_CHOICE_SECONDS = 1.5
WRONG_PIN_SECONDS = 2.0
MAILBOX_PROMPT_SECONDS = 2.0


def udp_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    return sock


PCMU_CODEC = Codec("0", "PCMU", 8000, 1)


async def phone_and_session(
    codec: Codec = PCMU_CODEC, telephone_event: int | None = None
) -> tuple[socket.socket, RtpSession]:
    """A socket standing for the phone, and the PBX's RTP session towards it (PCMU
    unless ``codec`` says otherwise)."""
    phone = udp_socket()
    agreement = AudioAgreement(
        "127.0.0.1", phone.getsockname()[1], codec, telephone_event, "sendrecv"
    )
    session = RtpSession(udp_socket(), udp_socket(), agreement, on_digit=lambda digit: None)
    await session.start()
    return phone, session


async def received_by(phone: socket.socket) -> list[RtpPacket]:
    await asyncio.sleep(0.2)
    received = []
    while True:
        try:
            received.append(RtpPacket.parse(phone.recv(2048)))
        except BlockingIOError:
            return received


def sound(seconds: float) -> np.ndarray:
    return (np.ones(int(8000 * seconds)) * 3000).astype(np.int16)


def assert_caught_up(received: list[RtpPacket], on_time: int, late: int) -> None:
    """The frames sent are numbered in order; at a late tick at most CATCH_UP_FRAMES go."""
    # Counted from the first packet's number: a session starts at a random one (RFC 3550
    # §5.1), so the 16-bit numbers may wrap past 65535 during the call.
    sequences = [(packet.sequence - received[0].sequence) % 65536 for packet in received]
    assert sequences == sorted(sequences)
    assert len(received) <= on_time + late * CATCH_UP_FRAMES
    assert len(received) >= on_time + (late - 1) * CATCH_UP_FRAMES


async def greeting_under_a_late_clock(
    tick_gaps: list[float],
) -> tuple[float, list[RtpPacket]]:
    phone, session = await phone_and_session()
    greeting = (np.ones(int(8000 * GREETING_SECONDS)) * 3000).astype(np.int16)
    call = VoicemailCall(session, greeting, 60.0, False, on_done=lambda call: None)
    now, start = 100.0, 100.0
    recording_at = None
    for gap in tick_gaps:
        call.tick(now)
        if recording_at is None and call.stage is Stage.RECORDING:
            recording_at = now - start
        now += gap
    received = await received_by(phone)
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
    assert_caught_up(received, 50, 40)


async def menu_under_a_late_clock(
    tick_gaps: list[float],
) -> tuple[list[tuple[float, AttendantStage]], list[RtpPacket]]:
    """A menu's greeting (GREETING_SECONDS), its five-second timeout and the prompt
    after it, said with ``tick_gaps`` between ticks: when each stage began."""
    phone, session = await phone_and_session()
    menu = MenuPlan(1, 1, "500", "Front desk", "en", None, timeout_seconds=5)
    call = AttendantCall(
        session, menu, menus=lambda number: None,
        sound=lambda menu: sound(GREETING_SECONDS),
        prompt=lambda name, language: sound(NO_CHOICE_SECONDS),
        inband_dtmf=False, on_choice=lambda call, kind, number: None,
        on_done=lambda call: None,
    )  # fmt: skip
    now = start = 100.0
    stages = [(0.0, call.stage)]
    for gap in tick_gaps:
        call.tick(now)
        if call.stage is not stages[-1][1]:
            stages.append((now - start, call.stage))
        now += gap
    received = await received_by(phone)
    session.close()
    phone.close()
    return stages, received


def test_a_menus_greeting_and_timeout_keep_time_when_ticks_come_late():
    gaps = [0.02] * 50 + [0.3] * 40  # one second on time, then 300 ms late at every tick
    stages, received = asyncio.run(menu_under_a_late_clock(gaps))
    waiting_at, greeting_again_at = (
        next(at for at, stage in stages[index:] if stage is wanted)
        for index, wanted in ((1, AttendantStage.WAITING), (2, AttendantStage.GREETING))
    )
    # The greeting ends after its four seconds, the timeout's five seconds after that.
    assert abs(waiting_at - GREETING_SECONDS) <= 0.3, stages
    assert abs(greeting_again_at - (GREETING_SECONDS + 5)) <= 0.3, stages
    assert_caught_up(received, 50, 40)


async def room_prompt_under_a_late_clock(tick_gaps: list[float]) -> tuple[float, list[RtpPacket]]:
    """A caller types a wrong PIN three times before the first tick: the room says
    "wrong PIN" (WRONG_PIN_SECONDS) and hangs up. When it hung up."""
    phone, session = await phone_and_session()
    ended: list[float] = []
    now = start = 100.0
    call = ConferenceCall(
        session, RoomPlan(1, "800", "1234", "en"),
        prompt=lambda name, language: sound(WRONG_PIN_SECONDS if name == "wrong_pin" else 3.0),
        inband_dtmf=False, on_join=lambda call: None, on_mute=lambda call: None,
        on_done=lambda call: ended.append(now - start),
    )  # fmt: skip
    for _try in range(PIN_TRIES):
        call.digit("9")
        call.digit("#")
    assert call.stage is ConferenceStage.ENDING
    for gap in tick_gaps:
        call.tick(now)
        now += gap
    received = await received_by(phone)
    session.close()
    phone.close()
    assert ended, call.stage
    return ended[0], received


def test_a_rooms_prompt_keeps_time_when_ticks_come_late():
    gaps = [0.02] * 10 + [0.3] * 20  # 200 ms on time, then 300 ms late at every tick
    ended_at, received = asyncio.run(room_prompt_under_a_late_clock(gaps))
    assert abs(ended_at - WRONG_PIN_SECONDS) <= 0.3, ended_at
    # Every frame of the prompt that was due went, at most CATCH_UP_FRAMES at a late tick.
    late_ticks = math.ceil((WRONG_PIN_SECONDS - 0.2) / 0.3)
    assert_caught_up(received, 10, late_ticks)


class PromptsOnly:
    """The listening call's backend for a caller who types nothing: the prompts only
    (no box is opened, no PIN checked)."""

    def prompt(self, name: str) -> np.ndarray:
        return sound(MAILBOX_PROMPT_SECONDS)

    def open_box(self, extension_id: int, then: object) -> None:
        raise AssertionError("no box is opened")

    def check_pin(self, number: str, pin: str, then: object) -> None:
        raise AssertionError("no PIN is typed")

    def mark_heard(self, message_id: int) -> None:
        raise AssertionError("nothing is heard")

    def delete(self, message_id: int) -> None:
        raise AssertionError("nothing is deleted")


async def listening_under_a_late_clock(tick_gaps: list[float]) -> tuple[float, list[RtpPacket]]:
    """``*98``: "mailbox number?", then the wait for keys, then the PBX hangs up."""
    phone, session = await phone_and_session()
    ended: list[float] = []
    now = start = 100.0
    call = ListeningCall(
        session, PromptsOnly(), None, False, on_done=lambda call: ended.append(now - start)
    )
    for gap in tick_gaps:
        call.tick(now)
        now += gap
    received = await received_by(phone)
    session.close()
    phone.close()
    assert ended, "the call ended"
    return ended[0], received


def test_listening_prompts_and_waits_keep_time_when_ticks_come_late():
    gaps = [0.02] * 50 + [0.3] * 45
    ended_at, received = asyncio.run(listening_under_a_late_clock(gaps))
    assert abs(ended_at - (MAILBOX_PROMPT_SECONDS + WAIT_FOR_KEYS)) <= 0.3, ended_at
    late_ticks = math.ceil((ended_at - 1.0) / 0.3)
    assert_caught_up(received, 50, late_ticks)


async def room_tone_under_a_clock(tick_gaps: list[float]) -> list[tuple[float, bool]]:
    """Two callers who say nothing join a room: for each mix after that, when it came
    and whether what the first caller got was loud (the join tone)."""
    phones_and_sessions = [await phone_and_session() for _ in range(2)]
    live = LiveRoom(1)
    for _phone, session in phones_and_sessions:
        live.join(
            ConferenceCall(
                session, RoomPlan(1, "800", "", "en"), lambda name, language: sound(1.0),
                inband_dtmf=False, on_join=lambda call: None, on_mute=lambda call: None,
                on_done=lambda call: None,
            )
        )  # fmt: skip
    now = start = 100.0
    mixed_at = []
    for gap in tick_gaps:
        live.mix(now)
        mixed_at.append(now - start)
        now += gap
    phone = phones_and_sessions[0][0]
    received = await received_by(phone)
    for other, session in phones_and_sessions:
        session.close()
        other.close()
    # One frame per mix, in the order of the mixes (their numbers, from the first's).
    first = received[0].sequence
    received.sort(key=lambda packet: (packet.sequence - first) % 65536)
    assert len(received) == len(tick_gaps)
    return [
        (at, float(np.sqrt(np.mean(decode(packet.payload, 0).astype(np.float64) ** 2))) > 1000)
        for at, packet in zip(mixed_at, received, strict=True)
    ]


def test_a_rooms_join_tone_keeps_time_when_ticks_come_late():
    tone_seconds = len(JOIN_TONE) / 8000
    on_time = asyncio.run(room_tone_under_a_clock([0.02] * 30))
    assert [loud for _at, loud in on_time] == [True] * 15 + [False] * 15  # all of its 0.3 s
    # 100 ms on time, then 300 ms late at every tick: the tone ends when its time is up,
    # not fifteen ticks (4.5 s) later.
    late = asyncio.run(room_tone_under_a_clock([0.02] * 5 + [0.3] * 10))
    heard_at = [at for at, loud in late if loud]
    assert heard_at and heard_at[0] == 0.0
    assert heard_at[-1] < tone_seconds, heard_at
    assert not any(loud for at, loud in late if at > tone_seconds)
