"""Which calls' media the proxy sends through rtpengine (``MEDIA_ANCHORING``)."""

from __future__ import annotations

import io
import wave

import pytest

from officina.pbx.anchoring import (
    Anchoring,
    MediaAnchor,
    binding_looks_natted,
    default_hold_music,
    naming_the_held_stream,
    puts_on_hold,
    rings_without_rtpengine,
    sdp_looks_natted,
)
from officina.pbx.bindings import Binding
from officina.pbx.rtpengine import Leg, RtpEngine
from officina.sip.sdp import SessionDescription


def sdp(address: str) -> bytes:
    return (
        f"v=0\r\no=- 1 1 IN IP4 {address}\r\ns=-\r\nc=IN IP4 {address}\r\nt=0 0\r\n"
        "m=audio 4000 RTP/AVP 0\r\n"
    ).encode()


def binding(contact_host: str, received_host: str, transport: str = "UDP") -> Binding:
    return Binding(
        extension_id=1, binding_key="k", contact_uri=f"sip:202@{contact_host}:5060", q=None,
        transport=transport, received_host=received_host, received_port=5060,
        connection_key="", node="n", path="", user_agent="", instance_id="", reg_id=None,
        call_id="c", cseq=1, registered_at=0.0, expires_at=1.0,
    )  # fmt: skip


def legs(
    policy: Anchoring, caller: tuple[str, str, bytes], callee: Binding
) -> tuple[Leg, Leg] | None:
    anchor = MediaAnchor(RtpEngine("udp://127.0.0.1:9"), policy)
    transport, host, offer = caller
    return anchor.legs(transport, host, "application/sdp", offer, callee, callee.transport)


PUBLIC = "151.38.12.7"  # a home router, as the PBX sees it (documentation ranges count as private)


def test_an_sdp_naming_another_address_than_its_source_looks_natted():
    assert sdp_looks_natted(sdp("192.168.1.20"), PUBLIC)
    assert not sdp_looks_natted(sdp(PUBLIC), PUBLIC)
    assert not sdp_looks_natted(sdp("0.0.0.0"), PUBLIC)  # noqa: S104 (held, not NATed)
    assert not sdp_looks_natted(b"no sdp at all", PUBLIC)


def test_a_contact_naming_another_address_looks_natted_unless_both_are_private():
    assert binding_looks_natted(binding("192.168.1.20", PUBLIC))
    assert not binding_looks_natted(binding(PUBLIC, PUBLIC))
    assert not binding_looks_natted(binding("10.0.0.5", "10.0.0.9"))  # one office LAN


@pytest.mark.parametrize("policy", list(Anchoring))
def test_a_browser_and_a_phone_always_meet_in_rtpengine(policy):
    browser = ("WS", "10.0.0.5", sdp("10.0.0.5"))
    assert legs(policy, browser, binding("10.0.0.9", "10.0.0.9")) == (Leg.WEBRTC, Leg.PLAIN)
    phone = ("UDP", "10.0.0.9", sdp("10.0.0.9"))
    assert legs(policy, phone, binding("x.invalid", "10.0.0.5", "WS")) == (Leg.PLAIN, Leg.WEBRTC)


def test_two_browsers_stay_peer_to_peer():
    browser = ("WSS", "10.0.0.5", sdp("10.0.0.5"))
    assert legs(Anchoring.ALWAYS, browser, binding("x.invalid", "10.0.0.6", "WSS")) is None


@pytest.mark.parametrize(
    ("caller", "device", "rings"),
    [("UDP", "WSS", False), ("TCP", "WS", False), ("WSS", "UDP", False), ("WS", "TCP", False),
     ("WSS", "WSS", True), ("WS", "WSS", True), ("UDP", "TCP", True)],
)  # fmt: skip
def test_without_rtpengine_only_devices_of_the_callers_kind_ring(caller, device, rings):
    assert rings_without_rtpengine(caller, device) is rings


def test_two_plain_phones_follow_the_setting():
    office = ("UDP", "10.0.0.9", sdp("10.0.0.9"))
    at_home = ("UDP", PUBLIC, sdp("192.168.1.20"))
    desk = binding("10.0.0.8", "10.0.0.8")
    home_phone = binding("192.168.1.30", "79.20.4.1")
    assert legs(Anchoring.NAT, office, desk) is None
    assert legs(Anchoring.NAT, at_home, desk) == (Leg.PLAIN, Leg.PLAIN)
    assert legs(Anchoring.NAT, office, home_phone) == (Leg.PLAIN, Leg.PLAIN)
    assert legs(Anchoring.ALWAYS, office, desk) == (Leg.PLAIN, Leg.PLAIN)
    assert legs(Anchoring.NEVER, at_home, home_phone) is None


@pytest.mark.parametrize("policy", list(Anchoring))
def test_an_invite_without_an_offer_is_decided_without_one(policy):
    """A late offer (the callee offers in its answer): the legs' kinds and the callee's
    registration decide, since there is no caller's SDP to look at."""
    anchor = MediaAnchor(RtpEngine("udp://127.0.0.1:9"), policy)
    desk, home_phone = binding("10.0.0.8", "10.0.0.8"), binding("192.168.1.30", "79.20.4.1")
    assert anchor.legs("WS", "10.0.0.5", None, b"", desk, "UDP") == (Leg.WEBRTC, Leg.PLAIN)
    office = anchor.legs("UDP", "10.0.0.9", None, b"", desk, "UDP")
    to_home = anchor.legs("UDP", "10.0.0.9", None, b"", home_phone, "UDP")
    assert office == ((Leg.PLAIN, Leg.PLAIN) if policy is Anchoring.ALWAYS else None)
    assert to_home == (None if policy is Anchoring.NEVER else (Leg.PLAIN, Leg.PLAIN))


def test_an_offer_holds_when_its_audio_is_sendonly_inactive_or_at_0000():
    assert puts_on_hold(sdp("10.0.0.5") + b"a=sendonly\r\n")
    assert puts_on_hold(sdp("10.0.0.5") + b"a=inactive\r\n")
    assert puts_on_hold(sdp("0.0.0.0"))  # noqa: S104 (RFC 2543's hold)
    assert not puts_on_hold(sdp("10.0.0.5") + b"a=sendrecv\r\n")
    assert not puts_on_hold(sdp("10.0.0.5") + b"a=recvonly\r\n")
    assert not puts_on_hold(b"garbage")


def test_a_hold_offer_for_a_browser_names_its_audio_stream_and_nothing_else():
    offer = sdp("127.0.0.1") + b"a=sendonly\r\nm=video 0 RTP/AVP 96\r\n"
    named = SessionDescription.parse(naming_the_held_stream(offer))
    audio, video = named.media
    assert audio.attribute("msid") == "officina-held officina-held-audio"
    assert audio.direction == "sendonly" and video.attribute("msid") is None
    # An offer naming a stream of its own keeps it; one that cannot be read passes as it is.
    own = sdp("127.0.0.1") + b"a=msid:theirs track\r\n"
    assert naming_the_held_stream(own) == own
    assert naming_the_held_stream(b"garbage") == b"garbage"


def test_the_default_hold_music_is_a_telephone_wav():
    with wave.open(io.BytesIO(default_hold_music())) as music:
        assert (music.getframerate(), music.getnchannels(), music.getsampwidth()) == (8000, 1, 2)
        assert 3.0 < music.getnframes() / 8000 < 5.0
