"""Reception statistics, the jitter buffer, RFC 4733 key presses and RTCP reports."""

from __future__ import annotations

import struct

import pytest

from officina.sip.rtp import (
    RTCP_RR,
    DtmfEvent,
    DtmfReceiver,
    JitterBuffer,
    ReceptionStats,
    RtpError,
    RtpPacket,
    parse_rtcp,
    receiver_report,
)
from officina.sip.sdp import SdpParseError, SessionDescription, answer, audio_agreement, offer


def packet(
    sequence: int, timestamp: int | None = None, payload: bytes = b"\xff" * 160
) -> RtpPacket:
    return RtpPacket(
        0, sequence & 0xFFFF, (sequence * 160 if timestamp is None else timestamp), 7, payload
    )


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
    assert [p.sequence if p else None for p in played] == [10, 11, 12, None, 14]
    assert buffer.late_or_lost == 1
    buffer.push(packet(11), 0.2)  # its turn has passed
    assert buffer.late == 1


def test_jitter_buffer_across_the_sequence_wrap():
    buffer = JitterBuffer(delay=0.0)
    for index, sequence in enumerate([65534, 65535, 0, 1]):
        buffer.push(packet(sequence, timestamp=0xFFFFFF00 + index * 160), index * 0.02)
    assert [p.sequence for p in buffer.pop(1.0) if p] == [65534, 65535, 0, 1]
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
) -> tuple[JitterBuffer, list[RtpPacket | None]]:
    """The session's part (audio to the buffer) and the media clock's (a pop each 20 ms)."""
    buffer = JitterBuffer()
    played: list[RtpPacket | None] = []
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
    audio = [p.sequence for _arrival, p in sent if p.payload_type == 0]
    assert [p.sequence for p in played if p is not None] == audio
    assert None not in played
    assert buffer.late_or_lost == buffer.late == buffer.resynchronised == 0


def test_a_lost_audio_packet_among_key_presses_is_one_silent_frame_in_its_place():
    sent = baresip_with_key_presses(300, range(100, 160, 3))
    lost = [item for item in sent if item[1].payload_type == 0][120]
    sent.remove(lost)
    buffer, played = play(sent, until=7.0)
    sequences = [p.sequence if p is not None else None for p in played]
    assert len(played) == 300
    assert sequences.index(None) == 120
    assert buffer.late_or_lost == 1


def test_a_source_running_ahead_of_its_timeline_loses_nothing():
    # A phone that sends 200 frames (4 s of audio) in 2 s: the buffer fills, moves its
    # timeline, and releases everything it held; nothing is dropped.
    buffer = JitterBuffer()
    played: list[RtpPacket | None] = []
    for frame in range(200):
        buffer.push(packet(frame), frame * 0.01)
        played.extend(buffer.pop(frame * 0.01))
    played.extend(buffer.pop(10.0))
    assert [p.sequence for p in played if p is not None] == list(range(200))
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
    assert [p.sequence for p in played if p is not None] == list(range(20))
    assert buffer.resynchronised == 1


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
