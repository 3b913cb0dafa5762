"""Low-level RFC 3261 §25 grammar helpers shared by the header and URI parsers.

Every helper scans a `str` left to right with `str.find` or a single regex
made of plain character classes (no nested quantifiers), so no input can make
it backtrack. Values reach these helpers already unfolded (LWS continuation
lines replaced by one space).
"""

from __future__ import annotations

import re

from officina.sip.errors import SipParseError

#   token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" )
TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~")
_TOKEN = re.compile(r"[A-Za-z0-9\-.!%*_+`'~]+")
#   word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" /
#          "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}" )
_WORD = re.compile(r"[A-Za-z0-9\-.!%*_+`'~()<>:\\\"/\[\]?{}]+")
#   host = hostname / IPv4address / IPv6reference   (hostname kept lenient: "_" seen in the wild)
_HOSTNAME = re.compile(r"[A-Za-z0-9\-_.]+")
_IPV6_BODY = re.compile(r"[0-9A-Fa-f:.]+")
_DIGITS = re.compile(r"[0-9]+")

WHITESPACE = " \t"
# Bounds that keep a hostile 64 KiB message from costing more than a normal one by much.
MAX_PARAMS = 64  # parameters of one header value or URI
MAX_VALUES = 128  # comma-separated values of one header line
MAX_ESCAPES = 256  # quoted-pairs in one quoted string


def is_token(text: str) -> bool:
    return _TOKEN.fullmatch(text) is not None


def check_token(text: str, what: str) -> str:
    if _TOKEN.fullmatch(text) is None:
        raise SipParseError(f"invalid {what}: {text[:60]!r}")
    return text


def is_word(text: str) -> bool:
    return _WORD.fullmatch(text) is not None


def parse_digits(text: str, what: str, maximum: int) -> int:
    """1*DIGIT with an upper bound (leading zeros allowed, as RFC 4475 §3.1.1.1 shows)."""
    if len(text) < 10 and text.isdigit() and text.isascii():
        value = int(text)
        if value > maximum:
            raise SipParseError(f"{what} out of range: {text!r}")
        return value
    if _DIGITS.fullmatch(text) is None:
        raise SipParseError(f"invalid {what}: {text[:60]!r}")
    # Refuse absurdly long digit strings before int() works on them.
    if len(text.lstrip("0")) > len(str(maximum)):
        raise SipParseError(f"{what} out of range: {text[:60]!r}")
    value = int(text)
    if value > maximum:
        raise SipParseError(f"{what} out of range: {text[:60]!r}")
    return value


def unfold(value: str) -> str:
    """Replace each folded line break (CRLF followed by SP/HT) by a single space."""
    if "\r\n" not in value:
        return value
    return " ".join(part.strip(WHITESPACE) for part in value.split("\r\n"))


def check_host(host: str) -> str:
    """Validate hostname / IPv4address / IPv6reference; return it as given."""
    if not host:
        raise SipParseError("empty host")
    if host[0] == "[":
        if host[-1] != "]" or _IPV6_BODY.fullmatch(host[1:-1]) is None or ":" not in host:
            raise SipParseError(f"invalid IPv6 reference: {host[:60]!r}")
        return host
    if _HOSTNAME.fullmatch(host) is None:
        raise SipParseError(f"invalid host: {host[:60]!r}")
    return host


def split_host_port(text: str) -> tuple[str, int | None]:
    """hostport = host [ ":" port ], IPv6 references in brackets."""
    if text.startswith("["):
        close = text.find("]")
        if close < 0:
            raise SipParseError(f"unterminated IPv6 reference: {text[:60]!r}")
        host, rest = text[: close + 1], text[close + 1 :]
        if not rest:
            return check_host(host), None
        if rest[0] != ":":
            raise SipParseError(f"invalid host and port: {text[:60]!r}")
        return check_host(host), parse_digits(rest[1:], "port", 65535)
    colon = text.find(":")
    if colon < 0:
        return check_host(text), None
    return check_host(text[:colon]), parse_digits(text[colon + 1 :], "port", 65535)


_QUOTED = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"')


def read_quoted(text: str, start: int) -> tuple[str, int]:
    """Read a quoted-string whose opening DQUOTE is at `start`.

    Returns the unescaped content and the index just past the closing DQUOTE.
    """
    found = _QUOTED.match(text, start)
    if found is None:
        raise SipParseError("unterminated quoted string")
    return unescape(found.group(1)), found.end()


def unescape(content: str) -> str:
    """The text of a quoted-string's inside: each quoted-pair \\X stands for X."""
    if "\\" not in content:
        return content
    if content.count("\\") > MAX_ESCAPES:
        raise SipParseError("too many escapes in a quoted string")
    return _ESCAPED.sub(r"\1", content)


def skip_ws(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in WHITESPACE:
        i += 1
    return i


_COMMA_OR_OPENER = re.compile(r'[,"<]')
_PARAM = re.compile(
    r"[ \t]*;[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*"
    r"(?:=[ \t]*(?:\"([^\"\\]*(?:\\.[^\"\\]*)*)\"|(\[[0-9A-Fa-f:.]*\]|[A-Za-z0-9\-.!%*_+`'~:]+)))?"
)
_ESCAPED = re.compile(r"\\(.)")
#   the usual parameters, no LWS and no quotes; each round starts at ';' so it cannot backtrack
_SIMPLE_PARAMS = re.compile(r"(?:;[A-Za-z0-9\-.!%*_+`'~]+(?:=[A-Za-z0-9\-.!%*_+`'~:]+)?)+")


def split_commas(value: str) -> list[str]:
    """Split a header value at top-level commas (not inside quotes or <...>)."""
    if value.count(",") >= MAX_VALUES:
        raise SipParseError("too many comma-separated values", 513)
    if '"' not in value and "<" not in value:
        return [part.strip(WHITESPACE) for part in value.split(",")]
    parts: list[str] = []
    start = 0
    i = 0
    search = _COMMA_OR_OPENER.search
    while True:
        match = search(value, i)
        if match is None:
            break
        j = match.start()
        c = value[j]
        if c == ",":
            parts.append(value[start:j].strip(WHITESPACE))
            start = i = j + 1
        elif c == '"':
            _, i = read_quoted(value, j)
        else:
            close = value.find(">", j)
            if close < 0:
                raise SipParseError("unterminated <...>")
            i = close + 1
    parts.append(value[start:].strip(WHITESPACE))
    return parts


def parse_params(text: str, i: int, what: str) -> tuple[dict[str, str | None], int]:
    """Parse `*( SEMI generic-param )` starting at `text[i]` (at a ';' or the end).

    generic-param = token [ EQUAL gen-value ], gen-value = token / host / quoted-string.
    Names are lower-cased (they compare case-insensitively); values are kept
    as written, quoted ones unescaped. Stops at the end or at a ',' / '?'
    that the caller handles; any other character is an error.
    """
    n = len(text)
    simple = _SIMPLE_PARAMS.match(text, i) if text.find('"', i) < 0 else None
    if simple is not None and simple.end() == n:
        # ;name=value;flag with nothing to unquote: split instead of scanning.
        params: dict[str, str | None] = {}
        items = text[i + 1 :].split(";")
        if len(items) > MAX_PARAMS:
            raise SipParseError(f"too many parameters in {what}", 513)
        for item in items:
            name, sep, given = item.partition("=")
            params[name.lower()] = given if sep else None
        return params, n
    params = {}
    count = 0
    match = _PARAM.match
    while True:
        found = match(text, i)
        if found is None:
            i = skip_ws(text, i)
            if i < n and text[i] == ";":
                raise SipParseError(f"malformed parameter in {what}: {text[:60]!r}")
            return params, i
        name, quoted, plain = found.groups()
        if quoted is not None:
            value: str | None = unescape(quoted)
        else:
            value = plain
        params[name.lower()] = value
        count += 1
        if count > MAX_PARAMS:
            raise SipParseError(f"too many parameters in {what}", 513)
        i = found.end()
        if i < n and text[i] not in " \t;,?":
            raise SipParseError(f"unexpected {text[i]!r} in parameters of {what}")


_PLAIN_VALUE = re.compile(r"[A-Za-z0-9\-.!%*_+`'~:\[\]]+")


def format_params(params: dict[str, str | None]) -> str:
    out = []
    plain = _PLAIN_VALUE.fullmatch
    for name, value in params.items():
        if value is None:
            out.append(f";{name}")
        elif plain(value) is None:
            out.append(f';{name}="{quote(value)}"')
        else:
            out.append(f";{name}={value}")
    return "".join(out)


def quote(text: str) -> str:
    """Escape text for the inside of a quoted-string."""
    if '"' not in text and "\\" not in text:
        return text
    return text.replace("\\", "\\\\").replace('"', '\\"')
