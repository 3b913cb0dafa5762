"""Errors of the SIP core.

Who broke the protocol decides the type: the peer (`RemoteProtocolError`,
with the status a server should answer with) or our own caller
(`LocalProtocolError`). Parsing raises only `SipParseError`.
"""

from __future__ import annotations


class SipError(Exception):
    """Base of every error the SIP core raises on purpose."""


class RemoteProtocolError(SipError):
    """The peer sent something that breaks the protocol.

    `status` is the SIP response a server should send for a request (400 Bad
    Request unless a more precise one applies); a broken response is dropped.
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status

    @property
    def reason(self) -> str:
        return str(self)


class SipParseError(RemoteProtocolError):
    """Received bytes are not a well-formed SIP message (or header, or URI)."""


class LocalProtocolError(SipError):
    """Our own caller asked for something the protocol does not allow."""
