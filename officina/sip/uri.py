"""URIs: sip/sips (RFC 3261 §19.1), tel (RFC 3966), and any other absolute URI.

    SIP-URI   = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
    userinfo  = ( user / telephone-subscriber ) [ ":" password ] "@"
    user      = 1*( unreserved / escaped / "&" / "=" / "+" / "$" / "," / ";" / "?" / "/" )
    password  = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," )
    uri-parameter = pname [ "=" pvalue ]   (paramchar adds "[" "]" "/" ":" "&" "+" "$")
    headers   = "?" hname "=" hvalue *( "&" hname "=" hvalue )

The text received is kept: `str(uri)` gives it back unchanged unless the URI
was built or changed with `replace()`.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from officina.sip._grammar import MAX_PARAMS, split_host_port
from officina.sip.errors import SipParseError

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*")
_USER = re.compile(r"(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+")
_PASSWORD = re.compile(r"(?:[A-Za-z0-9\-_.!~*'()&=+$,]|%[0-9A-Fa-f]{2})*")
_PARAM = re.compile(r"(?:[A-Za-z0-9\-_.!~*'()\[\]/:&+$]|%[0-9A-Fa-f]{2})+")
_HEADER = re.compile(r"(?:[A-Za-z0-9\-_.!~*'()\[\]/?:+$]|%[0-9A-Fa-f]{2})*")
#   absoluteURI opaque part: uric without whitespace, quotes or angle brackets
_OPAQUE = re.compile(r"[A-Za-z0-9\-_.!~*'();/?:@&=+$,%\[\]#]+")
_TEL_NUMBER = re.compile(r"\+?[0-9A-Fa-f*#.()\-]+")

_USER_SAFE = "-_.!~*'()&=+$,;?/"
_PARAM_SAFE = "-_.!~*'()[]/:&+$"


def _unescape(text: str) -> str:
    return unquote(text, errors="surrogateescape") if "%" in text else text


class SipUri:
    """A sip: or sips: URI. `user`, `password` and parameter values are unescaped."""

    __slots__ = ("_raw", "headers", "host", "params", "password", "port", "scheme", "user")

    def __init__(
        self,
        host: str,
        user: str | None = None,
        *,
        port: int | None = None,
        scheme: str = "sip",
        password: str | None = None,
        params: dict[str, str | None] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.scheme = scheme.lower()
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.params: dict[str, str | None] = params if params is not None else {}
        self.headers: dict[str, str] = headers if headers is not None else {}
        self._raw: str | None = None

    @property
    def host_port(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    @property
    def transport(self) -> str | None:
        value = self.params.get("transport")
        return value.lower() if value else None

    @property
    def lr(self) -> bool:
        return "lr" in self.params

    @property
    def maddr(self) -> str | None:
        return self.params.get("maddr")

    @property
    def aor(self) -> str:
        """Address of record: scheme, user and host, lower-cased host, no port or params."""
        host = self.host.lower()
        return (
            f"{self.scheme}:{self.user}@{host}"
            if self.user is not None
            else f"{self.scheme}:{host}"
        )

    def replace(self, **changes: object) -> SipUri:
        """A copy with some fields changed (host, user, port, params, headers, ...)."""
        copy = SipUri(
            self.host,
            self.user,
            port=self.port,
            scheme=self.scheme,
            password=self.password,
            params=dict(self.params),
            headers=dict(self.headers),
        )
        for name, value in changes.items():
            if name not in SipUri.__slots__ or name.startswith("_"):
                raise TypeError(f"unknown URI field {name!r}")
            setattr(copy, name, value)
        return copy

    def __str__(self) -> str:
        if self._raw is not None:
            return self._raw
        parts = [self.scheme, ":"]
        if self.user is not None:
            parts.append(quote(self.user, safe=_USER_SAFE, errors="surrogateescape"))
            if self.password is not None:
                parts.append(":" + quote(self.password, safe="-_.!~*'()&=+$,"))
            parts.append("@")
        parts.append(self.host_port)
        for name, value in self.params.items():
            parts.append(
                ";" + name if value is None else f";{name}={quote(value, safe=_PARAM_SAFE)}"
            )
        if self.headers:
            parts.append(
                "?"
                + "&".join(
                    f"{quote(k, safe='')}={quote(v, safe='[]/?:+$')}"
                    for k, v in self.headers.items()
                )
            )
        self._raw = "".join(parts)
        return self._raw

    def __repr__(self) -> str:
        return f"SipUri({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        """RFC 3261 §19.1.4 comparison (the parts that matter to a registrar and proxy)."""
        if not isinstance(other, SipUri):
            return NotImplemented
        if (
            self.scheme != other.scheme
            or self.user != other.user
            or self.password != other.password
            or self.host.lower() != other.host.lower()
            or self.port != other.port
        ):
            return False
        for name in ("user", "ttl", "method", "maddr", "transport"):
            a, b = self.params.get(name), other.params.get(name)
            if (a.lower() if a else a) != (b.lower() if b else b):
                return False
        for name in self.params.keys() & other.params.keys():
            a, b = self.params[name], other.params[name]
            if (a.lower() if a else a) != (b.lower() if b else b):
                return False
        return self.headers == other.headers

    def __hash__(self) -> int:
        return hash((self.scheme, self.user, self.host.lower(), self.port))


class TelUri:
    """A tel: URI (RFC 3966): a number and parameters."""

    __slots__ = ("_raw", "number", "params")

    def __init__(self, number: str, params: dict[str, str | None] | None = None) -> None:
        self.number = number
        self.params = params if params is not None else {}
        self._raw: str | None = None

    scheme = "tel"

    def __str__(self) -> str:
        if self._raw is None:
            self._raw = (
                "tel:"
                + self.number
                + "".join(f";{k}" if v is None else f";{k}={v}" for k, v in self.params.items())
            )
        return self._raw

    def __repr__(self) -> str:
        return f"TelUri({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TelUri):
            return NotImplemented
        return str(self).lower() == str(other).lower()

    def __hash__(self) -> int:
        return hash(str(self).lower())


class AbsoluteUri:
    """Any other absolute URI (http:, urn:, im:, ...): kept opaque."""

    __slots__ = ("opaque", "scheme")

    def __init__(self, scheme: str, opaque: str) -> None:
        self.scheme = scheme.lower()
        self.opaque = opaque
        self._check()

    def _check(self) -> None:
        if _OPAQUE.fullmatch(self.opaque) is None:
            raise SipParseError(f"invalid URI: {self.scheme}:{self.opaque[:60]}")

    def __str__(self) -> str:
        return f"{self.scheme}:{self.opaque}"

    def __repr__(self) -> str:
        return f"AbsoluteUri({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AbsoluteUri):
            return NotImplemented
        return self.scheme == other.scheme and self.opaque == other.opaque

    def __hash__(self) -> int:
        return hash((self.scheme, self.opaque))


Uri = SipUri | TelUri | AbsoluteUri


def parse_uri(text: str) -> Uri:
    """Parse a URI; any malformation raises `SipParseError`."""
    colon = text.find(":")
    if colon <= 0 or _SCHEME.fullmatch(text, 0, colon) is None:
        raise SipParseError(f"invalid URI: {text[:60]!r}")
    scheme = text[:colon].lower()
    if scheme == "sip" or scheme == "sips":
        sip = _parse_sip(text, colon + 1, scheme)
        sip._raw = text
        return sip
    if scheme == "tel":
        tel = _parse_tel(text[colon + 1 :])
        tel._raw = text
        return tel
    return AbsoluteUri(scheme, text[colon + 1 :])


def parse_sip_uri(text: str) -> SipUri:
    """Parse a URI that must be sip: or sips:."""
    uri = parse_uri(text)
    if not isinstance(uri, SipUri):
        raise SipParseError(f"not a SIP URI: {text[:60]!r}", 416)
    return uri


def _parse_sip(text: str, start: int, scheme: str) -> SipUri:
    at = text.find("@", start)
    user: str | None = None
    password: str | None = None
    if at >= 0:
        userinfo = text[start:at]
        pcolon = userinfo.find(":")
        raw_user = userinfo if pcolon < 0 else userinfo[:pcolon]
        if _USER.fullmatch(raw_user) is None:
            raise SipParseError(f"invalid user part in URI: {text[:60]!r}")
        user = _unescape(raw_user)
        if pcolon >= 0:
            raw_password = userinfo[pcolon + 1 :]
            if _PASSWORD.fullmatch(raw_password) is None:
                raise SipParseError(f"invalid password in URI: {text[:60]!r}")
            password = _unescape(raw_password)
        start = at + 1
    end = len(text)
    semi = text.find(";", start)
    qmark = text.find("?", start)
    if semi >= 0:
        host_end = semi if qmark < 0 or semi < qmark else qmark
    else:
        host_end = qmark if qmark >= 0 else end
    host, port = split_host_port(text[start:host_end])
    params: dict[str, str | None] = {}
    headers: dict[str, str] = {}
    params_end = qmark if qmark >= 0 else end
    if semi >= 0 and semi < params_end:
        items = text[semi + 1 : params_end].split(";")
        if len(items) > MAX_PARAMS:
            raise SipParseError("too many URI parameters", 513)
        for item in items:
            eq = item.find("=")
            name = item if eq < 0 else item[:eq]
            if _PARAM.fullmatch(name) is None:
                raise SipParseError(f"invalid URI parameter in {text[:60]!r}")
            value: str | None = None
            if eq >= 0:
                value = item[eq + 1 :]
                if _PARAM.fullmatch(value) is None:
                    raise SipParseError(f"invalid URI parameter in {text[:60]!r}")
                value = _unescape(value)
            params[_unescape(name).lower()] = value
    if qmark >= 0:
        items = text[qmark + 1 :].split("&")
        if len(items) > MAX_PARAMS:
            raise SipParseError("too many URI headers", 513)
        for item in items:
            eq = item.find("=")
            if (
                eq <= 0
                or _HEADER.fullmatch(item, 0, eq) is None
                or _HEADER.fullmatch(item, eq + 1) is None
            ):
                raise SipParseError(f"invalid URI header in {text[:60]!r}")
            headers[_unescape(item[:eq])] = _unescape(item[eq + 1 :])
    return SipUri(
        host, user, port=port, scheme=scheme, password=password, params=params, headers=headers
    )


def _parse_tel(text: str) -> TelUri:
    semi = text.find(";")
    number = text if semi < 0 else text[:semi]
    if _TEL_NUMBER.fullmatch(number) is None:
        raise SipParseError(f"invalid tel URI number: {number[:60]!r}")
    params: dict[str, str | None] = {}
    if semi >= 0:
        for item in text[semi + 1 :].split(";"):
            eq = item.find("=")
            name = item if eq < 0 else item[:eq]
            value = None if eq < 0 else item[eq + 1 :]
            if _PARAM.fullmatch(name) is None or (
                value is not None and _PARAM.fullmatch(value) is None
            ):
                raise SipParseError(f"invalid tel URI parameter: {item[:60]!r}")
            params[name.lower()] = value
    return TelUri(number, params)
