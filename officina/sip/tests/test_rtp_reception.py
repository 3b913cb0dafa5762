"""Reception statistics, the jitter buffer, RFC 4733 key presses and RTCP reports."""

from __future__ import annotations

import random
import struct

import numpy as np
import pytest

from officina.sip.rtp import (
    NTP_UNIX_OFFSET,
    RTCP_RR,
    RTCP_SDES,
    RTCP_SR,
    DtmfEvent,
    DtmfReceiver,
    JitterBuffer,
    Pacer,
    Packetiser,
    ReceptionStats,
    RtpError,
    RtpPacket,
    RtpStream,
    parse_rtcp,
    receiver_report,
    sender_report,
    source_description,
)
from officina.sip.sdp import SdpParseError, SessionDescription, answer, audio_agreement, offer


def packet(sequence: int, timestamp: int | None = None, payload: bytes | None = None) -> RtpPacket:
    """A 20 ms packet whose bytes are its number (mod 256), so a frame tells where it came
    from."""
    return RtpPacket(
        0,
        sequence & 0xFFFF,
        (sequence * 160 if timestamp is None else timestamp),
        7,
        bytes([sequence % 256]) * 160 if payload is None else payload,
    )


def numbers(frames: list[bytes | None]) -> list[int | None]:
    """The number of the packet each frame came from (``packet``'s bytes), None if lost."""
    return [None if frame is None else frame[0] for frame in frames]


def test_stats_count_loss_duplicates_and_wrap():
    stats = ReceptionStats()
    for sequence in [65530, 65531, 65533, 65533, 65534, 65535, 0, 2, 1]:
        stats.update(sequence, sequence * 160, 0.0)
    assert stats.duplicates == 1
    assert stats.received == 8
    assert stats.expected == 9  # 65530 .. 2 across the wrap
    assert stats.lost == 1  # 65532 never came
    assert stats.cycles == 0x10000


def test_stats_jitter_is_zero_for_a_steady_stream_and_grows_with_irregular_arrivals():
    steady, shaky = ReceptionStats(), ReceptionStats()
    for n in range(200):
        steady.update(n, n * 160, n * 0.02)
        shaky.update(n, n * 160, n * 0.02 + (0.015 if n % 2 else 0.0))
    assert steady.jitter_seconds == pytest.approx(0.0, abs=1e-9)
    assert 0.01 < shaky.jitter_seconds < 0.02


def test_jitter_buffer_reorders_and_reports_gaps():
    buffer = JitterBuffer(delay=0.06, frame=0.02)
    for sequence, arrival in [(10, 0.0), (12, 0.01), (11, 0.02), (14, 0.07)]:
        buffer.push(packet(sequence), arrival)
    assert buffer.pop(0.05) == []
    played = buffer.pop(0.145)
    assert numbers(played) == [10, 11, 12, None, 14]
    assert buffer.late_or_lost == 1
    buffer.push(packet(11), 0.2)  # its turn has passed
    assert buffer.late == 1


def test_jitter_buffer_across_the_sequence_wrap():
    buffer = JitterBuffer(delay=0.0)
    for index, sequence in enumerate([65534, 65535, 0, 1]):
        buffer.push(packet(sequence, timestamp=0xFFFFFF00 + index * 160), index * 0.02)
    assert numbers(buffer.pop(1.0)) == [65534 % 256, 65535 % 256, 0, 1]
    assert buffer.late_or_lost == buffer.resynchronised == 0  # the timestamps wrapped too


def baresip_with_key_presses(frames: int, presses: range) -> list[tuple[float, RtpPacket]]:
    """What baresip 1.0 sent in a conference (captured): an audio packet every 20 ms,
    timestamps +160, the first five at once; while a key is pressed, an RFC 4733 event
    packet between two audio packets, taking a sequence number of the same stream."""
    sent: list[tuple[float, RtpPacket]] = []
    sequence = 13959
    for frame in range(frames):
        arrival = max(frame - 4, 0) * 0.02
        sent.append((arrival, packet(sequence, timestamp=3286 + frame * 160)))
        sequence += 1
        if frame in presses:
            event = RtpPacket(101, sequence & 0xFFFF, 3286 + 100 * 160, 7, b"\x05\x0a\x00\xa0")
            sent.append((arrival + 0.01, event))
            sequence += 1
    return sent


def play(
    sent: list[tuple[float, RtpPacket]], until: float
) -> tuple[JitterBuffer, list[bytes | None]]:
    """The session's part (audio to the buffer) and the media clock's (a pop each 20 ms)."""
    buffer = JitterBuffer()
    played: list[bytes | None] = []
    pending = sorted(sent, key=lambda item: item[0])
    tick = 0.0
    while tick <= until:
        while pending and pending[0][0] <= tick:
            _arrival, sent_packet = pending.pop(0)
            if sent_packet.payload_type == 0:
                buffer.push(sent_packet, _arrival)
        played.extend(buffer.pop(tick))
        tick += 0.02
    return buffer, played


def test_key_presses_between_audio_packets_are_not_lost_audio():
    # 60 event packets among 1,000 audio packets, as in the captured conference call:
    # the buffer that counted sequence numbers as frames released 827 of 1,003 as lost.
    sent = baresip_with_key_presses(1000, range(100, 400, 5))
    buffer, played = play(sent, until=21.0)
    audio = [p.sequence % 256 for _arrival, p in sent if p.payload_type == 0]
    assert numbers(played) == audio
    assert None not in played
    assert buffer.late_or_lost == buffer.late == buffer.resynchronised == 0


def test_a_lost_audio_packet_among_key_presses_is_one_silent_frame_in_its_place():
    sent = baresip_with_key_presses(300, range(100, 160, 3))
    lost = [item for item in sent if item[1].payload_type == 0][120]
    sent.remove(lost)
    buffer, played = play(sent, until=7.0)
    assert len(played) == 300
    assert numbers(played).index(None) == 120
    assert buffer.late_or_lost == 1


def test_a_source_running_ahead_of_its_timeline_loses_nothing():
    # A phone that sends 200 frames (4 s of audio) in 2 s: the buffer fills, moves its
    # timeline, and releases everything it held; nothing is dropped.
    buffer = JitterBuffer()
    played: list[bytes | None] = []
    for frame in range(200):
        buffer.push(packet(frame), frame * 0.01)
        played.extend(buffer.pop(frame * 0.01))
    played.extend(buffer.pop(10.0))
    assert numbers(played) == [frame % 256 for frame in range(200)]
    assert buffer.late == buffer.late_or_lost == 0
    assert buffer.resynchronised > 0


def test_a_timestamp_jump_moves_the_timeline_instead_of_holding_the_audio():
    buffer = JitterBuffer()
    for frame in range(10):
        buffer.push(packet(frame, timestamp=frame * 160), frame * 0.02)
    # The sender restarted its clock: a minute ahead, the numbering going on.
    for frame in range(10, 20):
        buffer.push(packet(frame, timestamp=480000 + frame * 160), frame * 0.02)
    played = buffer.pop(19 * 0.02 + 0.06)
    assert numbers(played) == list(range(20))
    assert buffer.resynchronised == 1


def said(start: int, length: int) -> bytes:
    """What a phone said from timestamp ``start`` on: a byte for each sample telling its
    time (never 0xFF, μ-law's silence)."""
    return bytes(1 + (at % 200) for at in range(start, start + length))


def sent_in_packets(
    milliseconds: int, count: int, lost: tuple[int, ...] = (), order: list[int] | None = None
) -> list[tuple[float, RtpPacket]]:
    """``count`` packets of ``milliseconds`` each, each sent when its audio is captured
    (in ``order``, one a packet time apart), those in ``lost`` never arriving."""
    units = milliseconds * 8
    sent = []
    for slot, number in enumerate(order if order is not None else range(count)):
        if number not in lost:
            payload = said(number * units, units)
            sent.append(
                (
                    (slot + 1) * milliseconds / 1000,
                    RtpPacket(0, 500 + number, number * units, 7, payload),
                )
            )
    return sent


def heard(frames: list[bytes | None]) -> bytes:
    """The frames end to end, a lost one as 160 bytes of silence."""
    return b"".join(b"\xff" * 160 if frame is None else frame for frame in frames)


@pytest.mark.parametrize("milliseconds", [10, 20, 30, 40, 60])
def test_packets_of_any_length_are_released_as_20_ms_frames_in_time(milliseconds):
    # Three seconds of audio: 150 frames of 160 bytes, each the next 20 ms said.
    count = 3000 // milliseconds
    buffer, played = play(sent_in_packets(milliseconds, count), until=3.2)
    assert {len(frame) for frame in played if frame is not None} == {160}
    assert heard(played) == said(0, 24000)
    assert buffer.late == buffer.late_or_lost == buffer.resynchronised == 0


def test_reordered_30_ms_packets_are_put_back_by_timestamp():
    order = list(range(100))
    for index in range(3, 98, 7):  # (the first packet to come starts the timeline)
        order[index], order[index + 2] = order[index + 2], order[index]  # 60 ms apart
    buffer, played = play(sent_in_packets(30, 100, order=order), until=3.2)
    assert heard(played) == said(0, 24000)
    assert buffer.late == buffer.late_or_lost == 0


def test_a_lost_30_ms_packet_is_silence_in_its_place_and_counted_in_the_frames_it_spans():
    # Packet 11 held [2640, 2880): the end of frame 16 [2560, 2720) and frame 17
    # [2720, 2880) wholly; packet 20 [4800, 5040): frame 30 wholly, half of frame 31.
    buffer, played = play(sent_in_packets(30, 100, lost=(11, 20)), until=3.2)
    expected = bytearray(said(0, 24000))
    for number in (11, 20):
        expected[number * 240 : (number + 1) * 240] = b"\xff" * 240
    assert heard(played) == bytes(expected)
    assert len(played) == 150
    assert [index for index, frame in enumerate(played) if frame is None] == [17, 30]
    assert buffer.late_or_lost == 4  # frames 16, 17, 30 and 31
    assert buffer.late == 0


def test_a_lost_10_ms_packet_is_half_a_frame_of_silence():
    buffer, played = play(sent_in_packets(10, 300, lost=(41,)), until=3.2)
    expected = bytearray(said(0, 24000))
    expected[41 * 80 : 42 * 80] = b"\xff" * 80
    assert heard(played) == bytes(expected)
    assert None not in played
    assert buffer.late_or_lost == 1


def test_a_30_ms_packet_too_late_for_part_of_its_audio_gives_the_rest():
    sent = sent_in_packets(30, 100)
    _arrival, late_packet = sent.pop(11)  # [2640, 2880): frame 16's end, frame 17
    # The first packet came at 0.03 s: timestamp 0 plays at 0.09 s, frame 16 at 0.41 s
    # (released by the tick at 0.42 s) and frame 17 at 0.43 s (the tick at 0.44 s).
    sent.append((0.43, late_packet))
    buffer, played = play(sent, until=3.2)
    expected = bytearray(said(0, 24000))
    expected[2640:2720] = b"\xff" * 80
    assert heard(played) == bytes(expected)
    assert buffer.late_or_lost == 1 and buffer.late == 0
    sent.remove((0.43, late_packet))
    sent.append((0.45, late_packet))  # after frame 17 too: nothing of it is used
    buffer, played = play(sent, until=3.2)
    assert buffer.late == 1 and buffer.late_or_lost == 2


def test_a_phone_that_pauses_between_words_loses_nothing():
    # 30 ms packets, then nothing for 0.4 s (silence suppression: the timestamps go on,
    # the sequence numbers do not), then 30 ms packets again.
    first = sent_in_packets(30, 20)
    later = [
        (
            arrival + 1.0,
            RtpPacket(0, 520 + index, 8000 + index * 240, 7, said(8000 + index * 240, 240)),
        )
        for index, (arrival, _packet) in enumerate(sent_in_packets(30, 20))
    ]
    buffer, played = play(first + later, until=2.5)
    # The first 600 ms are 30 frames; the second talk's frames start at its first
    # packet's timestamp, not on the first talk's frame grid.
    assert heard(played[:30]) == said(0, 4800)
    assert heard(played[30:]) == said(8000, 4800)
    assert buffer.late_or_lost == buffer.late == 0


def test_the_end_of_a_call_drains_the_last_part_frame():
    buffer = JitterBuffer()
    for number in range(3):  # 90 ms: four frames and a half
        buffer.push(RtpPacket(0, number, number * 240, 7, said(number * 240, 240)), 0.0)
    frames = buffer.drain()
    assert heard(frames) == said(0, 720) + b"\xff" * 80
    assert buffer.late_or_lost == 0


def test_dtmf_receiver_reports_each_press_once():
    receiver = DtmfReceiver()
    digits = []
    for timestamp, digit in [(800, "5"), (1600, "#")]:
        for duration in (160, 320, 480):
            payload = DtmfEvent.for_digit(digit, duration=duration).serialize()
            digits.append(receiver.receive(RtpPacket(101, 1, timestamp, 7, payload)))
        for _ in range(3):
            end = DtmfEvent.for_digit(digit, end=True, duration=640).serialize()
            digits.append(receiver.receive(RtpPacket(101, 1, timestamp, 7, end)))
    assert [d for d in digits if d] == ["5", "#"]
    with pytest.raises(RtpError):
        receiver.receive(RtpPacket(101, 1, 2400, 7, b"\x01"))


def test_receiver_report_round_trip_and_fraction_lost():
    stats = ReceptionStats()
    for sequence in range(100):
        if sequence % 4 != 1:
            stats.update(sequence, sequence * 160, sequence * 0.02)
    report = receiver_report(1234, 7, stats, (0, 0))
    (parsed,) = parse_rtcp(report)
    assert parsed.packet_type == RTCP_RR and parsed.ssrc == 1234
    source, loss = struct.unpack_from("!II", report, 8)
    assert source == 7
    assert loss >> 24 == 64  # a quarter lost: 64/256
    assert loss & 0xFFFFFF == 25
    with pytest.raises(RtpError):
        parse_rtcp(report[:-1])
    with pytest.raises(RtpError):
        parse_rtcp(b"\x00" * 8)


def test_sender_report_counts_what_the_stream_sent():
    stream = RtpStream(0xCAFE, 0, sequence=10, timestamp=1000)
    for _ in range(3):
        stream.packet(b"\xff" * 160, 160)
    stream.sent(b"\x01\x00\x00\xa0")  # an RFC 4733 packet numbered outside ``packet``
    report = sender_report(stream, 1_800_000_000.25)
    (parsed,) = parse_rtcp(report)
    assert parsed.packet_type == RTCP_SR and parsed.ssrc == 0xCAFE
    assert report[0] == 0x80  # no report block
    seconds, fraction, timestamp, packets, octets = struct.unpack_from("!IIIII", report, 8)
    assert seconds == 1_800_000_000 + NTP_UNIX_OFFSET and fraction == 1 << 30
    assert (timestamp, packets, octets) == (1480, 4, 484)
    # With a report block about what we received: the receiver report's own block.
    stats = ReceptionStats()
    for sequence in range(100):
        if sequence % 4 != 1:
            stats.update(sequence, sequence * 160, sequence * 0.02)
    report = sender_report(stream, 1_800_000_000.25, (7, stats, (0, 0)))
    (parsed,) = parse_rtcp(report)
    assert parsed.packet_type == RTCP_SR and report[0] == 0x81
    assert report[28:] == receiver_report(1234, 7, stats, (0, 0))[8:]


OFFER = (
    "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
)


def test_agreement_from_an_answer_follows_the_offerers_order():
    remote = SessionDescription.parse(OFFER)
    ours = answer(remote, address="127.0.0.1", ports=[30000])
    agreed = audio_agreement(ours, remote)
    assert (agreed.remote_host, agreed.remote_port) == ("10.0.0.5", 4000)
    assert agreed.codec.name == "PCMA"
    assert agreed.telephone_event == 101


def test_late_offer_and_its_answer():
    ours = offer(address="127.0.0.1", port=30002)
    parsed = SessionDescription.parse(ours.serialize())
    theirs = answer(parsed, address="10.0.0.9", ports=[5000], codecs=["PCMU"])
    agreed = audio_agreement(theirs, theirs)
    assert agreed.codec.name == "PCMU" and agreed.remote_port == 5000


def test_no_common_codec_is_488():
    remote = SessionDescription.parse(OFFER.replace("RTP/AVP 8 0 101", "RTP/AVP 18 101"))
    with pytest.raises(SdpParseError) as raised:
        answer(remote, address="127.0.0.1", ports=[30000])
    assert raised.value.status == 488


@pytest.mark.parametrize(
    ("attributes", "ptime"),
    [
        ("", 20),
        ("a=ptime:30\r\n", 30),
        ("a=ptime:10\r\n", 10),
        ("a=ptime:40\r\na=maxptime:60\r\n", 40),
        ("a=ptime:60\r\na=maxptime:40\r\n", 40),
        ("a=maxptime:10\r\n", 10),
        ("a=ptime:30.0\r\n", 30),
        ("a=ptime:25\r\n", 20),
        ("a=ptime:5\r\n", 10),
        ("a=ptime:200\r\n", 60),
        ("a=ptime:soon\r\n", 20),
    ],
)
def test_the_answer_sends_the_packet_time_the_offerer_asked_for(attributes, ptime):
    remote = SessionDescription.parse(OFFER + attributes)
    ours = answer(remote, address="127.0.0.1", ports=[30000])
    assert ours.media[0].attribute("ptime") == str(ptime)
    assert audio_agreement(ours, remote).ptime == ptime


def test_an_answer_to_our_offer_gives_its_packet_time():
    ours = offer(address="127.0.0.1", port=30002)
    assert ours.media[0].attribute("ptime") == "20"
    theirs = SessionDescription.parse(OFFER.replace("10.0.0.5", "10.0.0.9") + "a=ptime:30\r\n")
    assert audio_agreement(theirs, theirs).ptime == 30


def test_the_packetiser_cuts_20_ms_frames_into_packets_of_the_time_asked_for():
    frames = [bytes([number]) * 160 for number in range(6)]
    thirty = Packetiser(240)
    packets = [thirty.push(frame) for frame in frames]
    assert [len(at_tick) for at_tick in packets] == [0, 1, 1, 0, 1, 1]
    assert b"".join(payload for at_tick in packets for payload in at_tick) == b"".join(frames)
    assert {len(payload) for at_tick in packets for payload in at_tick} == {240}
    ten = Packetiser(80)
    assert ten.push(frames[0]) == [frames[0][:80], frames[0][80:]]
    forty = Packetiser(320)
    assert forty.push(frames[0]) == []
    assert forty.flush() == frames[0]  # before a key press: what waits goes, shorter
    assert forty.flush() == b""
    assert forty.push(frames[1]) == []


def made_and_paced(ptime: int, ticks: list[float]) -> list[tuple[float, float]]:
    """When each packet of ``ptime`` ms is made and when it goes, the clock's 20 ms
    frames coming at ``ticks``."""
    packetiser, pacer = Packetiser(ptime * 8), Pacer(ptime / 1000)
    return [(now, pacer.due(now)) for now in ticks for _ in packetiser.push(bytes(160))]


def paced(ptime: int, ticks: list[float]) -> list[float]:
    return [at for _made, at in made_and_paced(ptime, ticks)]


def test_30_ms_packets_go_30_ms_apart_on_a_20_ms_clock():
    ticks = [100.0 + 0.02 * number for number in range(300)]
    times = paced(30, ticks)
    assert len(times) == 200
    gaps = np.diff(times)
    assert np.allclose(gaps, 0.03), sorted(set(np.round(gaps, 4)))
    # Never before the packet is made: each goes at or after the tick that made it.
    waits = [at - made for made, at in made_and_paced(30, ticks)]
    assert min(waits) >= 0 and max(waits) <= 0.01 + 1e-9
    # 10 ms: two packets a frame, 10 ms apart; 40 and 60 ms: at the ticks that make them.
    assert np.allclose(np.diff(paced(10, ticks)), 0.01)
    assert np.allclose(np.diff(paced(40, ticks)), 0.04)
    assert np.allclose(np.diff(paced(60, ticks)), 0.06)


def test_pacing_follows_a_late_clock_without_bunching_or_drifting():
    rng = random.Random(5)
    # Ticks on absolute deadlines, each up to 4 ms late: still 30 ms apart on average,
    # none closer than the lateness allows.
    ticks = [100.0 + 0.02 * number + rng.uniform(0, 0.004) for number in range(600)]
    gaps = np.diff(paced(30, ticks))
    assert abs(float(np.median(gaps)) - 0.03) <= 0.002
    assert gaps.min() >= 0.026 and gaps.max() <= 0.034
    # A tick 300 ms late (the clock catching up at once): what it makes goes at once
    # after the ones before, never before them, and the pace goes on after.
    ticks = [100.0 + 0.02 * number for number in range(50)]
    ticks += [ticks[-1] + 0.3] * 5 + [ticks[-1] + 0.3 + 0.02 * n for n in range(1, 50)]
    times = paced(30, ticks)
    assert times == sorted(times)
    assert np.allclose(np.diff(times[-20:]), 0.03)


def test_whatever_a_phone_sends_comes_out_as_20_ms_frames():
    # Packets of random lengths (empty ones too), numbers and timestamps jumping back
    # and forth, arriving at random times: every frame released is 160 bytes or missing.
    rng = random.Random(11)
    for _run in range(30):
        buffer = JitterBuffer()
        sequence, timestamp, now = rng.randrange(65536), rng.randrange(2**32), 0.0
        for _packet in range(300):
            length = rng.choice([0, 1, 80, 160, 240, 320, 480, 1000])
            sequence = (sequence + rng.choice([1, 1, 1, 2, -1, 0, 500])) & 0xFFFF
            timestamp = (timestamp + rng.choice([length, length, 160, -240, 0, 8000])) % 2**32
            now += rng.choice([0.0, 0.01, 0.02, 0.03, 0.5])
            buffer.push(
                RtpPacket(rng.choice([0, 8]), sequence, timestamp, 7, b"\x55" * length), now
            )
            frames = buffer.pop(now)
            assert all(frame is None or len(frame) == 160 for frame in frames)
        assert all(frame is None or len(frame) == 160 for frame in buffer.drain())


@pytest.mark.parametrize(("cname", "padding"), [("ab", 4), ("abc", 3), ("abcd", 2), ("abcde", 1)])
def test_a_source_description_carries_the_cname_padded_to_a_word(cname, padding):
    """One chunk: SSRC, CNAME item (type 1, length, text), then at least one null octet
    and nulls to the next 32-bit boundary (RFC 3550 §6.5): a whole word of them when
    the item ends on one."""
    packet = source_description(0xCAFE, cname)
    first, packet_type, words = struct.unpack_from("!BBH", packet)
    assert (first, packet_type) == (0x81, RTCP_SDES)  # version 2, one chunk
    assert len(packet) == 4 * (words + 1) and len(packet) % 4 == 0
    assert struct.unpack_from("!IBB", packet, 4) == (0xCAFE, 1, len(cname))
    assert packet[10 : 10 + len(cname)] == cname.encode()
    assert packet[10 + len(cname) :] == b"\x00" * padding
    (parsed,) = parse_rtcp(packet)
    assert parsed.packet_type == RTCP_SDES and parsed.ssrc == 0xCAFE


def test_a_report_and_its_source_description_make_one_compound_packet():
    stream = RtpStream(0xCAFE, 0, sequence=10, timestamp=1000)
    stream.packet(b"\xff" * 160, 160)
    compound = sender_report(stream, 1_800_000_000.25) + source_description(0xCAFE, "x" * 16)
    assert [(packet.packet_type, packet.ssrc) for packet in parse_rtcp(compound)] == [
        (RTCP_SR, 0xCAFE),
        (RTCP_SDES, 0xCAFE),
    ]


@pytest.mark.parametrize("cname", ["", "x" * 256])
def test_a_cname_is_one_to_255_octets(cname):
    with pytest.raises(ValueError, match="CNAME"):
        source_description(1, cname)
