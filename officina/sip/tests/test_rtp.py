import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from officina.sip.rtp import (
    PCMU,
    DtmfEvent,
    RtpError,
    RtpPacket,
    RtpStream,
    alaw_decode,
    alaw_encode,
    ulaw_decode,
    ulaw_encode,
)


def pcm(*samples: int) -> bytes:
    return struct.pack(f"<{len(samples)}h", *samples)


def test_g711_reference_points():
    # Silence, and the extremes, as the G.711 tables give them.
    assert ulaw_encode(pcm(0)) == b"\xff"
    assert ulaw_decode(b"\xff") == pcm(0)
    assert ulaw_decode(b"\x7f") == pcm(0)
    assert ulaw_encode(pcm(-1)) == b"\x7f"
    assert ulaw_encode(pcm(32767, -32768)) == b"\x80\x00"
    assert ulaw_decode(b"\x80\x00") == pcm(32124, -32124)
    assert alaw_encode(pcm(0)) == b"\xd5"
    assert alaw_decode(b"\xd5") == pcm(8)
    assert alaw_encode(pcm(32767, -32768)) == b"\xaa\x2a"
    assert alaw_decode(b"\xaa\x2a") == pcm(32256, -32256)


@settings(max_examples=200)
@given(st.lists(st.integers(-32768, 32767), min_size=1, max_size=160))
def test_g711_round_trip_stays_within_the_quantization_step(samples):
    for encode, decode in ((ulaw_encode, ulaw_decode), (alaw_encode, alaw_decode)):
        decoded = struct.unpack(f"<{len(samples)}h", decode(encode(pcm(*samples))))
        for original, back in zip(samples, decoded, strict=True):
            # the step grows with the magnitude: 1/16 of it at most, plus the small-signal step
            assert abs(original - back) <= abs(original) / 16 + 16
        # Decoded samples are fixed points: coding them again changes nothing a listener
        # hears. (The codes themselves may differ: mu-law's "negative zero" 0x7f, what
        # -1 and -2 become, decodes to 0, which codes as 0xff.)
        once = decode(encode(pcm(*samples)))
        assert decode(encode(once)) == once


def test_rtp_packet_round_trip_with_csrc_extension_and_padding():
    packet = RtpPacket(PCMU, 65535, 2**32 - 160, 0x12345678, b"\xff" * 160, marker=True,
                       csrcs=[1, 2], extension=(0xBEDE, b"\x10\x01\x00\x00"))  # fmt: skip
    data = packet.serialize()
    assert RtpPacket.parse(data) == packet
    padded = bytes([data[0] | 0x20]) + data[1:] + b"\x00\x00\x03"
    assert RtpPacket.parse(padded).payload == packet.payload


def test_rtp_stream_numbers_packets_and_wraps():
    stream = RtpStream(ssrc=7, payload_type=PCMU, sequence=65535, timestamp=2**32 - 160)
    first = RtpPacket.parse(stream.packet(b"\xff" * 160, 160, marker=True))
    second = RtpPacket.parse(stream.packet(b"\xff" * 160, 160))
    assert (first.sequence, first.timestamp, first.marker) == (65535, 2**32 - 160, True)
    assert (second.sequence, second.timestamp, second.marker) == (0, 0, False)


@pytest.mark.parametrize(
    "data",
    [b"", b"\x80" * 11, b"\x40" + b"\x00" * 11, b"\x8f" + b"\x00" * 20, b"\x90" + b"\x00" * 13,
     b"\xa0" + b"\x00" * 11 + b"\x00", b"\xa0" + b"\x00" * 11 + b"\x09"],
)  # fmt: skip
def test_malformed_rtp(data):
    with pytest.raises(RtpError):
        RtpPacket.parse(data)


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_rtp_fuzz(data):
    try:
        packet = RtpPacket.parse(data)
    except RtpError:
        return
    assert RtpPacket.parse(packet.serialize()) == packet


def test_dtmf_events():
    event = DtmfEvent.for_digit("#", end=True, volume=10, duration=1600)
    payload = event.serialize()
    assert payload == bytes([11, 0x80 | 10]) + (1600).to_bytes(2, "big")
    assert DtmfEvent.parse(payload) == event
    assert event.digit == "#"
    assert DtmfEvent.parse(bytes([5, 0x0A, 0, 160])).digit == "5"
    with pytest.raises(RtpError):
        DtmfEvent.parse(b"\x01")
    with pytest.raises(ValueError):
        DtmfEvent.for_digit("x")
