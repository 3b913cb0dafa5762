"""A Refer-To naming the PBX by the community's SIP domain (what a browser phone
sends) is readdressed to our own address on the transferee's transport, since a plain
phone dials the Refer-To's host as it stands."""

from __future__ import annotations

from typing import Any, cast

import pytest

from officina.pbx.routes import OwnRoutes
from officina.pbx.transfers import Transfers
from officina.sip import SipRequest, SipUri
from officina.sip.rport import Peer

PORTS = {"UDP": 5070, "TCP": 5071, "TLS": 5072, "WS": 8000, "WSS": 8443}


class Interfaces:
    def local_via(self, transport: str) -> tuple[str, int]:
        return "192.0.2.10", PORTS[transport]


def transfers() -> Transfers:
    routes = OwnRoutes(cast(Any, Interfaces()), cast(Any, None))
    routes.local_hosts = {"officina.example", "192.0.2.10", "127.0.0.1"}
    return Transfers(cast(Any, None), routes)


def refer(refer_to: str) -> SipRequest:
    return SipRequest(
        "REFER",
        SipUri("192.0.2.20", "202", port=5060),
        [("Call-ID", "a@b"), ("CSeq", "2 REFER"), ("Refer-To", refer_to)],
    )


@pytest.mark.parametrize(
    ("refer_to", "transport", "readdressed"),
    [
        # A blind transfer to a phone over UDP: an addr-spec, as baresip wants it.
        ("<sip:203@officina.example>", "UDP", "sip:203@192.0.2.10:5070"),
        ("<sip:203@officina.example>", "TCP", "<sip:203@192.0.2.10:5071;transport=tcp>"),
        # An attended one keeps its Replaces, in brackets.
        (
            "<sip:203@officina.example?Replaces=c%40d%3Bto-tag%3D1%3Bfrom-tag%3D2>",
            "UDP",
            "<sip:203@192.0.2.10:5070?Replaces=c%40d%3Bto-tag%3D1%3Bfrom-tag%3D2>",
        ),
        # Browsers reach us by the domain: as it came.
        ("<sip:203@officina.example>", "WSS", "<sip:203@officina.example>"),
        # Somewhere else, an address with its port, nobody's number: as they came.
        ("<sip:203@elsewhere.example>", "UDP", "<sip:203@elsewhere.example>"),
        ("sip:203@officina.example:5090", "UDP", "sip:203@officina.example:5090"),
        ("<sip:officina.example>", "UDP", "<sip:officina.example>"),
        ("not a uri", "UDP", "not a uri"),
    ],
)
def test_a_refer_to_naming_us_by_our_domain_gets_our_address(
    refer_to: str, transport: str, readdressed: str
) -> None:
    request = refer(refer_to)
    transfers().readdress(request, Peer(transport, "192.0.2.20", 5060))
    assert request.header("Refer-To") == readdressed


def test_without_our_routes_nothing_is_readdressed() -> None:
    request = refer("<sip:203@officina.example>")
    Transfers(cast(Any, None)).readdress(request, Peer("UDP", "192.0.2.20", 5060))
    assert request.header("Refer-To") == "<sip:203@officina.example>"


def test_a_referral_to_replace_one_call_can_be_pointed_at_another() -> None:
    """The desk names its own dialog with the target in place of the browser's: the
    transferee's referral follows, so that its new call's Replaces is let through."""
    from officina.pbx.transfers import Referral

    table = transfers()
    table.referrals[(7, "203")] = Referral("201", "browser-call", until=100.0)
    table.referrals[(8, "203")] = Referral("201", "someone-else", until=100.0)
    table.replaces_instead(7, "203", "browser-call", "desk-call", 50.0)
    assert table.referrals[(7, "203")] == Referral("201", "desk-call", until=100.0)
    assert table.referrals[(8, "203")].replaces == "someone-else"
    assert (9, "203") not in table.referrals


def test_a_referral_noted_after_the_desk_renamed_its_call_replaces_the_desks() -> None:
    """The proxy notes a REFER once it is accepted, which the desk's answer to the
    browser's comes after: the desk's renaming waits for it, a while."""
    from officina.pbx.actions import CallRow
    from officina.pbx.proxy import new_row

    table = transfers()
    table.replaces_instead(7, "203", "browser-call", "desk-call", 50.0)
    table.replaces_instead(7, "203", "old-call", "old-desk-call", 50.0)
    invite = SipRequest(
        "INVITE",
        SipUri("officina.example", "201"),
        [("Call-ID", "first"), ("From", "<sip:202@officina.example>;tag=a")],
    )
    row: CallRow = new_row(invite, 7, "202", "201", 40.0)
    row.callee_id = 1

    class Callee:
        number = "201"

    table.directory = cast(Any, type("Directory", (), {"by_id": {1: Callee()}})())
    browser_refers = refer(
        "<sip:203@officina.example?Replaces=browser-call%3Bto-tag%3D1%3Bfrom-tag%3D2>"
    )
    browser_refers.set_header("From", "<sip:201@officina.example>;tag=2")
    table.referred(browser_refers, row, 51.0)
    assert table.referrals[(7, "203")].replaces == "desk-call"
    # Too late: the renaming is forgotten, the referral names what the REFER said.
    stale = refer("<sip:203@officina.example?Replaces=old-call%3Bto-tag%3D1%3Bfrom-tag%3D2>")
    stale.set_header("From", "<sip:201@officina.example>;tag=2")
    table.referred(stale, row, 50.0 + 65.0)
    assert table.referrals[(7, "203")].replaces == "old-call"


def test_a_transfers_call_the_desk_places_again_finds_its_referral_again() -> None:
    """A transferee's new call the desk bridges is placed again as the transferee's own:
    the proxy checks that second INVITE too, so the referral its first one took is back
    for it, Replaces and all; a call no transfer placed leaves nothing behind."""
    from officina.pbx.proxy import new_row
    from officina.pbx.transfers import REFERRAL_SECONDS, Referral

    table = transfers()
    invite = SipRequest(
        "INVITE",
        SipUri("officina.example", "203"),
        [("Call-ID", "new"), ("From", "<sip:202@officina.example>;tag=a")],
    )
    row = new_row(invite, 8, "202", "203", 50.0)
    row.transferred_by, row.replaced_call_id = "201", "consultation"
    table.placed_again(row, 50.0)
    assert table.referrals[(8, "203")] == Referral(
        "201", "consultation", until=50.0 + REFERRAL_SECONDS
    )
    plain = new_row(invite, 9, "204", "203", 50.0)
    table.placed_again(plain, 50.0)
    assert (9, "203") not in table.referrals
