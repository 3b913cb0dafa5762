"""SIP messages: parse, inspect lazily, edit in place, serialize (RFC 3261 §7, §20, §25).

    generic-message = start-line *message-header CRLF [ message-body ]
    Request-Line    = Method SP Request-URI SP SIP-Version CRLF
    Status-Line     = SIP-Version SP Status-Code SP Reason-Phrase CRLF
    message-header  = field-name HCOLON field-value CRLF     (HCOLON = *( SP / HTAB ) ":" SWS)
    header folding  = a line starting with SP or HT continues the previous header

Design for a proxy's hot path:

* The head is decoded once as UTF-8 (RFC 3261 text is UTF-8; other bytes are
  a parse error) and encoded back unchanged.
* Each header is kept as its raw text (folded lines included) with the
  position of its colon. Values are unfolded and parsed only when asked for,
  and the parsed value is cached until the header is edited.
* Framing and transaction matching facts are checked while parsing (start
  line, header syntax, Content-Length, one Call-ID/CSeq/From/To, at least one
  Via, CSeq method equal to the request method); `validate()` parses the rest.
* A message that was not edited serializes to exactly the bytes received.

Every malformed input raises `SipParseError` with the status a server should
answer (400, 413/513, 414, 505...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from officina.sip._grammar import (
    WHITESPACE,
    is_token,
    is_word,
    parse_digits,
    split_commas,
    unfold,
)
from officina.sip.errors import LocalProtocolError, SipParseError
from officina.sip.headers import (
    COMMON_METHODS,
    MAX_DELTA_SECONDS,
    AuthHeader,
    CSeq,
    NameAddress,
    Via,
    check_date,
    check_media_type,
    check_warning,
    parse_cseq,
    parse_token_list,
)
from officina.sip.uri import SipUri, Uri, parse_uri

MAX_MESSAGE_SIZE = 65535
MAX_HEADERS = 256
MAX_REQUEST_URI = 4096
MAX_BODY_SIZE = 65535

# RFC 3261 §7.3.3 and the IANA registry of compact forms.
COMPACT_FORMS = {
    "a": "accept-contact",
    "b": "referred-by",
    "c": "content-type",
    "d": "request-disposition",
    "e": "content-encoding",
    "f": "from",
    "i": "call-id",
    "j": "reject-contact",
    "k": "supported",
    "l": "content-length",
    "m": "contact",
    "n": "identity-info",
    "o": "event",
    "r": "refer-to",
    "s": "subject",
    "t": "to",
    "u": "allow-events",
    "v": "via",
    "x": "session-expires",
    "y": "identity",
}

# How this module writes the names of headers it adds.
CANONICAL_NAMES = {
    "via": "Via",
    "from": "From",
    "to": "To",
    "call-id": "Call-ID",
    "cseq": "CSeq",
    "contact": "Contact",
    "max-forwards": "Max-Forwards",
    "expires": "Expires",
    "route": "Route",
    "record-route": "Record-Route",
    "content-length": "Content-Length",
    "content-type": "Content-Type",
    "authorization": "Authorization",
    "proxy-authorization": "Proxy-Authorization",
    "www-authenticate": "WWW-Authenticate",
    "proxy-authenticate": "Proxy-Authenticate",
    "supported": "Supported",
    "require": "Require",
    "proxy-require": "Proxy-Require",
    "unsupported": "Unsupported",
    "allow": "Allow",
    "user-agent": "User-Agent",
    "server": "Server",
    "reason": "Reason",
    "timestamp": "Timestamp",
    "min-expires": "Min-Expires",
    "retry-after": "Retry-After",
    "warning": "Warning",
    "date": "Date",
    "accept": "Accept",
    "subject": "Subject",
    "content-encoding": "Content-Encoding",
    "event": "Event",
    "allow-events": "Allow-Events",
    "refer-to": "Refer-To",
    "referred-by": "Referred-By",
    "session-expires": "Session-Expires",
    "path": "Path",
    "sip-etag": "SIP-ETag",
    "sip-if-match": "SIP-If-Match",
}

# Headers that may appear once only; a second copy makes the message ambiguous (RFC 4475 §3.3.8).
_SINGLE = frozenset({"call-id", "cseq", "from", "to", "max-forwards", "content-length"})
_TRACKED = _SINGLE | {"via"}

# Cache entries read from one header besides its own parsed value: dropped with it when
# the header changes.
_DERIVED_KEYS = {"via": "via.top", "from": "from.tag", "to": "to.tag"}

_KEY_CACHE: dict[str, str] = {}
_KEY_CACHE_LIMIT = 4096
for _long in CANONICAL_NAMES:
    _KEY_CACHE[_long] = _long
    _KEY_CACHE[CANONICAL_NAMES[_long]] = _long
for _short, _long in COMPACT_FORMS.items():
    _KEY_CACHE[_short] = _long
    _KEY_CACHE[_short.upper()] = _long

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_C1_BYTES = re.compile(rb"[\x80-\x9f]")
_NOT_CONTROL = bytes(b for b in range(256) if not _CONTROL.match(chr(b)))
_VERSION = re.compile(r"SIP/[0-9]+\.[0-9]+", re.IGNORECASE)
#   Request-URI: a scheme, a colon, then no whitespace (the full grammar is checked by parse_uri)
_REQUEST_URI = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*:[^ \t<>\"]+")


def header_key(name: str) -> str:
    """The lookup key of a header name: lower-case long form ('v' and 'VIA' give 'via')."""
    key = _KEY_CACHE.get(name)
    if key is not None:
        return key
    stripped = name.rstrip(WHITESPACE)
    if not is_token(stripped):
        raise SipParseError(f"invalid header name: {name[:60]!r}")
    key = stripped.lower()
    key = COMPACT_FORMS.get(key, key)
    if len(_KEY_CACHE) < _KEY_CACHE_LIMIT:
        _KEY_CACHE[name] = key
    return key


def _entry(name: str, value: str) -> tuple[str, str, int]:
    """A header line we write; bad input here is our caller's bug, not the peer's."""
    if "\r" in value or "\n" in value:
        raise LocalProtocolError("header values may not contain line breaks")
    try:
        key = header_key(name)
    except SipParseError:
        raise LocalProtocolError(f"invalid header name: {name[:60]!r}") from None
    return (key, f"{name}: {value}", len(name))


def _entry_value(entry: tuple[str, str, int]) -> str:
    value = entry[1][entry[2] + 1 :]
    if "\r\n" in value:
        value = unfold(value)
    return value.strip(WHITESPACE)


class SipMessage:
    """What requests and responses share: headers, body, serialization.

    Longer than the ~250 lines a class keeps to elsewhere, for a reason: every
    header a request or a response can carry has its typed accessor here, parsed
    when first read and kept in one cache that header edits invalidate entry by entry.
    Split into mixins, the accessors would share that cache and the raw bytes
    across classes without being any shorter.
    """

    __slots__ = ("_body", "_cache", "_entries", "_raw")

    def __init__(self) -> None:
        self._entries: list[tuple[str, str, int]] = []
        self._body = b""
        self._raw: bytes | None = None
        self._cache: dict[str, Any] = {}

    def _init_headers(self, headers: Iterable[tuple[str, str]], body: bytes) -> None:
        self._entries = [_entry(name, value) for name, value in headers]
        self._body = body
        if not any(e[0] == "content-length" for e in self._entries):
            self._entries.append(("content-length", f"Content-Length: {len(body)}", 14))

    # ----------------------------------------------------------- copies
    def _copy_into(self, clone: SipMessage) -> None:
        clone._entries = list(self._entries)
        clone._body = self._body
        clone._raw = self._raw
        # Parsed values are shared: treat Via, NameAddress and URIs as immutable
        # (their with_*/replace methods return new objects).
        clone._cache = dict(self._cache)

    # ----------------------------------------------------------- start line
    def start_line(self) -> str:
        raise NotImplementedError

    @property
    def is_request(self) -> bool:
        raise NotImplementedError

    # ----------------------------------------------------------- raw headers
    def header(self, name: str) -> str | None:
        """Value of the first header called `name` (any form), unfolded; None when absent."""
        key = header_key(name)
        for entry in self._entries:
            if entry[0] == key:
                return _entry_value(entry)
        return None

    def header_values(self, name: str) -> list[str]:
        """Values of every header line called `name`, in order."""
        key = header_key(name)
        return [_entry_value(e) for e in self._entries if e[0] == key]

    def split_header(self, name: str) -> list[str]:
        """All comma-separated values of a multi-value header across its lines."""
        out: list[str] = []
        for value in self.header_values(name):
            out.extend(split_commas(value))
        return out

    def allows(self, method: str) -> bool:
        """Whether the Allow header lists ``method`` (RFC 3261 §20.5); no Allow: False."""
        return method.upper() in (token.strip().upper() for token in self.split_header("Allow"))

    def has_header(self, name: str) -> bool:
        key = header_key(name)
        return any(e[0] == key for e in self._entries)

    def headers(self) -> list[tuple[str, str]]:
        """(name as written, unfolded value) for every header line, in order."""
        out = []
        for entry in self._entries:
            out.append((entry[1][: entry[2]].rstrip(WHITESPACE), _entry_value(entry)))
        return out

    def _changed(self, key: str) -> None:
        self._raw = None
        cache = self._cache
        if cache:
            cache.pop(key, None)
            derived = _DERIVED_KEYS.get(key)
            if derived is not None:
                cache.pop(derived, None)

    def add_header(self, name: str, value: str, *, first: bool = False) -> None:
        """Add a header line; `first=True` puts it before every other line of the same header."""
        entry = _entry(name, value)
        key = entry[0]
        if first:
            for index, existing in enumerate(self._entries):
                if existing[0] == key:
                    self._entries.insert(index, entry)
                    break
            else:
                self._entries.insert(0, entry)
        else:
            index = len(self._entries)
            if self._entries and self._entries[-1][0] == "content-length":
                index -= 1
            self._entries.insert(index, entry)
        self._changed(key)

    def set_header(self, name: str, value: str) -> None:
        """Replace every line of a header with one line (kept where the first one was)."""
        entry = _entry(name, value)
        key = entry[0]
        for index, existing in enumerate(self._entries):
            if existing[0] == key:
                self._entries[index] = entry
                self._entries[index + 1 :] = [e for e in self._entries[index + 1 :] if e[0] != key]
                break
        else:
            self.add_header(name, value)
            return
        self._changed(key)

    def remove_header(self, name: str) -> int:
        """Remove every line of a header; returns how many were removed."""
        key = header_key(name)
        before = len(self._entries)
        self._entries = [e for e in self._entries if e[0] != key]
        removed = before - len(self._entries)
        if removed:
            self._changed(key)
        return removed

    def _pop_first_value(self, key: str) -> str | None:
        """Remove the first comma-separated value of a multi-value header."""
        for index, entry in enumerate(self._entries):
            if entry[0] == key:
                value = _entry_value(entry)
                if "," in value:
                    values = split_commas(value)
                    if len(values) > 1:
                        name = entry[1][: entry[2]].rstrip(WHITESPACE)
                        self._entries[index] = _entry(name, ", ".join(values[1:]))
                        self._changed(key)
                        return values[0]
                del self._entries[index]
                self._changed(key)
                return value
        return None

    # ----------------------------------------------------------- body
    @property
    def body(self) -> bytes:
        return self._body

    @body.setter
    def body(self, body: bytes) -> None:
        self._body = body
        self.set_header("Content-Length", str(len(body)))

    # ----------------------------------------------------------- typed accessors
    def _required(self, name: str) -> str:
        value = self.header(name)
        if value is None:
            raise SipParseError(f"missing {name} header")
        return value

    @property
    def call_id(self) -> str:
        value: str | None = self._cache.get("call-id")
        if value is None:
            value = self._required("Call-ID")
            self._cache["call-id"] = value
        return value

    @property
    def cseq(self) -> CSeq:
        value: CSeq | None = self._cache.get("cseq")
        if value is None:
            value = parse_cseq(self._required("CSeq"))
            self._cache["cseq"] = value
        return value

    @property
    def vias(self) -> list[Via]:
        value: list[Via] | None = self._cache.get("via")
        if value is None:
            value = [Via.parse(v) for v in self.split_header("via")]
            self._cache["via"] = value
        return value

    @property
    def top_via(self) -> Via:
        value: Via | None = self._cache.get("via.top")
        if value is None:
            for entry in self._entries:
                if entry[0] == "via":
                    text = _entry_value(entry)
                    if "," in text:
                        text = split_commas(text)[0]
                    value = Via.parse(text)
                    break
            else:
                raise SipParseError("missing Via header")
            self._cache["via.top"] = value
        return value

    def _address(self, key: str, name: str) -> NameAddress:
        value: NameAddress | None = self._cache.get(key)
        if value is None:
            value = NameAddress.parse(self._required(name))
            self._cache[key] = value
        return value

    @property
    def from_(self) -> NameAddress:
        return self._address("from", "From")

    @property
    def to(self) -> NameAddress:
        return self._address("to", "To")

    def _tag(self, key: str, name: str) -> str | None:
        # A proxy reads the tags of each message several times (transaction and dialog
        # matching, relaying): the first read is kept, under "from.tag" or "to.tag".
        cache = self._cache
        tag_key = key + ".tag"
        if tag_key in cache:
            known: str | None = cache[tag_key]
            return known
        tag = self._read_tag(key, name)
        cache[tag_key] = tag
        return tag

    def _read_tag(self, key: str, name: str) -> str | None:
        cached: NameAddress | None = self._cache.get(key)
        if cached is not None:
            return cached.tag
        # Hot path for proxies and transaction matching: read the tag without parsing the
        # URI when the header parameters are plain (no spaces or quotes after the URI).
        value = self._required(name)
        close = value.rfind(">")
        params = value[close + 1 :] if close >= 0 else value[value.find(";") + 1 :]
        if close < 0 and (";" not in value or "<" in value):
            params = "" if ";" not in value else '"'  # nothing to read / let the parser decide
        if '"' not in params and " " not in params and "\t" not in params and "<" not in params:
            tag = None
            for item in params.split(";"):
                if item[:4].lower() == "tag=":
                    tag = item[4:]
            if tag != "":
                return tag
        return self._address(key, name).tag

    @property
    def from_tag(self) -> str | None:
        return self._tag("from", "From")

    @property
    def to_tag(self) -> str | None:
        return self._tag("to", "To")

    def _address_list(self, key: str) -> list[NameAddress]:
        value: list[NameAddress] | None = self._cache.get(key)
        if value is None:
            value = [NameAddress.parse(v) for v in self.split_header(key)]
            self._cache[key] = value
        return value

    @property
    def contacts(self) -> list[NameAddress]:
        """Contact values; empty for 'Contact: *' (see `is_contact_wildcard`)."""
        value: list[NameAddress] | None = self._cache.get("contact")
        if value is None:
            values = self.split_header("contact")
            if "*" in values:
                if len(values) != 1:
                    raise SipParseError("Contact '*' mixed with other contacts")
                value = []
            else:
                value = [NameAddress.parse(v) for v in values]
            self._cache["contact"] = value
        return value

    @property
    def is_contact_wildcard(self) -> bool:
        values = self.split_header("contact")
        if "*" in values:
            if len(values) != 1:
                raise SipParseError("Contact '*' mixed with other contacts")
            return True
        return False

    @property
    def routes(self) -> list[NameAddress]:
        return self._address_list("route")

    @property
    def record_routes(self) -> list[NameAddress]:
        return self._address_list("record-route")

    @property
    def max_forwards(self) -> int | None:
        cached: int | None = self._cache.get("max-forwards")
        if cached is not None:
            return cached
        value = self.header("max-forwards")
        if value is None:
            return None
        number = parse_digits(value, "Max-Forwards", 255)
        self._cache["max-forwards"] = number
        return number

    @property
    def expires(self) -> int | None:
        """Expires as delta-seconds; values beyond 2**32-1 are capped (RFC 4475 §3.1.2.4)."""
        value = self.header("expires")
        if value is None:
            return None
        return min(parse_digits(value, "Expires", 10**40), MAX_DELTA_SECONDS)

    @property
    def content_length(self) -> int:
        value = self.header("content-length")
        return len(self._body) if value is None else parse_digits(value, "Content-Length", 2**31)

    @property
    def content_type(self) -> str | None:
        """'type/subtype' in lower case, without parameters."""
        value = self.header("content-type")
        return None if value is None else check_media_type(value)

    def _auth(self, key: str) -> list[AuthHeader]:
        value: list[AuthHeader] | None = self._cache.get(key)
        if value is None:
            value = [AuthHeader.parse(v) for v in self.header_values(key)]
            self._cache[key] = value
        return value

    @property
    def authorization(self) -> list[AuthHeader]:
        return self._auth("authorization")

    @property
    def proxy_authorization(self) -> list[AuthHeader]:
        return self._auth("proxy-authorization")

    @property
    def www_authenticate(self) -> list[AuthHeader]:
        return self._auth("www-authenticate")

    @property
    def proxy_authenticate(self) -> list[AuthHeader]:
        return self._auth("proxy-authenticate")

    def _tokens(self, key: str) -> list[str]:
        out: list[str] = []
        for value in self.header_values(key):
            out.extend(parse_token_list(value))
        return out

    @property
    def supported(self) -> list[str]:
        return self._tokens("supported")

    @property
    def require(self) -> list[str]:
        return self._tokens("require")

    @property
    def proxy_require(self) -> list[str]:
        return self._tokens("proxy-require")

    # ----------------------------------------------------------- proxy edits
    def prepend_via(self, via: Via | str) -> None:
        """Put a new topmost Via (RFC 3261 §16.6 step 8)."""
        self.add_header("Via", str(via), first=True)
        if isinstance(via, Via):
            self._cache["via.top"] = via  # what reading the new line would give

    def pop_via(self) -> Via:
        """Remove and return the topmost Via value (RFC 3261 §16.7 step 3)."""
        top: Via | None = self._cache.get("via.top")
        if top is not None:
            for index, entry in enumerate(self._entries):
                if entry[0] == "via":
                    if "," not in entry[1]:
                        del self._entries[index]
                        self._changed("via")
                        return top
                    break
        text = self._pop_first_value("via")
        if text is None:
            raise SipParseError("missing Via header")
        # Several Vias on one line (as SIPp writes them): the first was already read.
        return top if top is not None else Via.parse(text)

    def replace_top_via(self, via: Via | str) -> None:
        """Swap the topmost Via value for another (e.g. after adding received/rport)."""
        for index, entry in enumerate(self._entries):
            if entry[0] == "via":
                if "," in entry[1] and len(split_commas(_entry_value(entry))) > 1:
                    break
                self._entries[index] = ("via", f"Via: {via}", 3)
                self._changed("via")
                if isinstance(via, Via):
                    self._cache["via.top"] = via
                return
        self.pop_via()
        self.prepend_via(via)

    def decrement_max_forwards(self, default: int = 70, *, ceiling: int | None = None) -> int:
        """Lower Max-Forwards by one (set to `default` when absent), to at most `ceiling`
        when given; returns the new value."""
        current = self.max_forwards
        new = default if current is None else max(current - 1, 0)
        if ceiling is not None:
            new = min(new, ceiling)
        self.set_header("Max-Forwards", str(new))
        self._cache["max-forwards"] = new
        return new

    def prepend_record_route(self, value: NameAddress | str) -> None:
        self.add_header("Record-Route", str(value), first=True)

    def prepend_route(self, value: NameAddress | str) -> None:
        self.add_header("Route", str(value), first=True)

    def pop_route(self) -> NameAddress | None:
        """Remove and return the first Route value (RFC 3261 §16.4)."""
        text = self._pop_first_value("route")
        return None if text is None else NameAddress.parse(text)

    # ----------------------------------------------------------- serialization
    def serialize(self) -> bytes:
        """Wire bytes: exactly those received when nothing was changed."""
        raw = self._raw
        if raw is None:
            head = self.start_line() + "\r\n" + "\r\n".join([e[1] for e in self._entries])
            raw = (head + "\r\n\r\n").encode("utf-8", "surrogateescape") + self._body
            self._raw = raw
        return raw

    def __bytes__(self) -> bytes:
        return self.serialize()

    # ----------------------------------------------------------- validation
    def validate(self) -> None:
        """Parse every header this module understands; raise `SipParseError` on the first error."""
        self.call_id  # noqa: B018 - accessors parse and cache
        if (
            not all(is_word(part) for part in self.call_id.split("@", 1))
            or self.call_id.count("@") > 1
        ):
            raise SipParseError(f"invalid Call-ID: {self.call_id[:60]!r}")
        self.cseq  # noqa: B018
        self.vias  # noqa: B018
        _ = (self.from_.uri, self.to.uri)
        self.max_forwards  # noqa: B018
        self.expires  # noqa: B018
        for contact in self.contacts:
            _ = (contact.uri, contact.expires, contact.q, contact.reg_id)
        for route in self.routes + self.record_routes:
            _ = route.uri
        self.authorization  # noqa: B018
        self.proxy_authorization  # noqa: B018
        self.www_authenticate  # noqa: B018
        self.proxy_authenticate  # noqa: B018
        self.supported  # noqa: B018
        self.require  # noqa: B018
        self.proxy_require  # noqa: B018
        self.content_type  # noqa: B018
        date = self.header("date")
        if date is not None:
            check_date(date)
        for warning in self.header_values("warning"):
            check_warning(warning)
        for value in self.header_values("min-expires"):
            parse_digits(value, "Min-Expires", MAX_DELTA_SECONDS)


class SipRequest(SipMessage):
    """A request. Build one with `SipRequest(method, uri, [(name, value), ...], body)`."""

    __slots__ = ("_method", "_uri", "_uri_text")

    def __init__(
        self,
        method: str,
        uri: Uri | str,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
    ) -> None:
        super().__init__()
        if not is_token(method):
            raise LocalProtocolError(f"invalid method: {method[:40]!r}")
        self._method = method
        self._uri: Uri | None = None if isinstance(uri, str) else uri
        self._uri_text = uri if isinstance(uri, str) else str(uri)
        self._init_headers(headers, body)

    @property
    def is_request(self) -> bool:
        return True

    @property
    def method(self) -> str:
        return self._method

    @method.setter
    def method(self, method: str) -> None:
        if not is_token(method):
            raise LocalProtocolError(f"invalid method: {method[:40]!r}")
        self._method = method
        self._raw = None

    @property
    def uri(self) -> Uri:
        """The Request-URI, parsed on first access."""
        uri = self._uri
        if uri is None:
            uri = parse_uri(self._uri_text)
            if isinstance(uri, SipUri) and uri.headers:
                raise SipParseError("headers are not allowed in a Request-URI")
            self._uri = uri
        return uri

    @uri.setter
    def uri(self, uri: Uri | str) -> None:
        self._uri = None if isinstance(uri, str) else uri
        self._uri_text = str(uri)
        self._raw = None

    @property
    def uri_text(self) -> str:
        return self._uri_text

    def copy(self) -> SipRequest:
        """An independent copy to edit (e.g. one per fork), without re-parsing."""
        clone = SipRequest.__new__(SipRequest)
        self._copy_into(clone)
        clone._method = self._method
        clone._uri = self._uri
        clone._uri_text = self._uri_text
        return clone

    def start_line(self) -> str:
        return f"{self._method} {self._uri_text} SIP/2.0"

    def validate(self) -> None:
        self.uri  # noqa: B018
        super().validate()

    def __repr__(self) -> str:
        return f"<SipRequest {self.method} {self._uri_text}>"


class SipResponse(SipMessage):
    """A response. Build one from a request with `make_response()`."""

    __slots__ = ("_reason", "_status")

    def __init__(
        self,
        status: int,
        reason: str | None = None,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
    ) -> None:
        super().__init__()
        self.status = status
        self.reason = REASON_PHRASES.get(status, "") if reason is None else reason
        self._init_headers(headers, body)

    @property
    def is_request(self) -> bool:
        return False

    @property
    def status(self) -> int:
        return self._status

    @status.setter
    def status(self, status: int) -> None:
        if not 100 <= status <= 699:
            raise LocalProtocolError(f"status out of range: {status}")
        self._status = status
        self._raw = None

    @property
    def reason(self) -> str:
        return self._reason

    @reason.setter
    def reason(self, reason: str) -> None:
        if "\r" in reason or "\n" in reason:
            raise LocalProtocolError("reason phrases may not contain line breaks")
        self._reason = reason
        self._raw = None

    def start_line(self) -> str:
        return f"SIP/2.0 {self._status} {self._reason}"

    def copy(self) -> SipResponse:
        """An independent copy to edit, without re-parsing."""
        clone = SipResponse.__new__(SipResponse)
        self._copy_into(clone)
        clone._status = self._status
        clone._reason = self._reason
        return clone

    def __repr__(self) -> str:
        return f"<SipResponse {self.status} {self.reason}>"


def is_keepalive(data: bytes) -> bool:
    """True for CRLF keep-alives (RFC 5626 §3.5.1): nothing but CR and LF."""
    return not data.strip(b"\r\n")


def parse_message(data: bytes, *, max_size: int = MAX_MESSAGE_SIZE) -> SipRequest | SipResponse:
    """Parse one message (a datagram, or a frame cut by a stream framer).

    Octets after Content-Length are ignored (RFC 3261 §18.3); a Content-Length
    beyond the data is an error; without Content-Length the body is the rest.
    """
    if len(data) > max_size:
        raise SipParseError("message too large", 513)
    start = 0
    while data.startswith(b"\r\n", start):
        start += 2
    end = data.find(b"\r\n\r\n", start)
    if end < 0:
        raise SipParseError("message has no end of headers (CRLF CRLF)")
    raw_head = data[start:end]
    try:
        head = raw_head.decode("utf-8")
    except UnicodeDecodeError:
        # RFC 3261 text is UTF-8, but older phones write display names in Latin-1
        # ("Niccolò"): read as Latin-1, such a phone still registers and calls, and a
        # message edited on its way goes out in UTF-8. The C1 range has no printable
        # Latin-1 character, so bytes there mean neither: refused, which keeps every
        # str the core hands out safe to log, store and render.
        if _C1_BYTES.search(raw_head) is not None:
            raise SipParseError("message head is neither UTF-8 nor Latin-1 text") from None
        head = raw_head.decode("latin-1")
    lines = head.split("\r\n")
    if head.count("\n") != len(lines) - 1 or head.count("\r") != len(lines) - 1:
        raise SipParseError("bare CR or LF in message head")
    # Deleting every allowed byte leaves the control characters (a C-speed check).
    control = _CONTROL.search(head) if raw_head.translate(None, _NOT_CONTROL) else None
    while control is not None:
        # Control characters may only appear escaped, in a quoted-pair (RFC 3261 §25.1).
        if head[control.start() - 1] != "\\":
            raise SipParseError("control character in message head")
        control = _CONTROL.search(head, control.end())
    if len(lines) > MAX_HEADERS:
        raise SipParseError("too many header lines", 513)

    message: SipRequest | SipResponse
    first = lines[0]
    message = _parse_status_line(first) if first.startswith("SIP/") else _parse_request_line(first)

    del lines[0]
    seen: dict[str, int] = {}
    entries: list[tuple[str, str, int]] = []
    append = entries.append
    key_cache = _KEY_CACHE
    tracked = _TRACKED
    for line in lines:
        first_char = line[0]  # never empty: the head holds no CRLF CRLF
        if first_char == " " or first_char == "\t":
            if not entries:
                raise SipParseError("continuation line before the first header")
            previous = entries[-1]
            entries[-1] = (previous[0], previous[1] + "\r\n" + line, previous[2])
            continue
        colon = line.find(":")
        if colon <= 0:
            raise SipParseError(f"malformed header line: {line[:60]!r}")
        key = key_cache.get(line[:colon])
        if key is None:
            key = header_key(line[:colon])
        if key in tracked:
            if key in seen:
                if key != "via":
                    raise SipParseError(f"more than one {CANONICAL_NAMES[key]} header")
            else:
                seen[key] = len(entries)
        append((key, line, colon))
    return _finish(message, data, start, end, entries, seen)


def _finish(
    message: SipRequest | SipResponse,
    data: bytes,
    start: int,
    end: int,
    entries: list[tuple[str, str, int]],
    seen: dict[str, int],
) -> SipRequest | SipResponse:
    """The checks every message gets once its header lines are known."""
    for required in ("via", "from", "to", "call-id", "cseq"):
        if required not in seen:
            raise SipParseError(f"missing {CANONICAL_NAMES[required]} header")
    message._entries = entries

    cseq = parse_cseq(_entry_value(entries[seen["cseq"]]))
    message._cache["cseq"] = cseq
    if isinstance(message, SipRequest) and cseq.method != message.method:
        raise SipParseError("CSeq method does not match the request method")
    call_id = _entry_value(entries[seen["call-id"]])
    if not call_id:
        raise SipParseError("empty Call-ID")
    message._cache["call-id"] = call_id

    body_start = end + 4
    available = len(data) - body_start
    if "content-length" in seen:
        length_text = _entry_value(entries[seen["content-length"]])
        length = parse_digits(length_text, "Content-Length", 2**31)
        if length > MAX_BODY_SIZE:
            raise SipParseError("message body too large", 413)
        if length > available:
            raise SipParseError("Content-Length larger than the message body")
        if length < available:
            data = data[: body_start + length]
    else:
        length = available
    message._body = data[body_start:] if length else b""
    message._raw = data if start == 0 else data[start:]
    return message


def _parse_request_line(line: str) -> SipRequest:
    parts = line.split(" ")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise SipParseError(f"malformed request line: {line[:80]!r}")
    method, uri, version = parts
    if version != "SIP/2.0":
        if version.upper() == "SIP/2.0":
            pass
        elif _VERSION.fullmatch(version):
            raise SipParseError(f"unsupported SIP version {version[:20]}", 505)
        else:
            raise SipParseError(f"malformed request line: {line[:80]!r}")
    if method not in COMMON_METHODS and not is_token(method):
        raise SipParseError(f"invalid method: {method[:40]!r}")
    if len(uri) > MAX_REQUEST_URI:
        raise SipParseError("Request-URI too long", 414)
    if _REQUEST_URI.fullmatch(uri) is None:
        raise SipParseError(f"invalid Request-URI: {uri[:80]!r}")
    request = SipRequest.__new__(SipRequest)
    request._entries = []
    request._body = b""
    request._raw = None
    request._cache = {}
    request._method = method
    request._uri = None
    request._uri_text = uri
    return request


def _parse_status_line(line: str) -> SipResponse:
    parts = line.split(" ", 2)
    if len(parts) < 2:
        raise SipParseError(f"malformed status line: {line[:80]!r}")
    version = parts[0]
    if version != "SIP/2.0":
        if version.upper() == "SIP/2.0":
            pass
        elif _VERSION.fullmatch(version):
            raise SipParseError(f"unsupported SIP version {version[:20]}", 505)
        else:
            raise SipParseError(f"malformed status line: {line[:80]!r}")
    code = parts[1]
    if len(code) != 3 or not code.isdigit() or not code.isascii() or code[0] not in "123456":
        raise SipParseError(f"invalid status code: {code[:20]!r}")
    response = SipResponse.__new__(SipResponse)
    response._entries = []
    response._body = b""
    response._raw = None
    response._cache = {}
    response._status = int(code)
    response._reason = parts[2] if len(parts) == 3 else ""
    return response


_COPIED_TO_RESPONSES = frozenset({"via", "from", "to", "call-id", "cseq"})
_COPIED_TO_100 = _COPIED_TO_RESPONSES | {"timestamp"}


def make_response(
    request: SipRequest,
    status: int,
    reason: str | None = None,
    *,
    to_tag: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
) -> SipResponse:
    """Build a response to `request` (RFC 3261 §8.2.6).

    Via (all, in order), From, Call-ID and CSeq are copied as received; To is
    copied and gets `to_tag` when it has no tag yet and the status is above
    100; a 100 Trying copies Timestamp. `headers` are added after those.
    """
    if not 100 <= status <= 699:
        raise LocalProtocolError(f"status out of range: {status}")
    if reason is not None and ("\r" in reason or "\n" in reason):
        raise LocalProtocolError("reason phrases may not contain line breaks")
    response = SipResponse.__new__(SipResponse)
    response._raw = None
    response._cache = {}
    response._body = body
    response._status = status
    response._reason = REASON_PHRASES.get(status, "") if reason is None else reason
    copied = _COPIED_TO_100 if status == 100 else _COPIED_TO_RESPONSES
    entries = [entry for entry in request._entries if entry[0] in copied]
    if to_tag is not None and status > 100 and request.to_tag is None:
        for index, entry in enumerate(entries):
            if entry[0] == "to":
                entries[index] = _entry("To", f"{_entry_value(entry)};tag={to_tag}")
                break
    for name, value in headers:
        entries.append(_entry(name, value))
    entries.append(("content-length", f"Content-Length: {len(body)}", 14))
    response._entries = entries
    return response


REASON_PHRASES = {
    100: "Trying",
    180: "Ringing",
    181: "Call Is Being Forwarded",
    182: "Queued",
    183: "Session Progress",
    199: "Early Dialog Terminated",
    200: "OK",
    202: "Accepted",
    204: "No Notification",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Moved Temporarily",
    305: "Use Proxy",
    380: "Alternative Service",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    410: "Gone",
    412: "Conditional Request Failed",
    413: "Request Entity Too Large",
    414: "Request-URI Too Long",
    415: "Unsupported Media Type",
    416: "Unsupported URI Scheme",
    420: "Bad Extension",
    421: "Extension Required",
    423: "Interval Too Brief",
    429: "Too Many Requests",
    430: "Flow Failed",
    439: "First Hop Lacks Outbound Support",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    482: "Loop Detected",
    483: "Too Many Hops",
    484: "Address Incomplete",
    485: "Ambiguous",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    489: "Bad Event",
    491: "Request Pending",
    493: "Undecipherable",
    500: "Server Internal Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Server Time-out",
    505: "Version Not Supported",
    513: "Message Too Large",
    580: "Precondition Failure",
    600: "Busy Everywhere",
    603: "Decline",
    604: "Does Not Exist Anywhere",
    606: "Not Acceptable",
}
