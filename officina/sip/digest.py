"""HTTP Digest authentication for SIP (RFC 3261 §22, RFC 7616, RFC 8760, RFC 2617 compatibility).

    response = H( H(A1) ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2) )   with qop
    response = H( H(A1) ":" nonce ":" H(A2) )                             without qop (RFC 2617)
    A1 = username ":" realm ":" password                                  (MD5, SHA-256)
    A1 = H(username ":" realm ":" password) ":" nonce ":" cnonce          (-sess variants)
    A2 = method ":" digest-uri   [ ":" H(entity-body) for qop=auth-int ]

Server side, `DigestServer` keeps no per-nonce state to validate a nonce:
each nonce carries its issue time and a random part, signed with HMAC-SHA256
under a secret (and optionally bound to e.g. the client's address). A nonce
older than `nonce_lifetime` is answered with stale=true, so clients retry
with the fresh one without asking the user. Replays are refused by tracking
the highest nonce-count seen per nonce in a bounded LRU (`NonceCounter`).
A nonce-count may start anywhere, it must only increase (RFC 7616 §3.4): a
client whose first requests were lost is accepted with nc=5. A nonce the
store may have forgotten (issued before it last made room, or before this
server started) is answered stale when its count is above 1, never taken as
fresh. Without qop (RFC 2617 clients) a nonce is accepted once.

Passwords need not be stored: keep `compute_ha1(user, realm, password, alg)`
for MD5 and SHA-256 and give the server a lookup function.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from officina.sip._grammar import quote
from officina.sip.errors import SipParseError
from officina.sip.headers import AuthHeader
from officina.sip.message import SipRequest, SipResponse, make_response, parse_message
from officina.sip.uri import SipUri, parse_uri

ALGORITHMS = ("SHA-256", "SHA-256-sess", "MD5", "MD5-sess")
_HASHES: dict[str, Callable[[bytes], str]] = {
    "MD5": lambda data: hashlib.md5(data, usedforsecurity=False).hexdigest(),
    "SHA-256": lambda data: hashlib.sha256(data).hexdigest(),
}


def _base(algorithm: str) -> str:
    """'MD5-sess' -> 'MD5' (case-insensitive); unknown algorithms raise KeyError."""
    upper = algorithm.upper()
    base = upper[:-5] if upper.endswith("-SESS") else upper
    if base not in _HASHES:
        raise KeyError(algorithm)
    return base


def _h(algorithm: str, text: str) -> str:
    return _HASHES[_base(algorithm)](text.encode("utf-8", "surrogateescape"))


def compute_ha1(username: str, realm: str, password: str, algorithm: str = "MD5") -> str:
    """H(username:realm:password), the value to store instead of the password.

    The -sess variants use the same stored value (their session key is derived per nonce).
    """
    return _h(algorithm, f"{username}:{realm}:{password}")


def compute_response(
    *,
    algorithm: str,
    ha1: str,
    nonce: str,
    method: str,
    uri: str,
    qop: str | None = None,
    nc: str = "",
    cnonce: str = "",
    body: bytes = b"",
) -> str:
    """The digest `response` value for the given parameters (RFC 7616 §3.4.1)."""
    base = _base(algorithm)
    if algorithm.upper().endswith("-SESS"):
        ha1 = _h(base, f"{ha1}:{nonce}:{cnonce}")
    a2 = f"{method}:{uri}"
    if qop == "auth-int":
        a2 += ":" + _HASHES[base](body)
    ha2 = _h(base, a2)
    if qop:
        return _h(base, f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return _h(base, f"{ha1}:{nonce}:{ha2}")


class DigestOutcome(StrEnum):
    OK = "ok"
    MISSING = "missing credentials"
    MALFORMED = "malformed credentials"
    UNSUPPORTED = "unsupported algorithm or qop"
    INVALID_NONCE = "nonce not issued here"
    STALE = "nonce expired"
    REPLAY = "nonce count reused"
    UNKNOWN_USER = "unknown user"
    WRONG_RESPONSE = "wrong response"


@dataclass(frozen=True, slots=True)
class DigestResult:
    outcome: DigestOutcome
    username: str | None = None
    algorithm: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is DigestOutcome.OK

    @property
    def stale(self) -> bool:
        """Re-challenge with stale=true: the client knew the password."""
        return self.outcome is DigestOutcome.STALE


class NonceCountStore(Protocol):
    """Replay protection: remember the highest nonce-count accepted per nonce."""

    def accept(self, nonce: str, nc: int) -> bool | None:
        """True when `nc` is above the last one seen for `nonce` (and remember it),
        False when it is not, None when the nonce is unknown to the store."""

    def start(self, nonce: str, nc: int) -> bool:
        """Remember a nonce seen for the first time; True when another nonce was forgotten
        to make room for it."""


class NonceCounter:
    """In-memory, bounded `NonceCountStore` (least recently used nonces are forgotten)."""

    def __init__(self, max_nonces: int = 100_000) -> None:
        self.max_nonces = max_nonces
        self._counts: OrderedDict[str, int] = OrderedDict()

    def accept(self, nonce: str, nc: int) -> bool | None:
        last = self._counts.get(nonce)
        if last is None:
            return None
        if nc <= last:
            return False
        self._counts[nonce] = nc
        self._counts.move_to_end(nonce)
        return True

    def start(self, nonce: str, nc: int) -> bool:
        self._counts[nonce] = nc
        self._counts.move_to_end(nonce)
        forgot = False
        while len(self._counts) > self.max_nonces:
            self._counts.popitem(last=False)
            forgot = True
        return forgot

    def __len__(self) -> int:
        return len(self._counts)


HA1Lookup = Callable[[str, str, str], str | None]
"""(username, realm, base algorithm 'MD5' or 'SHA-256') -> stored HA1 hex, or None."""

_NONCE_STRUCT = struct.Struct(">Q8s")  # issue time in ms, 8 random bytes


class DigestServer:
    """Challenges and verifies Digest credentials for one realm, without per-nonce state."""

    def __init__(
        self,
        realm: str,
        secret: bytes,
        *,
        nonce_lifetime: float = 300.0,
        algorithms: tuple[str, ...] = ("SHA-256", "MD5"),
        qop: bool = True,
        counter: NonceCountStore | None = None,
        check_uri: bool = True,
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the nonce secret needs at least 16 bytes")
        for algorithm in algorithms:
            if algorithm not in ALGORITHMS:
                raise ValueError(f"unsupported algorithm {algorithm}")
        self.realm = realm
        # Keyed once: each nonce signed or checked copies it. The one-shot hmac.digest
        # sets the key and the hash up again every time, which in a busy server (its
        # caches cold between two calls) took 15-18 µs a nonce against 5 for a copy.
        self._signer = hmac.new(secret, digestmod=hashlib.sha256)
        self.nonce_lifetime = nonce_lifetime
        self.algorithms = algorithms
        self.qop = qop
        self.counter: NonceCountStore = counter if counter is not None else NonceCounter()
        # RFC 2617 §3.2.2.5: the digest-uri must name the request's target (400 otherwise),
        # so credentials computed for one request cannot be replayed for another target.
        self.check_uri = check_uri
        # Nonces issued up to this time (ms) may have been used and then forgotten: before
        # this server started (the secret outlives a restart) or before the store last
        # made room. Set by the first nonce made or checked.
        self._forgotten_until_ms: int | None = None

    # ------------------------------------------------------------- nonces
    def _sign(self, payload: bytes, bind: str) -> bytes:
        signer = self._signer.copy()
        signer.update(payload + bind.encode())
        return signer.digest()[:16]

    def make_nonce(self, now: float, bind: str = "") -> str:
        """A nonce stamped with `now` (seconds; use wall-clock time to survive restarts)."""
        if self._forgotten_until_ms is None:
            self._forgotten_until_ms = int(now * 1000) - 1
        payload = _NONCE_STRUCT.pack(int(now * 1000), secrets.token_bytes(8))
        return base64.urlsafe_b64encode(payload + self._sign(payload, bind)).decode().rstrip("=")

    def check_nonce(self, nonce: str, now: float, bind: str = "") -> DigestOutcome:
        """OK, STALE (ours but too old) or INVALID_NONCE (not ours)."""
        if len(nonce) != 43:
            return DigestOutcome.INVALID_NONCE
        try:
            raw = base64.urlsafe_b64decode(nonce + "=")
        except ValueError:
            return DigestOutcome.INVALID_NONCE
        payload, signature = raw[:16], raw[16:]
        if not hmac.compare_digest(signature, self._sign(payload, bind)):
            return DigestOutcome.INVALID_NONCE
        issued = _issued_ms(raw) / 1000
        if not -1.0 <= now - issued <= self.nonce_lifetime:
            return DigestOutcome.STALE
        return DigestOutcome.OK

    # ------------------------------------------------------------- challenge
    def challenges(self, now: float, *, stale: bool = False, bind: str = "") -> list[str]:
        """WWW-Authenticate / Proxy-Authenticate values, one per algorithm, preferred first."""
        values = []
        for algorithm in self.algorithms:
            nonce = self.make_nonce(now, bind)
            value = f'Digest realm="{quote(self.realm)}", nonce="{nonce}", algorithm={algorithm}'
            if self.qop:
                value += ', qop="auth"'
            if stale:
                value += ", stale=true"
            values.append(value)
        return values

    def challenge_response(
        self,
        request: SipRequest,
        now: float,
        *,
        proxy: bool = False,
        stale: bool = False,
        bind: str = "",
        to_tag: str | None = None,
    ) -> SipResponse:
        """A 401 (or 407 with `proxy=True`) carrying fresh challenges."""
        name = "Proxy-Authenticate" if proxy else "WWW-Authenticate"
        return make_response(
            request,
            407 if proxy else 401,
            to_tag=to_tag,
            headers=[(name, value) for value in self.challenges(now, stale=stale, bind=bind)],
        )

    # ------------------------------------------------------------- verification
    def credentials_for_realm(
        self, request: SipRequest, *, proxy: bool = False
    ) -> AuthHeader | None:
        """The Digest credentials of the request addressed to this realm, if any.

        Raises SipParseError when an Authorization header is malformed.
        """
        headers = request.proxy_authorization if proxy else request.authorization
        for header in headers:
            if header.scheme.lower() == "digest" and header.params.get("realm") == self.realm:
                return header
        return None

    def verify(
        self,
        request: SipRequest,
        lookup_ha1: HA1Lookup,
        now: float,
        *,
        proxy: bool = False,
        bind: str = "",
    ) -> DigestResult:
        """Check the request's credentials; see `DigestOutcome` for the possible answers."""
        try:
            credentials = self.credentials_for_realm(request, proxy=proxy)
        except SipParseError:
            return DigestResult(DigestOutcome.MALFORMED)
        if credentials is None:
            return DigestResult(DigestOutcome.MISSING)
        params = credentials.params
        username = params.get("username")
        nonce = params.get("nonce")
        uri = params.get("uri")
        response = params.get("response")
        if not username or not nonce or not uri or not response:
            return DigestResult(DigestOutcome.MALFORMED, username)
        algorithm = params.get("algorithm", "MD5")
        canonical = next((a for a in self.algorithms if a.upper() == algorithm.upper()), None)
        if canonical is None:
            return DigestResult(DigestOutcome.UNSUPPORTED, username)
        qop = params.get("qop")
        nc_value = 0
        if qop is not None:
            if qop not in ("auth", "auth-int") or not self.qop:
                return DigestResult(DigestOutcome.UNSUPPORTED, username, canonical)
            nc_text = params.get("nc", "")
            if len(nc_text) != 8 or not params.get("cnonce"):
                return DigestResult(DigestOutcome.MALFORMED, username, canonical)
            try:
                nc_value = int(nc_text, 16)
            except ValueError:
                return DigestResult(DigestOutcome.MALFORMED, username, canonical)
        elif self.qop and canonical.upper().endswith("-SESS"):
            return DigestResult(DigestOutcome.MALFORMED, username, canonical)

        if self.check_uri and not _same_target(uri, request.uri_text):
            return DigestResult(DigestOutcome.MALFORMED, username, canonical)
        nonce_state = self.check_nonce(nonce, now, bind)
        if nonce_state is DigestOutcome.INVALID_NONCE:
            return DigestResult(nonce_state, username, canonical)

        ha1 = lookup_ha1(username, self.realm, _base(canonical))
        if ha1 is None:
            return DigestResult(DigestOutcome.UNKNOWN_USER, username, canonical)
        expected = compute_response(
            algorithm=canonical,
            ha1=ha1,
            nonce=nonce,
            method=request.method,
            uri=uri,
            qop=qop,
            nc=params.get("nc", ""),
            cnonce=params.get("cnonce", ""),
            body=request.body,
        )
        if not hmac.compare_digest(expected, response.lower()):
            return DigestResult(DigestOutcome.WRONG_RESPONSE, username, canonical)
        # The password was right: an old nonce is only stale.
        if nonce_state is DigestOutcome.STALE:
            return DigestResult(DigestOutcome.STALE, username, canonical)
        seen = self.counter.accept(nonce, nc_value)
        if seen is False:
            # Without qop a nonce is good once: the client gets a fresh one (stale=true).
            outcome = DigestOutcome.STALE if qop is None else DigestOutcome.REPLAY
            return DigestResult(outcome, username, canonical)
        if seen is None:
            if nc_value > 1 and self._may_have_forgotten(nonce, now):
                # Perhaps used before and forgotten: the client starts over with a new nonce.
                return DigestResult(DigestOutcome.STALE, username, canonical)
            if self.counter.start(nonce, nc_value):
                self._forgotten_until_ms = int(now * 1000)
        return DigestResult(DigestOutcome.OK, username, canonical)

    def _may_have_forgotten(self, nonce: str, now: float) -> bool:
        if self._forgotten_until_ms is None:
            self._forgotten_until_ms = int(now * 1000) - 1
        issued = _issued_ms(base64.urlsafe_b64decode(nonce + "="))  # checked: it decodes
        return issued <= self._forgotten_until_ms


def _issued_ms(raw_nonce: bytes) -> int:
    """The issue time, in milliseconds, of a decoded nonce of ours."""
    issued: int = _NONCE_STRUCT.unpack(raw_nonce[: _NONCE_STRUCT.size])[0]
    return issued


def _same_target(digest_uri: str, request_uri: str) -> bool:
    """The digest-uri names the Request-URI: equal text, or the same SIP user, host and port."""
    if digest_uri == request_uri:
        return True
    try:
        a, b = parse_uri(digest_uri), parse_uri(request_uri)
    except SipParseError:
        return False
    if isinstance(a, SipUri) and isinstance(b, SipUri):
        return (a.scheme, a.user, a.host.lower(), a.port) == (
            b.scheme,
            b.user,
            b.host.lower(),
            b.port,
        )
    return False


# --------------------------------------------------------------------- client side
class DigestClient:
    """Answers challenges for one set of credentials (UAC side, and tests).

    Give either the password or stored HA1 values ({'MD5': ..., 'SHA-256': ...}).
    """

    def __init__(
        self, username: str, password: str | None = None, *, ha1: dict[str, str] | None = None
    ) -> None:
        if password is None and not ha1:
            raise ValueError("give a password or HA1 values")
        self.username = username
        self._password = password
        self._ha1 = ha1 or {}
        self._nc: dict[str, int] = {}

    @staticmethod
    def pick(challenges: list[AuthHeader]) -> AuthHeader | None:
        """The strongest Digest challenge offered (SHA-256 before MD5)."""
        best: AuthHeader | None = None
        best_rank = len(ALGORITHMS)
        for challenge in challenges:
            if challenge.scheme.lower() != "digest":
                continue
            algorithm = challenge.params.get("algorithm", "MD5").upper()
            ranks = [i for i, a in enumerate(ALGORITHMS) if a.upper() == algorithm]
            if ranks and ranks[0] < best_rank:
                best, best_rank = challenge, ranks[0]
        return best

    def authorization(
        self,
        challenge: AuthHeader,
        method: str,
        uri: str,
        *,
        body: bytes = b"",
        cnonce: str | None = None,
    ) -> str:
        """The Authorization / Proxy-Authorization value answering `challenge`."""
        params = challenge.params
        realm = params.get("realm", "")
        nonce = params.get("nonce", "")
        algorithm = params.get("algorithm", "MD5")
        base = _base(algorithm)
        ha1 = self._ha1.get(base)
        if ha1 is None:
            assert self._password is not None
            ha1 = compute_ha1(self.username, realm, self._password, base)
        offered = [q.strip() for q in params.get("qop", "").split(",") if q.strip()]
        qop = "auth" if "auth" in offered else ("auth-int" if "auth-int" in offered else None)
        fields = [
            f'username="{quote(self.username)}"',
            f'realm="{quote(realm)}"',
            f'nonce="{quote(nonce)}"',
            f'uri="{quote(uri)}"',
        ]
        if qop:
            count = self._nc.get(nonce, 0) + 1
            self._nc[nonce] = count
            nc = f"{count:08x}"
            cnonce = cnonce or secrets.token_hex(8)
            response = compute_response(
                algorithm=algorithm, ha1=ha1, nonce=nonce, method=method, uri=uri,
                qop=qop, nc=nc, cnonce=cnonce, body=body,
            )  # fmt: skip
            fields += [f'response="{response}"', f"algorithm={algorithm}"]
            fields += [f'cnonce="{quote(cnonce)}"', f"qop={qop}", f"nc={nc}"]
        else:
            response = compute_response(
                algorithm=algorithm, ha1=ha1, nonce=nonce, method=method, uri=uri
            )
            fields += [f'response="{response}"', f"algorithm={algorithm}"]
        if "opaque" in params:
            fields.append(f'opaque="{quote(params["opaque"])}"')
        return "Digest " + ", ".join(fields)

    def authorize(self, request: SipRequest, challenge_response: SipResponse) -> SipRequest | None:
        """A copy of `request` answering the 401/407, with CSeq + 1, or None when no
        challenge is usable. The caller puts a new Via branch on it before sending."""
        proxy = challenge_response.status == 407
        challenge = self.pick(
            challenge_response.proxy_authenticate if proxy else challenge_response.www_authenticate
        )
        if challenge is None:
            return None
        retry = parse_message(request.serialize())
        assert isinstance(retry, SipRequest)
        name = "Proxy-Authorization" if proxy else "Authorization"
        realm = challenge.params.get("realm")
        for header in list(retry.authorization if not proxy else retry.proxy_authorization):
            if header.params.get("realm") == realm:
                retry.remove_header(name)
                break
        retry.add_header(
            name, self.authorization(challenge, retry.method, retry.uri_text, body=retry.body)
        )
        retry.set_header("CSeq", f"{retry.cseq.number + 1} {retry.method}")
        return retry
