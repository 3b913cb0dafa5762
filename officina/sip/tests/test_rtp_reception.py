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
        buffer.push(packet(sequence), index * 0.02)
    assert [p.sequence for p in buffer.pop(1.0) if p] == [65534, 65535, 0, 1]


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
