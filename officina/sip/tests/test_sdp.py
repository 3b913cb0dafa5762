import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from officina.sip.sdp import SdpParseError, SessionDescription, answer, audio_agreement

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
    for index, media in enumerate(sdp.media):
        with contextlib.suppress(SdpParseError):
            media.codecs()
        sdp.rtcp_address(index)  # never raises: a malformed a=rtcp is passed over
    sdp.serialize()


def _audio_with(attribute: str) -> SessionDescription:
    return SessionDescription.parse(
        "v=0\r\no=bob 1 1 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\nt=0 0\r\n"
        f"m=audio 4000 RTP/AVP 0\r\n{attribute}a=sendrecv\r\n"
    )


@pytest.mark.parametrize(
    ("attribute", "where"),
    [
        ("", ("192.0.2.20", 4001)),  # RFC 3550 §11: the RTP port + 1
        ("a=rtcp:4001\r\n", ("192.0.2.20", 4001)),
        ("a=rtcp:53020\r\n", ("192.0.2.20", 53020)),  # RFC 3605 §2.1: another port
        ("a=rtcp:53020 IN IP4 198.51.100.7\r\n", ("198.51.100.7", 53020)),  # and address
        ("a=rtcp:53020 IN IP6 2001:db8::7\r\n", ("2001:db8::7", 53020)),
        ("a=rtcp:4000\r\n", ("192.0.2.20", 4000)),  # the RTP port itself (muxed)
        # Not a port, or not an address: passed over, as if absent.
        ("a=rtcp:\r\n", ("192.0.2.20", 4001)),
        ("a=rtcp:port\r\n", ("192.0.2.20", 4001)),
        ("a=rtcp:0\r\n", ("192.0.2.20", 4001)),
        ("a=rtcp:70000\r\n", ("192.0.2.20", 4001)),
        ("a=rtcp:\u00b2\r\n", ("192.0.2.20", 4001)),  # a digit, not an ASCII one
        ("a=rtcp:53020 IN XX h\r\n", ("192.0.2.20", 4001)),
        ("a=rtcp:53020 IN IP4\r\n", ("192.0.2.20", 4001)),
        ("a=rtcp:53020 IN IP4 \r\n", ("192.0.2.20", 4001)),  # an empty address
    ],
)
def test_rtcp_address_follows_rfc3605(attribute, where):
    sdp = _audio_with(attribute)
    assert sdp.rtcp_address(0) == where
    assert sdp.serialize() == _audio_with(attribute).serialize()  # kept as it came


def test_agreement_carries_where_rtcp_goes_when_not_the_next_port():
    for attribute, rtcp in [
        ("", None),
        ("a=rtcp:4001\r\n", None),
        ("a=rtcp:53020\r\n", ("192.0.2.20", 53020)),
        ("a=rtcp:53020 IN IP4 198.51.100.7\r\n", ("198.51.100.7", 53020)),
    ]:
        remote = _audio_with(attribute)
        ours = answer(remote, address="127.0.0.1", ports=[30000])
        assert audio_agreement(ours, remote).rtcp == rtcp, attribute
        # What we write names no RTCP port: ours is always the RTP port + 1.
        assert ours.media[0].attribute("rtcp") is None
        assert ours.rtcp_address(0) == ("127.0.0.1", 30001)


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_any_rtcp_attribute_gives_a_port_or_the_next_one(value):
    try:
        sdp = _audio_with(f"a=rtcp:{value}\r\n")
    except SdpParseError:
        return
    host, port = sdp.rtcp_address(0)
    assert 0 < port <= 65535 and host
