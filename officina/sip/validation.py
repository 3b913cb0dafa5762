"""The checks a proxy (RFC 3261 §16.3) or a UAS (§8.2) makes before acting on a request.

    proxy  1. syntax of what it uses (400)        2. URI scheme (416)
           3. Max-Forwards: 0 is not forwarded (483)
           4. Proxy-Require: unknown extensions (420 + Unsupported)
    UAS    1. syntax (400)   2. URI scheme (416)   3. Require: unknown extensions (420)
           4. body type and encoding it cannot read (415 + Accept)
           5. an Accept that allows no type it could answer with (406)

Each function returns the response to send, or None when the request may go on.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from officina.sip.errors import SipParseError
from officina.sip.message import SipRequest, SipResponse, make_response

DEFAULT_SCHEMES = frozenset({"sip", "sips", "tel"})


def _error(
    request: SipRequest,
    status: int,
    reason: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
) -> SipResponse:
    try:
        return make_response(request, status, reason, headers=headers)
    except SipParseError:
        # The headers a response copies are broken too: build what can be built.
        return SipResponse(status, reason)


def _syntax_and_scheme(request: SipRequest, schemes: Collection[str]) -> SipResponse | None:
    try:
        request.validate()
    except SipParseError as error:
        detail = str(error)[:80].replace("\r", " ").replace("\n", " ")
        return _error(request, error.status, f"Bad Request ({detail})")
    if request.uri.scheme not in schemes:
        return _error(request, 416)
    return None


def unsupported(required: list[str], supported: Collection[str]) -> list[str]:
    """The option tags in `required` that are not in `supported` (case-insensitive)."""
    known = {tag.lower() for tag in supported}
    return [tag for tag in required if tag.lower() not in known]


def check_proxy_request(
    request: SipRequest,
    *,
    supported: Collection[str] = (),
    schemes: Collection[str] = DEFAULT_SCHEMES,
) -> SipResponse | None:
    """RFC 3261 §16.3 request validation for a proxy about to forward `request`."""
    answer = _syntax_and_scheme(request, schemes)
    if answer is not None:
        return answer
    if request.max_forwards == 0 and request.method != "ACK":
        return _error(request, 483)
    missing = unsupported(request.proxy_require, supported)
    if missing:
        return _error(request, 420, headers=[("Unsupported", ", ".join(missing))])
    return None


def _media_matches(offered: str, wanted: str) -> bool:
    offered = offered.split(";", 1)[0].strip().lower()
    if offered in ("*/*", wanted):
        return True
    return offered.endswith("/*") and wanted.startswith(offered[:-1])


def check_uas_request(
    request: SipRequest,
    *,
    supported: Collection[str] = (),
    schemes: Collection[str] = DEFAULT_SCHEMES,
    body_types: Collection[str] = ("application/sdp",),
) -> SipResponse | None:
    """RFC 3261 §8.2 request validation for a UAS (registrar, voicemail, IVR...)."""
    answer = _syntax_and_scheme(request, schemes)
    if answer is not None:
        return answer
    if request.method not in ("ACK", "CANCEL"):
        missing = unsupported(request.require, supported)
        if missing:
            return _error(request, 420, headers=[("Unsupported", ", ".join(missing))])
    accept = ", ".join(body_types)
    if request.body:
        content_type = request.content_type
        encoding = (request.header("content-encoding") or "identity").strip().lower()
        if content_type not in body_types or encoding != "identity":
            return _error(
                request, 415, headers=[("Accept", accept), ("Accept-Encoding", "identity")]
            )
    if request.method == "INVITE" and request.has_header("accept"):
        offered = request.split_header("accept")
        if offered != [""] and not any(
            _media_matches(item, wanted) for item in offered for wanted in body_types
        ):
            return _error(request, 406, headers=[("Accept", accept)])
    return None
