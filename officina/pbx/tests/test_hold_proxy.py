"""The proxy's side of hold music from the desk, driven in memory: a plain phone's hold
(re-INVITE or UPDATE) reaches the held phone rewritten (the desk's port, sendonly, a new
version) and its answer reaches the holder rewritten too (its own desk port); the resume
passes with the phones' own addresses and frees the ports; a browser's hold
(DTLS-SRTP) passes as it came; a held phone that holds back has the desk play to the
other, and the music stays with whichever phone is still held."""

from __future__ import annotations

import pytest

from officina.pbx.hold import HeldCalls
from officina.pbx.media.hold import HoldStreams
from officina.pbx.media.ports import MediaPorts
from officina.pbx.tests.harness import PROXY_HOST, Phone
from officina.pbx.tests.test_server import (  # noqa: F401 (fixtures)
    giulia,
    header,
    marco_desk,
    pbx,
    place_call,
    requests_of,
)
from officina.sip import SipRequest, SipResponse, make_response
from officina.sip.sdp import SessionDescription

pytestmark = pytest.mark.django_db


def giulias_sdp(version: int, direction: str, proto: str = "RTP/AVP") -> bytes:
    return (
        f"v=0\r\no=- 1 {version} IN IP4 10.0.0.10\r\ns=-\r\nc=IN IP4 10.0.0.10\r\nt=0 0\r\n"
        f"m=audio 4000 {proto} 0\r\na=rtpmap:0 PCMU/8000\r\na={direction}\r\n"
    ).encode()


def marcos_sdp(version: int, direction: str) -> bytes:
    return (
        f"v=0\r\no=- 9 {version} IN IP4 10.0.0.20\r\ns=-\r\nc=IN IP4 10.0.0.20\r\nt=0 0\r\n"
        f"m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na={direction}\r\n"
    ).encode()


def answered_call(caller: Phone, callee: Phone) -> tuple[SipRequest, SipResponse]:
    invite = place_call(caller)
    caller.inbox()
    (incoming,) = requests_of(callee.inbox(), "INVITE")
    callee.answer(incoming, 200, to_tag="desk")
    (ok,) = [m for m in caller.inbox() if isinstance(m, SipResponse) and m.status == 200]
    return invite, ok


def reinvite(
    caller: Phone,
    callee: Phone,
    invite: SipRequest,
    ok: SipResponse,
    offer: bytes,
    answer: bytes,
    method: str = "INVITE",
    *,
    back: bool = False,
) -> tuple[SessionDescription, SessionDescription]:
    """The caller's re-INVITE (or UPDATE) with ``offer``, the callee's 200 with
    ``answer`` (``back``: the callee's, the caller's 200): what each of them got."""
    routes = [("Route", str(route)) for route in ok.record_routes]
    if back:
        sender, receiver, uri = callee, caller, f"sip:201@{caller.host}:{caller.port}"
        to, from_tag, to_tag = header(invite, "From"), "desk", invite.from_tag or ""
    else:
        sender, receiver, uri = caller, callee, "sip:202@10.0.0.20:5060"
        to, from_tag, to_tag = header(ok, "To"), invite.from_tag or "", "desk"
        routes.reverse()
    request = sender.request(
        method, uri, to, call_id=invite.call_id, from_tag=from_tag,
        headers=[*routes, ("Content-Type", "application/sdp")], body=offer,
    )  # fmt: skip
    sender.send(request)
    (forwarded,) = requests_of(receiver.inbox(), method)
    response = make_response(
        forwarded, 200, to_tag=to_tag, headers=[("Content-Type", "application/sdp")], body=answer
    )
    receiver.send(response)
    (relayed,) = [m for m in sender.inbox() if isinstance(m, SipResponse) and m.status == 200]
    return SessionDescription.parse(forwarded.body), SessionDescription.parse(relayed.body)


@pytest.fixture
def streams(pbx):  # noqa: F811
    """The desk's hold ports, the proxy rewriting holds to them (as ``start_pbx`` wires)."""
    streams = HoldStreams(MediaPorts("127.0.0.1", 39100, 39199))
    pbx.server.proxy.holds = HeldCalls(pbx.server.layer, streams, PROXY_HOST)
    yield streams
    streams.close_all()


@pytest.fixture
def call(pbx, giulia, marco_desk):  # noqa: F811
    """Giulia's answered call to Marco's desk phone: its INVITE and the 200."""
    giulia.register()
    marco_desk.register()
    return answered_call(giulia, marco_desk)


@pytest.mark.parametrize("method", ["INVITE", "UPDATE"])
async def test_a_hold_goes_through_the_desk_until_the_resume(
    pbx,  # noqa: F811
    giulia,  # noqa: F811
    marco_desk,  # noqa: F811
    streams,
    call,
    method,
):
    invite, ok = call
    offered, answered = reinvite(
        giulia, marco_desk, invite, ok, giulias_sdp(2, "sendonly"), marcos_sdp(2, "recvonly"),
        method,
    )  # fmt: skip
    stream = streams.streams[invite.call_id]
    marcos, giulias = stream.ports["desk"].port, stream.ports[invite.from_tag or ""].port
    assert marcos != giulias  # one port each: each phone's RTP is told apart
    assert offered.media_address(0) == (PROXY_HOST, marcos)
    assert offered.media[0].direction == "sendonly" and offered.origin.session_version == 3
    assert answered.media_address(0) == (PROXY_HOST, giulias)  # Giulia sends to the desk
    assert answered.origin.session_version == 3
    assert stream.listener == "desk"  # Marco hears the music
    assert all(port.session is not None for port in stream.ports.values())

    offered, answered = reinvite(
        giulia, marco_desk, invite, ok, giulias_sdp(3, "sendrecv"), marcos_sdp(3, "sendrecv"),
        method,
    )  # fmt: skip
    assert offered.media_address(0) == ("10.0.0.10", 4000)
    assert answered.media_address(0) == ("10.0.0.20", 6000)
    assert offered.origin.session_version == 4 and answered.origin.session_version == 4
    assert not streams.streams and not {marcos, giulias} & streams.ports.in_use

    # A BYE forgets the call.
    routes = [("Route", str(route)) for route in ok.record_routes][::-1]
    giulia.send(
        giulia.request(
            "BYE", "sip:202@10.0.0.20:5060", header(ok, "To"), call_id=invite.call_id,
            from_tag=invite.from_tag, headers=routes,
        )
    )  # fmt: skip
    assert invite.call_id not in pbx.server.proxy.holds.calls


async def test_a_held_phone_that_holds_back_hands_the_music_to_the_other(
    pbx,  # noqa: F811
    giulia,  # noqa: F811
    marco_desk,  # noqa: F811
    streams,
    call,
):
    """Giulia holds Marco, Marco holds back, Giulia resumes first, Marco resumes."""
    invite, ok = call
    giulias_tag = invite.from_tag or ""
    reinvite(giulia, marco_desk, invite, ok, giulias_sdp(2, "sendonly"), marcos_sdp(2, "recvonly"))
    stream = streams.streams[invite.call_id]
    marcos, giulias = stream.ports["desk"].port, stream.ports[giulias_tag].port
    assert stream.listener == "desk"

    offered, answered = reinvite(
        giulia, marco_desk, invite, ok, marcos_sdp(3, "sendonly"), giulias_sdp(3, "recvonly"),
        back=True,
    )  # fmt: skip
    assert offered.media_address(0) == (PROXY_HOST, giulias)  # the desk plays to Giulia
    assert offered.media[0].direction == "sendonly"
    assert answered.media_address(0) == (PROXY_HOST, marcos)  # Marco's stream to the desk
    assert stream.listener == giulias_tag
    assert pbx.server.proxy.holds.calls[invite.call_id].holding == {giulias_tag, "desk"}

    # Giulia resumes, Marco still holds: he is asked to receive only, from the desk, and
    # Giulia is told the desk sends (her music goes on).
    offered, answered = reinvite(
        giulia, marco_desk, invite, ok, giulias_sdp(4, "sendrecv"), marcos_sdp(4, "sendonly")
    )
    assert offered.media_address(0) == (PROXY_HOST, marcos)
    assert offered.media[0].direction == "recvonly"
    assert answered.media_address(0) == (PROXY_HOST, giulias)
    assert answered.media[0].direction == "sendonly"
    assert stream.listener == giulias_tag and streams.streams[invite.call_id] is stream
    assert pbx.server.proxy.holds.calls[invite.call_id].holding == {"desk"}

    # Marco resumes: the phones talk directly, the ports are freed.
    offered, answered = reinvite(
        giulia, marco_desk, invite, ok, marcos_sdp(5, "sendrecv"), giulias_sdp(5, "sendrecv"),
        back=True,
    )  # fmt: skip
    assert offered.media_address(0) == ("10.0.0.20", 6000)
    assert answered.media_address(0) == ("10.0.0.10", 4000)
    assert not streams.streams and not {marcos, giulias} & streams.ports.in_use


async def test_a_browsers_hold_passes_as_it_came(
    pbx,  # noqa: F811
    giulia,  # noqa: F811
    marco_desk,  # noqa: F811
    streams,
    call,
):
    invite, ok = call
    browser_hold = giulias_sdp(2, "sendonly", proto="UDP/TLS/RTP/SAVPF")
    offered, answered = reinvite(
        giulia, marco_desk, invite, ok, browser_hold, marcos_sdp(2, "recvonly")
    )
    assert offered.serialize() == browser_hold
    assert answered.serialize() == marcos_sdp(2, "recvonly")
    assert not streams.streams and not streams.ports.in_use  # no port was opened
    assert invite.call_id not in pbx.server.proxy.holds.calls
