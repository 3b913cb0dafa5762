"""The requests an attacker sent to the PBX, as they were sent: shared by the in-memory
and the live tests, so that both refuse the very same bytes."""

from __future__ import annotations

from officina.sip import SipRequest

REALM = "officina.local"
# Where the relay attempts ask to be forwarded: a gateway on the loopback address.
GATEWAY_HOST = "127.0.0.1"
RELAY_METHODS = ("OPTIONS", "INVITE", "MESSAGE")


def relay_attempt(method: str, via: str, number: int, gateway_port: int) -> SipRequest:
    """An unauthenticated request out of any dialog, with a preloaded Route naming another
    host and a forged From of extension 201: a toll-fraud call through a trunk that trusts
    the PBX, or a probe into internal addresses."""
    return SipRequest(
        method,
        f"sip:00390612345678@{REALM}",
        [
            ("Via", f"{via};branch=z9hG4bKrelay{method}{number};rport"),
            ("Route", f"<sip:gw.invalid:{gateway_port};maddr={GATEWAY_HOST};lr>"),
            ("Max-Forwards", "70"),
            ("From", f"<sip:201@{REALM}>;tag=relay{number}"),
            ("To", f"<sip:00390612345678@{REALM}>"),
            ("Call-ID", f"relay-{method}-{number}"),
            ("CSeq", f"1 {method}"),
            ("Contact", f"<sip:201@{GATEWAY_HOST}:{gateway_port}>"),
        ],
        b"hello" if method == "MESSAGE" else b"",
    )
