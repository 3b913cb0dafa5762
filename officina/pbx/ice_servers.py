"""The STUN and TURN servers a browser phone gathers its ICE candidates from.

Between two browsers on the same network, or a browser and the PBX's media bridge on
a public address, host candidates are enough. A member at home behind a NAT that maps
each destination to a different port (many mobile networks, some routers) can only be
reached through a relay: TURN (RFC 8656). STUN servers add the member's public address
(server-reflexive candidates) for the NATs that keep one mapping.

TURN servers are configured, not run, by Officina (coturn is the usual one). They
authenticate with the "TURN REST API" scheme that coturn (``use-auth-secret``) and most
hosted TURN services accept: the web server and the TURN server share a secret, and
each member's browser gets a credential of its own, made without asking anyone:

    username   = "<expiry, Unix seconds>:<extension number>"
    credential = base64(HMAC-SHA1(secret, username))

The TURN server recomputes it and refuses it once the expiry has passed, also when an
allocation asks to be refreshed: hence a lifetime longer than any call
(``WEBRTC_TURN_CREDENTIAL_SECONDS``, 12 hours by default), and a fresh one with each
SIP credential the page fetches.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

IcePolicy = Literal["all", "relay"]
POLICIES: tuple[IcePolicy, ...] = ("all", "relay")
STUN_SCHEMES = ("stun:", "stuns:")
TURN_SCHEMES = ("turn:", "turns:")


@dataclass(frozen=True, slots=True)
class IceConfiguration:
    """What a browser phone's ``RTCPeerConnection`` is given: its ``iceServers`` (in the
    shape of the WebRTC API's ``RTCIceServer``) and its ``iceTransportPolicy``."""

    servers: list[dict[str, object]]
    policy: IcePolicy

    def as_json(self) -> dict[str, object]:
        return {"ice_servers": self.servers, "ice_transport_policy": self.policy}


def turn_credential(secret: str, number: str, expires_at: int) -> tuple[str, str]:
    """(username, credential) for extension ``number``, valid until ``expires_at``."""
    username = f"{expires_at}:{number}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_configuration(number: str, now: float) -> IceConfiguration:
    """The ICE servers for the browser phone of extension ``number``, from settings."""
    servers: list[dict[str, object]] = []
    if settings.WEBRTC_STUN_URLS:
        servers.append({"urls": list(settings.WEBRTC_STUN_URLS)})
    if settings.WEBRTC_TURN_URLS:
        expires_at = int(now) + settings.WEBRTC_TURN_CREDENTIAL_SECONDS
        username, credential = turn_credential(settings.WEBRTC_TURN_SECRET, number, expires_at)
        servers.append(
            {
                "urls": list(settings.WEBRTC_TURN_URLS),
                "username": username,
                "credential": credential,
            }
        )
    policy: IcePolicy = "relay" if settings.WEBRTC_ICE_TRANSPORT_POLICY == "relay" else "all"
    return IceConfiguration(servers, policy)


def configuration_errors(
    stun_urls: Sequence[str],
    turn_urls: Sequence[str],
    turn_secret: str,
    policy: str,
    credential_seconds: int,
) -> list[str]:
    """What is wrong with these settings, in words an operator can act on."""
    errors = []
    for url in stun_urls:
        if not url.startswith(STUN_SCHEMES):
            errors.append(f"WEBRTC_STUN_URLS: {url!r} is not a stun: or stuns: URL")
    for url in turn_urls:
        if not url.startswith(TURN_SCHEMES):
            errors.append(f"WEBRTC_TURN_URLS: {url!r} is not a turn: or turns: URL")
    if turn_urls and not turn_secret:
        errors.append(
            "WEBRTC_TURN_URLS is set but WEBRTC_TURN_SECRET, shared with the TURN server, is not"
        )
    if policy not in POLICIES:
        errors.append(f"WEBRTC_ICE_TRANSPORT_POLICY must be 'all' or 'relay', not {policy!r}")
    if policy == "relay" and not turn_urls:
        errors.append("WEBRTC_ICE_TRANSPORT_POLICY=relay needs a TURN server (WEBRTC_TURN_URLS)")
    if credential_seconds < 3600:
        errors.append(
            "WEBRTC_TURN_CREDENTIAL_SECONDS is below an hour: "
            "calls longer than that would lose their relay"
        )
    return errors


@register()
def check_ice_settings(**_kwargs: object) -> list[CheckMessage]:
    """``officina check`` (and every ``serve``) refuses ICE settings that cannot work."""
    return [
        Error(message, id="pbx.E010")
        for message in configuration_errors(
            settings.WEBRTC_STUN_URLS,
            settings.WEBRTC_TURN_URLS,
            settings.WEBRTC_TURN_SECRET,
            settings.WEBRTC_ICE_TRANSPORT_POLICY,
            settings.WEBRTC_TURN_CREDENTIAL_SECONDS,
        )
    ]
