"""Keeping one registration alive with a registrar, as a user agent client (RFC 3261
§10.2): what a PBX does towards its telephone provider.

Sans-IO like the rest of the core: ``due(now)`` hands out the REGISTER to send (the
caller adds its Via and sends it on a client transaction), ``answered(response,
now)`` takes the final response (and may hand back the REGISTER to send again with
credentials), ``no_answer(now)`` says the transaction timed out; ``next_timer()``
says when to ask again.

The rules, in order:

* a 401/407 is answered with the credentials (``DigestClient``), once per REGISTER:
  a second challenge in a row means the credentials are wrong (unless it says
  ``stale=true``, §22.4 / RFC 7616 §3.3: then the same credentials, a fresh nonce);
* a 2xx registers us until now + the expiry the registrar granted (our Contact's
  ``expires`` parameter in the answer, else its Expires header, else what we asked,
  §10.2.4); the refresh goes out at half that time, at least ``MIN_REFRESH`` seconds
  ahead of the end, so that a lost REGISTER is retransmitted and answered in time;
* 423 Interval Too Brief: ask again at once with its Min-Expires (§10.2.8);
* any other failure, or no answer: failed, tried again after ``RETRY_FIRST`` seconds,
  doubling up to ``RETRY_MOST`` (a provider that refuses us is not hammered).

Call-ID and From tag stay for the registration's life; CSeq goes up by one for
every REGISTER (§10.2.4).
"""

from __future__ import annotations

from enum import StrEnum

from officina.sip.digest import DigestClient
from officina.sip.message import SipRequest, SipResponse

MIN_REFRESH = 5.0  # seconds before the registration ends that the refresh goes out
RETRY_FIRST = 30.0
RETRY_MOST = 600.0


class RegistrationState(StrEnum):
    REGISTERING = "trying"
    REGISTERED = "registered"
    FAILED = "failed"


class RegistrationClient:
    def __init__(
        self,
        *,
        registrar: str,
        user: str,
        domain: str,
        contact: str,
        password: str,
        expires: int,
        call_id: str,
        tag: str,
        now: float,
    ) -> None:
        """``registrar``: the Request-URI (``sip:provider.example``); ``user@domain``:
        the address of record; ``contact``: where the provider reaches us."""
        self.registrar = registrar
        self.aor = f"sip:{user}@{domain}"
        self.contact = contact
        self.expires = expires
        self.call_id = call_id
        self.tag = tag
        self.credentials = DigestClient(user, password)
        self.cseq = 0
        self.state = RegistrationState.REGISTERING
        self.last_response = ""
        self.registered_until: float | None = None
        self._next = now
        self._waiting = False  # a REGISTER is out, not answered yet
        self._challenged = False
        self._retry = RETRY_FIRST

    def next_timer(self) -> float | None:
        return None if self._waiting else self._next

    def due(self, now: float) -> SipRequest | None:
        """The REGISTER to send now, if one is due."""
        if self._waiting or now < self._next:
            return None
        self._challenged = False
        return self._register()

    def _register(self) -> SipRequest:
        self.cseq += 1
        self._waiting = True
        return SipRequest(
            "REGISTER",
            self.registrar,
            [
                ("Max-Forwards", "70"),
                ("From", f"<{self.aor}>;tag={self.tag}"),
                ("To", f"<{self.aor}>"),
                ("Call-ID", self.call_id),
                ("CSeq", f"{self.cseq} REGISTER"),
                ("Contact", f"<{self.contact}>"),
                ("Expires", str(self.expires)),
                ("Content-Length", "0"),
            ],
        )

    def answered(self, request: SipRequest, response: SipResponse, now: float) -> SipRequest | None:
        """The final answer to ``request``; returns a REGISTER to send at once (with
        credentials, or a longer expiry), or None."""
        status = response.status
        self.last_response = f"{status} {response.reason}".strip()
        if status in (401, 407):
            stale = any(
                challenge.params.get("stale", "").lower() == "true"
                for challenge in (
                    response.proxy_authenticate if status == 407 else response.www_authenticate
                )
            )
            if not self._challenged or stale:
                retry = self.credentials.authorize(request, response)
                if retry is not None:
                    self._challenged = True
                    self.cseq = retry.cseq.number
                    return retry
            self._fail(now)
            return None
        if status == 423:
            minimum = response.header("Min-Expires")
            if minimum is not None and minimum.strip().isdigit() and not self._challenged:
                self.expires = int(minimum.strip())
                self._challenged = False
                return self._register()
            self._fail(now)
            return None
        if 200 <= status < 300:
            granted = self._granted(response)
            self._waiting = False
            self.state = RegistrationState.REGISTERED
            self.registered_until = now + granted
            self._next = now + max(1.0, min(granted / 2, granted - MIN_REFRESH))
            self._retry = RETRY_FIRST
            return None
        self._fail(now)
        return None

    def no_answer(self, now: float) -> None:
        self.last_response = "no answer"
        self._fail(now)

    def _fail(self, now: float) -> None:
        self._waiting = False
        self.state = RegistrationState.FAILED
        if self.registered_until is not None and self.registered_until <= now:
            self.registered_until = None
        self._next = now + self._retry
        self._retry = min(self._retry * 2, RETRY_MOST)

    def _granted(self, response: SipResponse) -> float:
        """The expiry the registrar gave our Contact (§10.2.4)."""
        contacts = response.contacts
        for contact in contacts:
            # Ours, or the only one (some registrars add parameters to it).
            if contact.uri_text == self.contact or len(contacts) == 1:
                value = contact.params.get("expires")
                if value is not None and value.isdigit():
                    return float(value)
        if response.expires is not None:
            return float(response.expires)
        return float(self.expires)
