import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from officina.sip.sdp import SdpParseError, SessionDescription, answer

OFFER = (
    b"v=0\r\n"
    b"o=alice 2890844526 2890844527 IN IP4 192.0.2.10\r\n"
    b"s=-\r\n"
    b"c=IN IP4 192.0.2.10\r\n"
    b"t=0 0\r\n"
    b"m=audio 49170 RTP/AVP 9 0 8 101\r\n"
    b"a=rtpmap:101 telephone-event/8000\r\n"
    b"a=fmtp:101 0-15\r\n"
    b"a=sendonly\r\n"
    b"m=video 51372 RTP/AVP 31\r\n"
    b"a=rtpmap:31 H261/90000\r\n"
)


def test_parse_and_round_trip():
    sdp = SessionDescription.parse(OFFER)
    assert sdp.origin.username == "alice"
    assert sdp.origin.session_version == 2890844527
    assert sdp.connection_address == "192.0.2.10"
    audio, video = sdp.media
    assert (audio.media, audio.port, audio.proto) == ("audio", 49170, "RTP/AVP")
    assert [c.name for c in audio.codecs()] == ["G722", "PCMU", "PCMA", "telephone-event"]
    assert audio.direction == "sendonly"
    assert audio.attribute("fmtp") == "101 0-15"
    assert sdp.media_address(0) == ("192.0.2.10", 49170)
    assert video.codecs()[0].clock_rate == 90000
    assert sdp.serialize() == OFFER


def test_answer_follows_rfc3264():
    offer = SessionDescription.parse(OFFER)
    result = answer(offer, address="198.51.100.5", ports=[40000], codecs=["PCMA", "PCMU"])
    text = result.serialize()
    again = SessionDescription.parse(text)
    audio, video = again.media
    assert audio.port == 40000
    assert audio.formats == ["0", "8", "101"]  # offerer's order, then telephone-event
    assert audio.direction == "recvonly"
    assert video.port == 0
    assert again.connection_address == "198.51.100.5"
    with pytest.raises(SdpParseError) as excinfo:
        answer(offer, address="198.51.100.5", ports=[40000], codecs=["OPUS"])
    assert excinfo.value.status == 488


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"o=x 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n",
        b"v=0\r\no=short\r\ns=-\r\nt=0 0\r\n",
        b"v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\n",
        b"v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio port RTP/AVP 0\r\n",
        b"v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nc=IN XX h\r\nt=0 0\r\n",
        b"v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nbroken\r\n",
    ],
)
def test_malformed(bad):
    with pytest.raises(SdpParseError):
        SessionDescription.parse(bad)


@settings(max_examples=500)
@given(st.binary(max_size=600))
def test_fuzz(data):
    try:
        sdp = SessionDescription.parse(OFFER[:40] + data)
    except SdpParseError:
        return
    for media in sdp.media:
        with contextlib.suppress(SdpParseError):
            media.codecs()
    sdp.serialize()
