"""Typed header values (RFC 3261 §20, §25) parsed from unfolded header text.

    via-parm     = sent-protocol LWS sent-by *( SEMI via-params )
    sent-protocol = protocol-name SLASH protocol-version SLASH transport
    sent-by      = host [ COLON port ]
    name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
    display-name = *(token LWS) / quoted-string
    (from|to|contact|route)-param = generic-param
    CSeq         = 1*DIGIT LWS Method
    credentials  = auth-scheme LWS auth-param *(COMMA auth-param)

When a URI is not in angle brackets, the parameters after it belong to the
header, and the URI may not contain ',', ';' or '?' (RFC 3261 §20).
Every class keeps the text it was parsed from, so `str()` is exact until a
field is changed through a `with_*` method, which returns a new value.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from officina.sip._grammar import (
    MAX_PARAMS,
    TOKEN_CHARS,
    WHITESPACE,
    check_token,
    format_params,
    parse_digits,
    parse_params,
    quote,
    read_quoted,
    skip_ws,
    split_commas,
    split_host_port,
    unescape,
)
from officina.sip.errors import SipParseError
from officina.sip.uri import SipUri, Uri, parse_uri

MAX_CSEQ = 2**32 - 1

#   auth-param = token EQUAL ( token / quoted-string ), separated by COMMA
#   (quoted-string written as an unrolled loop: linear, and faster than an alternation)
_AUTH_PARAM = re.compile(
    r"[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*=[ \t]*"
    r"(?:\"([^\"\\]*(?:\\.[^\"\\]*)*)\"|([A-Za-z0-9\-.!%*_+`'~]+))[ \t]*(?:,|\Z)"
)
#   the common Via form, no LWS: SIP/2.0/transport SP host [":" port] *(";" param)
#   display-name = *(token LWS): tokens separated by whitespace
_DISPLAY_TOKENS = re.compile(r"[A-Za-z0-9\-.!%*_+`'~]+(?:[ \t]+[A-Za-z0-9\-.!%*_+`'~]+)*")
_VIA_FAST = re.compile(
    r"SIP/2\.0/([A-Z0-9]+) ([A-Za-z0-9\-_.]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?(?=;|\Z)"
)
_SWS_COLON = re.compile(r"[ \t]*:[ \t]*")
MAX_DELTA_SECONDS = 2**32 - 1


class CSeq(NamedTuple):
    number: int
    method: str

    def __str__(self) -> str:
        return f"{self.number} {self.method}"


COMMON_METHODS = frozenset(
    {"INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "PRACK", "UPDATE", "INFO",
     "SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE", "PUBLISH"}
)  # fmt: skip


# CSeq values seen, each read once: a dialog's requests and every response to them
# repeat the same few ("1 INVITE", "2 BYE"), and a proxy's transactions keep theirs for
# up to 32 s. One shared CSeq each is one parse and one object for the garbage collector
# to walk instead of one per message. Bounded: past the limit the table starts again.
_CSEQ_CACHE: dict[str, CSeq] = {}
_CSEQ_CACHE_LIMIT = 4096


def parse_cseq(value: str) -> CSeq:
    known = _CSEQ_CACHE.get(value)
    if known is not None:
        return known
    number, sep, method = value.partition(" ")
    ascii_number = len(number) < 10 and number.isascii() and number.isdigit()
    if sep and ascii_number and method in COMMON_METHODS:
        if len(_CSEQ_CACHE) >= _CSEQ_CACHE_LIMIT:
            _CSEQ_CACHE.clear()
        cseq = _CSEQ_CACHE[value] = CSeq(int(number), method)
        return cseq
    parts = value.split()
    if len(parts) != 2:
        raise SipParseError(f"invalid CSeq: {value[:60]!r}")
    return CSeq(
        parse_digits(parts[0], "CSeq number", MAX_CSEQ), check_token(parts[1], "CSeq method")
    )


class Via:
    """One via-parm. `params` keys are lower-case; `rport` is '' when present without value."""

    __slots__ = ("_text", "host", "params", "port", "protocol", "transport", "version")

    def __init__(
        self,
        transport: str,
        host: str,
        port: int | None = None,
        params: dict[str, str | None] | None = None,
        *,
        protocol: str = "SIP",
        version: str = "2.0",
    ) -> None:
        self.protocol = protocol
        self.version = version
        self.transport = transport.upper()
        self.host = host
        self.port = port
        self.params: dict[str, str | None] = params if params is not None else {}
        self._text: str | None = None

    @classmethod
    def parse(cls, text: str) -> Via:
        fast = _VIA_FAST.match(text)
        if fast is not None:
            transport, host, port_text = fast.groups()
            port = int(port_text) if port_text else None
            if (port is None or port <= 65535) and (host[0] != "[" or ":" in host):
                end = fast.end()
                params: dict[str, str | None] = {}
                if end < len(text):
                    params, stop = parse_params(text, end, "Via")
                    if stop != len(text):
                        raise SipParseError(f"unexpected text after Via parameters: {text[:60]!r}")
                via = cls(transport, host, port, params)
                via._text = text
                return via
        return cls._parse_general(text)

    @classmethod
    def _parse_general(cls, text: str) -> Via:
        slash1 = text.find("/")
        slash2 = text.find("/", slash1 + 1)
        if slash1 < 0 or slash2 < 0:
            raise SipParseError(f"invalid Via: {text[:60]!r}")
        protocol = check_token(text[:slash1].strip(WHITESPACE), "Via protocol")
        version = check_token(text[slash1 + 1 : slash2].strip(WHITESPACE), "Via version")
        if protocol.upper() != "SIP" or version != "2.0":
            raise SipParseError(f"unsupported Via protocol {protocol}/{version}", 505)
        i = skip_ws(text, slash2 + 1)
        start = i
        n = len(text)
        while i < n and text[i] in TOKEN_CHARS:
            i += 1
        transport = text[start:i]
        if not transport or i >= n or text[i] not in WHITESPACE:
            raise SipParseError(f"invalid Via transport: {text[:60]!r}")
        i = skip_ws(text, i)
        semi = text.find(";", i)
        sent_by = (text[i:] if semi < 0 else text[i:semi]).strip(WHITESPACE)
        if " " in sent_by or "\t" in sent_by:
            sent_by = _SWS_COLON.sub(":", sent_by)  # COLON = SWS ":" SWS
        host, port = split_host_port(sent_by)
        params: dict[str, str | None] = {}
        if semi >= 0:
            params, end = parse_params(text, semi, "Via")
            if end != n:
                raise SipParseError(f"unexpected text after Via parameters: {text[:60]!r}")
        via = cls(transport, host, port, params, protocol=protocol, version=version)
        via._text = text
        return via

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")

    @property
    def received(self) -> str | None:
        return self.params.get("received")

    @property
    def rport(self) -> int | None:
        """The rport value filled in by a server (None when absent or still empty)."""
        value = self.params.get("rport")
        if not value:
            return None
        return parse_digits(value, "rport", 65535)

    @property
    def wants_rport(self) -> bool:
        return "rport" in self.params

    @property
    def sent_by(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def has_rfc3261_branch(self) -> bool:
        branch = self.params.get("branch")
        return branch is not None and branch.startswith("z9hG4bK") and len(branch) > 7

    def with_params(self, **params: str | None) -> Via:
        return Via(
            self.transport,
            self.host,
            self.port,
            {**self.params, **params},
            protocol=self.protocol,
            version=self.version,
        )

    def __str__(self) -> str:
        if self._text is None:
            self._text = (
                f"{self.protocol}/{self.version}/{self.transport} {self.sent_by}"
                + format_params(self.params)
            )
        return self._text

    def __repr__(self) -> str:
        return f"Via({str(self)!r})"


class NameAddress:
    """A name-addr or addr-spec with header parameters (From, To, Contact, Route, ...)."""

    __slots__ = ("_text", "_uri", "_uri_text", "display_name", "params")

    def __init__(
        self,
        uri: Uri | str,
        display_name: str | None = None,
        params: dict[str, str | None] | None = None,
    ) -> None:
        # A URI given as text is parsed on first access to `uri` (proxies often only
        # need the tag or the parameters).
        self._uri: Uri | None = None if isinstance(uri, str) else uri
        self._uri_text = uri if isinstance(uri, str) else None
        self.display_name = display_name
        self.params: dict[str, str | None] = params if params is not None else {}
        self._text: str | None = None

    @property
    def uri(self) -> Uri:
        uri = self._uri
        if uri is None:
            assert self._uri_text is not None
            uri = self._uri = parse_uri(self._uri_text)
        return uri

    @uri.setter
    def uri(self, uri: Uri) -> None:
        self._uri = uri
        self._uri_text = None
        self._text = None

    @property
    def uri_text(self) -> str:
        return self._uri_text if self._uri_text is not None else str(self._uri)

    @classmethod
    def parse(cls, text: str) -> NameAddress:
        text = text.strip(WHITESPACE)
        n = len(text)
        display: str | None = None
        if not text:
            raise SipParseError("empty address")
        if text[0] == '"':
            display, i = read_quoted(text, 0)
            i = skip_ws(text, i)
            if i >= n or text[i] != "<":
                raise SipParseError(f"expected <URI> after display name: {text[:60]!r}")
        else:
            lt = text.find("<")
            semi = text.find(";")
            if lt >= 0 and (semi < 0 or lt < semi):
                words = text[:lt].strip(WHITESPACE)
                if words and _DISPLAY_TOKENS.fullmatch(words) is None:
                    raise SipParseError(f"invalid display name: {text[:60]!r}")
                display = " ".join(words.split()) if words else None
                i = lt
            else:
                # addr-spec: the URI runs to the first ';' or whitespace
                end = semi if semi >= 0 else n
                uri_text = text[:end].rstrip(WHITESPACE)
                if not uri_text or any(c in uri_text for c in ' \t,?<>"'):
                    raise SipParseError(f"URI with ',', '?' or spaces must be in <>: {text[:60]!r}")
                params, stop = parse_params(text, end, "address")
                if stop != n:
                    raise SipParseError(f"unexpected text in address: {text[:60]!r}")
                value = cls(uri_text, None, params)
                value._text = text
                return value
        close = text.find(">", i)
        if close < 0:
            raise SipParseError(f"missing '>' in address: {text[:60]!r}")
        uri_text = text[i + 1 : close]
        if not uri_text or uri_text[0] in WHITESPACE or uri_text[-1] in WHITESPACE:
            raise SipParseError(f"spaces inside <URI>: {text[:60]!r}")
        params, stop = parse_params(text, close + 1, "address")
        if stop != n:
            raise SipParseError(f"unexpected text in address: {text[:60]!r}")
        value = cls(uri_text, display, params)
        value._text = text
        return value

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    @property
    def sip_uri(self) -> SipUri:
        if not isinstance(self.uri, SipUri):
            raise SipParseError(f"not a SIP URI: {self.uri}", 416)
        return self.uri

    # Contact parameters (RFC 3261 §20.10, RFC 5626)
    @property
    def expires(self) -> int | None:
        value = self.params.get("expires")
        if value is None:
            return None
        return min(parse_digits(value, "expires", 10**40), MAX_DELTA_SECONDS)

    @property
    def q(self) -> float | None:
        value = self.params.get("q")
        if value is None:
            return None
        try:
            q = float(value)
        except ValueError:
            raise SipParseError(f"invalid q value: {value!r}") from None
        if not 0.0 <= q <= 1.0:
            raise SipParseError(f"invalid q value: {value!r}")
        return q

    @property
    def instance(self) -> str | None:
        """+sip.instance (RFC 5626), without its quotes and angle brackets."""
        value = self.params.get("+sip.instance")
        if value is None:
            return None
        return value[1:-1] if value.startswith("<") and value.endswith(">") else value

    @property
    def reg_id(self) -> int | None:
        value = self.params.get("reg-id")
        if value is None:
            return None
        return parse_digits(value, "reg-id", MAX_DELTA_SECONDS)

    def _uri_source(self) -> Uri | str:
        return self._uri if self._uri is not None else self.uri_text

    def with_params(self, **params: str | None) -> NameAddress:
        return NameAddress(self._uri_source(), self.display_name, {**self.params, **params})

    def without_params(self, *names: str) -> NameAddress:
        params = {k: v for k, v in self.params.items() if k not in names}
        return NameAddress(self._uri_source(), self.display_name, params)

    def __str__(self) -> str:
        if self._text is None:
            display = f'"{quote(self.display_name)}" ' if self.display_name else ""
            self._text = f"{display}<{self.uri_text}>{format_params(self.params)}"
        return self._text

    def __repr__(self) -> str:
        return f"NameAddress({str(self)!r})"


class AuthHeader:
    """Authorization / WWW-Authenticate / Proxy-* value: a scheme and its parameters.

    Parameter names are lower-cased; quoted values are unescaped, and the
    names of parameters that were quoted are kept in `quoted`.
    """

    __slots__ = ("params", "quoted", "scheme")

    def __init__(self, scheme: str, params: dict[str, str], quoted: frozenset[str] = frozenset()):
        self.scheme = scheme
        self.params = params
        self.quoted = quoted

    @classmethod
    def parse(cls, text: str) -> AuthHeader:
        text = text.strip(WHITESPACE)
        n = len(text)
        i = 0
        while i < n and text[i] in TOKEN_CHARS:
            i += 1
        scheme = text[:i]
        if not scheme or (i < n and text[i] not in WHITESPACE):
            raise SipParseError(f"invalid authentication header: {text[:60]!r}")
        params: dict[str, str] = {}
        quoted: set[str] = set()
        match = _AUTH_PARAM.match
        while i < n:
            found = match(text, i)
            if found is None:
                raise SipParseError(f"invalid authentication parameter: {text[:60]!r}")
            name, quoted_value, token_value = found.groups()
            name = name.lower()
            if name in params:
                raise SipParseError(f"duplicate authentication parameter {name!r}")
            if len(params) >= MAX_PARAMS:
                raise SipParseError("too many authentication parameters", 513)
            if quoted_value is not None:
                quoted.add(name)
                params[name] = unescape(quoted_value)
            else:
                params[name] = token_value
            i = found.end()
        return cls(scheme, params, frozenset(quoted))

    def __str__(self) -> str:
        items = []
        for name, value in self.params.items():
            if name in self.quoted or not value or any(c not in TOKEN_CHARS for c in value):
                items.append(f'{name}="{quote(value)}"')
            else:
                items.append(f"{name}={value}")
        return f"{self.scheme} " + ", ".join(items)

    def __repr__(self) -> str:
        return f"AuthHeader({str(self)!r})"


def parse_token_list(value: str) -> list[str]:
    """Require, Supported, Proxy-Require, Unsupported, Allow: comma-separated tokens."""
    if not value.strip(WHITESPACE):
        return []
    return [
        check_token(item, "option tag") for item in (p.strip(WHITESPACE) for p in value.split(","))
    ]


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def check_date(value: str) -> None:
    """SIP-date = rfc1123-date, always in GMT (RFC 3261 §20.17)."""
    parts = value.split()
    if (
        len(parts) != 6
        or parts[0] not in {d + "," for d in _WEEKDAYS}
        or parts[2] not in _MONTHS
        or parts[5] != "GMT"
        or len(parts[1]) != 2
        or len(parts[3]) != 4
    ):
        raise SipParseError(f"invalid Date: {value[:60]!r}")
    parse_digits(parts[1], "day", 31)
    parse_digits(parts[3], "year", 9999)
    clock = parts[4].split(":")
    if len(clock) != 3 or any(len(x) != 2 for x in clock):
        raise SipParseError(f"invalid Date: {value[:60]!r}")
    parse_digits(clock[0], "hour", 23)
    parse_digits(clock[1], "minute", 59)
    parse_digits(clock[2], "second", 60)


def check_media_type(value: str) -> str:
    """media-type = m-type SLASH m-subtype *(SEMI m-parameter); gives 'type/subtype'."""
    semi = value.find(";")
    main = (value if semi < 0 else value[:semi]).strip(WHITESPACE)
    slash = main.find("/")
    if slash <= 0:
        raise SipParseError(f"invalid media type: {value[:60]!r}")
    check_token(main[:slash].strip(WHITESPACE), "media type")
    check_token(main[slash + 1 :].strip(WHITESPACE), "media subtype")
    if semi >= 0:
        _, end = parse_params(value, semi, "media type")
        if end != len(value):
            raise SipParseError(f"invalid media type parameters: {value[:60]!r}")
    return main.replace(" ", "").lower()


def check_warning(value: str) -> None:
    """warning-value = warn-code SP warn-agent SP warn-text, warn-code = 3DIGIT."""
    for item in split_commas(value):
        code = item.strip(WHITESPACE).split(" ", 1)[0]
        if len(code) != 3:
            raise SipParseError(f"invalid Warning code: {code[:20]!r}")
        parse_digits(code, "Warning code", 399)
