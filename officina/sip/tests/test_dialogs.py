import pytest

from officina.sip import (
    RemoteProtocolError,
    SipRequest,
    SipResponse,
    Via,
    make_response,
    parse_message,
)
from officina.sip.dialogs import CONFIRMED, EARLY, Dialog, DialogStore, new_tag, uac_dialog_id
from officina.sip.errors import LocalProtocolError
from officina.sip.transactions import new_branch


def invite() -> SipRequest:
    return SipRequest(
        "INVITE",
        "sip:202@officina.local",
        [
            ("Via", "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKinv1"),
            ("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKclient"),
            ("Max-Forwards", "69"),
            ("Record-Route", "<sip:p2.officina.local;lr>"),
            ("Record-Route", "<sip:p1.officina.local;lr>"),
            ("From", '"Giulia" <sip:201@officina.local>;tag=caller1'),
            ("To", "<sip:202@officina.local>"),
            ("Call-ID", "dialog-call"),
            ("CSeq", "10 INVITE"),
            ("Contact", "<sip:201@192.0.2.1:5060>"),
        ],
    )


def answer(request: SipRequest, status: int, tag: str) -> SipResponse:
    response = make_response(request, status, to_tag=tag)
    for value in request.header_values("Record-Route"):
        response.add_header("Record-Route", value)
    response.add_header("Contact", "<sip:202@192.0.2.20:5062>")
    parsed = parse_message(response.serialize())
    assert isinstance(parsed, SipResponse)
    return parsed


def test_uac_and_uas_views_agree_and_route_bye():
    request = parse_message(invite().serialize())
    assert isinstance(request, SipRequest)
    tag = new_tag()
    uas = Dialog.from_uas(request, tag)
    assert uas.state == EARLY
    assert uas.route_set == ["<sip:p2.officina.local;lr>", "<sip:p1.officina.local;lr>"]
    assert uas.remote_target == "sip:201@192.0.2.1:5060"
    assert uas.remote_seq == 10

    ringing = answer(request, 180, tag)
    uac = Dialog.from_uac(request, ringing)
    assert uac.state == EARLY
    ok = answer(request, 200, tag)
    uac.confirm(ok)
    uas.confirm(ok)
    assert uac.state == uas.state == CONFIRMED
    assert uac.id == (uas.id.call_id, uas.id.remote_tag, uas.id.local_tag)
    assert uac_dialog_id(ok) == uac.id
    assert uac.route_set == ["<sip:p1.officina.local;lr>", "<sip:p2.officina.local;lr>"]
    assert uac.remote_target == "sip:202@192.0.2.20:5062"

    ack = uac.create_request(
        "ACK", Via("UDP", "192.0.2.1", 5060, {"branch": new_branch()}), cseq=10
    )
    assert ack.cseq == (10, "ACK")
    bye = uac.create_request("BYE", Via("UDP", "192.0.2.1", 5060, {"branch": new_branch()}))
    wire = parse_message(bye.serialize())
    assert isinstance(wire, SipRequest)
    assert wire.uri_text == "sip:202@192.0.2.20:5062"
    assert [r.uri_text for r in wire.routes] == [
        "sip:p1.officina.local;lr",
        "sip:p2.officina.local;lr",
    ]
    assert wire.cseq == (11, "BYE")
    assert wire.from_tag == "caller1" and wire.to_tag == tag

    store = DialogStore()
    store.add(uas)
    found = store.for_request(wire)
    assert found is uas
    found.receive_request(wire)
    assert uas.remote_seq == 11
    with pytest.raises(RemoteProtocolError) as excinfo:
        uas.receive_request(parse_message(invite().serialize().replace(b"10 INVITE", b"3 INVITE")))  # type: ignore[arg-type]
    assert excinfo.value.status == 500


def test_strict_route_puts_first_route_in_request_uri():
    request = invite()
    request.set_header("Record-Route", "<sip:old-proxy.example.com>")
    ok = answer(request, 200, "t1")
    dialog = Dialog.from_uac(request, ok)
    bye = dialog.create_request("BYE", Via("UDP", "192.0.2.1", 5060, {"branch": new_branch()}))
    assert bye.uri_text == "sip:old-proxy.example.com"
    assert [r.uri_text for r in bye.routes] == ["sip:202@192.0.2.20:5062"]


def test_target_refresh_and_errors():
    request = invite()
    dialog = Dialog.from_uas(request, "t")
    reinvite = invite()
    reinvite.set_header("CSeq", "11 INVITE")
    reinvite.set_header("Contact", "<sip:201@198.51.100.9:6000>")
    dialog.receive_request(reinvite)
    assert dialog.remote_target == "sip:201@198.51.100.9:6000"
    with pytest.raises(LocalProtocolError):
        dialog.create_request("ACK", Via("UDP", "h", None, {"branch": new_branch()}))
    dialog.terminate()
    with pytest.raises(LocalProtocolError):
        dialog.create_request("BYE", Via("UDP", "h", None, {"branch": new_branch()}))
