"""Short-lived SIP credentials for the browser phone: nothing to type, nothing stored.

A signed-in member's page asks the web server for a credential; the registrar
and the proxy accept it as an ordinary digest username and password, so the
browser speaks plain SIP (JsSIP) and the SIP server needs no session lookup.
The shape is the one TURN servers use for the same problem (a "REST API"
credential): the username carries the extension and the expiry, the password
is an HMAC of them under a key every node derives from ``SECRET_KEY``.

    username = "<extension number>.<expiry, Unix seconds>"
    password = base64url(HMAC-SHA256(key, "<extension id>:<number>:<expiry>"))

Nothing about it is stored: the SIP server recomputes the password, and from
it the digest HA1, when a request names such a username. It is bound to the
extension's id as well as its number (a number given to someone else later
does not accept an old credential), refused once expired, and refused when
its expiry lies further ahead than a credential is ever issued for. The SIP
password the member may have made for a desk phone is not touched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

# How long an issued credential works. A page asks for a fresh one well before
# (see REFRESH_AFTER) and uses it for its next REGISTER or INVITE; a leaked one is
# worth minutes.
LIFETIME_SECONDS = 10 * 60
REFRESH_AFTER_SECONDS = 4 * 60
# Clocks of two nodes sharing SECRET_KEY may differ a little: an expiry this much past
# the lifetime is still accepted, never more.
CLOCK_SLACK_SECONDS = 30

SEPARATOR = "."


@dataclass(frozen=True, slots=True)
class BrowserCredential:
    username: str
    password: str
    expires_at: int


@dataclass(frozen=True, slots=True)
class ClaimedCredential:
    """What a digest username says about itself, before anything is checked."""

    number: str
    expires_at: int


def credential_key(node_secret: bytes) -> bytes:
    """The key of browser credentials, apart from the other uses of the node's secret."""
    return hmac.digest(node_secret, b"officina-pbx:browser-credential", "sha256")


def claimed_credential(username: str) -> ClaimedCredential | None:
    """``username`` read as a browser credential's, or None when it has not that shape."""
    number, separator, expiry = username.partition(SEPARATOR)
    if not separator or not number.isdigit() or not expiry.isdigit() or len(number) > 16:
        return None
    if len(expiry) > 12:
        return None
    return ClaimedCredential(number, int(expiry))


def _password(key: bytes, extension_id: int, number: str, expires_at: int) -> str:
    mac = hmac.digest(key, f"{extension_id}:{number}:{expires_at}".encode(), "sha256")
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def issue_browser_credential(
    key: bytes, extension_id: int, number: str, now: float
) -> BrowserCredential:
    expires_at = int(now) + LIFETIME_SECONDS
    return BrowserCredential(
        username=f"{number}{SEPARATOR}{expires_at}",
        password=_password(key, extension_id, number, expires_at),
        expires_at=expires_at,
    )


def browser_credential_ha1(
    key: bytes,
    claim: ClaimedCredential,
    extension_id: int,
    realm: str,
    algorithm: str,
    now: float,
) -> str | None:
    """The digest HA1 a valid, unexpired credential of ``claim`` hashes to (None when
    expired or issued for longer than this server would issue one)."""
    if claim.expires_at <= now or claim.expires_at > now + LIFETIME_SECONDS + CLOCK_SLACK_SECONDS:
        return None
    username = f"{claim.number}{SEPARATOR}{claim.expires_at}"
    password = _password(key, extension_id, claim.number, claim.expires_at)
    secret = f"{username}:{realm}:{password}".encode()
    if algorithm == "SHA-256":
        return hashlib.sha256(secret).hexdigest()
    return hashlib.md5(secret, usedforsecurity=False).hexdigest()
