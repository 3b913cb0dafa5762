"""Who is calling: digest authentication of REGISTER and INVITE, with failures limited.

The SIP core's ``DigestServer`` makes and checks the nonces (signed, with a
lifetime and nonce-count replay protection); credentials come from the
in-memory directory (HA1 per algorithm, never a password). Every failure
counts against the source and user it came for (``DigestLimits``); an
attempt past a limit gets the same 403 as a wrong password, without its
password being checked, so guessing makes no progress, while the other
users behind the same address keep registering. A browser phone's short-lived
credential (``browser_credentials.py``) is checked the same way: its username
names the extension, and its HA1 is recomputed rather than read. Nothing is left
unanswered: a client that gets no answer retransmits, and a 403 is no
larger than the request it answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from officina.pbx.browser_credentials import browser_credential_ha1, claimed_credential
from officina.pbx.ratelimit import DigestLimits
from officina.pbx.tags import new_tag
from officina.pbx.transports.base import Flow
from officina.sip import SipParseError, SipRequest, SipResponse, make_response
from officina.sip.digest import DigestOutcome, DigestServer

if TYPE_CHECKING:
    from collections.abc import Callable

    from officina.pbx.directory import Directory
    from officina.pbx.selectors import DirectoryEntry


@dataclass(frozen=True, slots=True)
class Verdict:
    """``entry`` when authenticated; else the ``response`` to send, or ``look_up``: read
    that user from the database, then check again."""

    entry: DirectoryEntry | None = None
    response: SipResponse | None = None
    look_up: str | None = None


class Gatekeeper:
    def __init__(
        self,
        directory: Directory,
        digest: DigestServer,
        wall: Callable[[], float],
        browser_key: bytes | None = None,
    ) -> None:
        self.directory = directory
        self.browser_key = browser_key
        self.digest = digest
        self.limits = DigestLimits()
        self.wall = wall
        self.failures = 0
        self.refusals = 0

    @staticmethod
    def tag() -> str:
        return new_tag()

    def _ha1(self, username: str, realm: str, algorithm: str) -> str | None:
        entry = self.directory.entry(username)
        if entry is not None:
            if entry.realm != realm:
                return None
            return entry.ha1_sha256 if algorithm == "SHA-256" else entry.ha1_md5
        claim = claimed_credential(username) if self.browser_key is not None else None
        if claim is None or self.browser_key is None:
            return None
        entry = self.directory.entry(claim.number)
        if entry is None:
            return None
        return browser_credential_ha1(
            self.browser_key, claim, entry.extension_id, realm, algorithm, self.wall()
        )

    def _extension_number(self, username: str) -> str:
        """The extension a digest username stands for: itself, or the one a browser
        credential names."""
        if self.browser_key is not None and self.directory.entry(username) is None:
            claim = claimed_credential(username)
            if claim is not None:
                return claim.number
        return username

    def check(
        self, request: SipRequest, flow: Flow, now: float, *, proxy: bool, retried: bool = False
    ) -> Verdict:
        source = flow.host
        username = self._username(request, proxy=proxy)
        if username is not None and self.limits.refused(source, username, now):
            self.refusals += 1
            return Verdict(response=make_response(request, 403))
        wall = self.wall()
        result = self.digest.verify(request, self._ha1, wall, proxy=proxy)
        outcome = result.outcome
        if outcome is DigestOutcome.OK:
            assert result.username is not None
            entry = self.directory.entry(self._extension_number(result.username))
            if entry is not None:
                return Verdict(entry=entry)
            outcome = DigestOutcome.UNKNOWN_USER
        if outcome is DigestOutcome.MISSING or outcome is DigestOutcome.INVALID_NONCE:
            # No credentials yet, or a nonce from before a restart of another server:
            # a plain challenge (no failure counted: every phone starts this way).
            return Verdict(response=self._challenge(request, wall, proxy=proxy, stale=False))
        if outcome is DigestOutcome.STALE:
            return Verdict(response=self._challenge(request, wall, proxy=proxy, stale=True))
        if (
            outcome is DigestOutcome.UNKNOWN_USER or outcome is DigestOutcome.WRONG_RESPONSE
        ) and not retried:
            # An extension made, or a password changed, since the last refresh. Reading a
            # known user again also gives a wrong password the time a missing extension
            # takes: the answer does not tell a scanner which extensions exist.
            assert result.username is not None
            return Verdict(look_up=self._extension_number(result.username))
        self.failures += 1
        if username is not None:
            self.limits.failed(source, username, now)
        if outcome is DigestOutcome.MALFORMED:
            return Verdict(response=make_response(request, 400, "Bad Request (credentials)"))
        return Verdict(response=make_response(request, 403))

    def _username(self, request: SipRequest, *, proxy: bool) -> str | None:
        """The user the credentials are for (cut short: it keys a bounded table)."""
        try:
            credentials = self.digest.credentials_for_realm(request, proxy=proxy)
        except SipParseError:
            return None  # answered 400 by the verification, which finds it malformed
        if credentials is None:
            return None
        username = credentials.params.get("username")
        # A browser credential's failures count against its extension, whatever expiry
        # its username names: changing that number buys a guesser nothing.
        return self._extension_number(username[:64]) if username else None

    def _challenge(
        self, request: SipRequest, wall: float, *, proxy: bool, stale: bool
    ) -> SipResponse:
        return self.digest.challenge_response(
            request, wall, proxy=proxy, stale=stale, to_tag=self.tag()
        )
