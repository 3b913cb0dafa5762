"""A client of rtpengine's NG control protocol, to bridge WebRTC legs and plain-RTP legs.

A browser speaks ICE, DTLS-SRTP and RTP/SAVPF with rtcp-mux; a desk phone or
baresip speaks plain RTP/AVP. rtpengine sits between them: given the SDP one
side sent, it returns the SDP to give the other side, with its own addresses
and the other side's protocol (``offer``, then ``answer`` for the reply), and
relays (and if need be transcodes) the media until ``delete``.

The NG protocol (rtpengine's docs, "ng_control_protocol"): one UDP datagram
per request, ``<cookie> <bencoded dictionary>``, answered with the same cookie
and a dictionary whose ``result`` is ``ok``, ``pong`` or ``error`` (with an
``error-reason``). A request not answered is sent again with the same cookie:
rtpengine remembers the answers by cookie, so a repeated offer is not done
twice. Bencoding is the kept ``bencode.py`` library's.

The proxy drives it through ``officina.pbx.anchoring`` (which calls it passes
through, and when).
"""

from __future__ import annotations

import asyncio
import enum
import secrets
from typing import Any, cast
from urllib.parse import urlsplit

import bencodepy

# rtpengine answers in well under a millisecond when idle; a reply missing for this long
# is a lost datagram (or a busy engine), and the same request goes again.
RETRY_AFTER_SECONDS = 0.5
ATTEMPTS = 3
MAX_REPLY_BYTES = 65_535

_CODEC = bencodepy.Bencode(encoding="utf-8", encoding_fallback="value")


class RtpEngineError(Exception):
    """rtpengine refused a command, or did not answer it."""


class Leg(enum.Enum):
    """What the SDP rtpengine returns is for."""

    WEBRTC = "webrtc"  # a browser: ICE, DTLS-SRTP, RTP/SAVPF, rtcp-mux
    PLAIN = "plain"  # a SIP phone: RTP/AVP, no ICE, separate RTCP


# The flags that make an SDP fit each kind of leg; "replace" puts rtpengine's own
# address in the origin and connection lines so that nothing points past it.
_FLAGS_FOR: dict[Leg, dict[str, Any]] = {
    Leg.WEBRTC: {
        "ICE": "force",
        "DTLS": "passive",
        "SDES": ["off"],
        "transport-protocol": "UDP/TLS/RTP/SAVPF",
        "rtcp-mux": ["offer", "require"],
        "replace": ["origin", "session-connection"],
    },
    Leg.PLAIN: {
        "ICE": "remove",
        "DTLS": "off",
        # Towards the offerer, when it is a browser: rtpengine waits for its DTLS
        # handshake. Left to itself it answers a browser's "actpass" by starting one as
        # the client before the answer is known, and Chromium, told "passive" by the
        # answer, then never completes either.
        "DTLS-reverse": "passive",
        "transport-protocol": "RTP/AVP",
        "rtcp-mux": ["demux"],
        "replace": ["origin", "session-connection"],
    },
}


def ng_address(url: str) -> tuple[str, int]:
    """``udp://127.0.0.1:2223`` (or ``127.0.0.1:2223``) as a (host, port) pair."""
    parts = urlsplit(url if "://" in url else f"udp://{url}")
    if parts.scheme != "udp" or not parts.hostname or not parts.port:
        raise ValueError(f"not an rtpengine NG address (udp://host:port): {url!r}")
    return parts.hostname, parts.port


class _NgProtocol(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.waiting: dict[bytes, asyncio.Future[bytes]] = {}

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        cookie, _space, body = data.partition(b" ")
        future = self.waiting.get(cookie)
        if future is not None and not future.done():
            future.set_result(body)

    def error_received(self, exc: Exception) -> None:
        for future in self.waiting.values():
            if not future.done():
                future.set_exception(RtpEngineError(f"rtpengine unreachable: {exc}"))


class RtpEngine:
    """One rtpengine, reached over UDP from the PBX's event loop."""

    def __init__(self, url: str) -> None:
        self.address = ng_address(url)
        self._transport: asyncio.DatagramTransport | None = None
        self._protocol = _NgProtocol()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: self._protocol, remote_addr=self.address
        )

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    async def command(self, name: str, **params: Any) -> dict[str, Any]:
        """Send one NG command and return rtpengine's reply (RtpEngineError on an error
        reply or none)."""
        if self._transport is None:
            raise RtpEngineError("rtpengine client not started")
        cookie = secrets.token_hex(8).encode()
        datagram = cookie + b" " + bencodepy.encode({"command": name, **params})
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._protocol.waiting[cookie] = future
        try:
            for _attempt in range(ATTEMPTS):
                self._transport.sendto(datagram)
                try:
                    body = await asyncio.wait_for(asyncio.shield(future), RETRY_AFTER_SECONDS)
                    break
                except TimeoutError:
                    continue
            else:
                raise RtpEngineError(f"rtpengine did not answer {name!r}")
        finally:
            self._protocol.waiting.pop(cookie, None)
        try:
            reply = _CODEC.decode(body)
        except Exception as error:  # the library raises several kinds on bad input
            raise RtpEngineError(f"unreadable reply from rtpengine: {error}") from error
        if not isinstance(reply, dict):
            raise RtpEngineError("unreadable reply from rtpengine")
        if reply.get("result") == "error":
            raise RtpEngineError(str(reply.get("error-reason", "error")))
        return cast(dict[str, Any], reply)

    async def ping(self) -> bool:
        return (await self.command("ping")).get("result") == "pong"

    async def offer(
        self,
        call_id: str,
        from_tag: str,
        sdp: bytes,
        towards: Leg,
        *,
        to_tag: str = "",
        via_branch: str = "",
    ) -> bytes:
        """The offerer's SDP rewritten for the other side's kind of leg.

        ``from_tag`` is the offerer's tag (the callee's in a re-INVITE it sends, with the
        caller's as ``to_tag``); ``via_branch`` tells the forks of one INVITE apart.
        """
        params = {**_dialog(call_id, from_tag, to_tag, via_branch), "sdp": sdp.decode()}
        reply = await self.command("offer", **params, **_FLAGS_FOR[towards])
        return _sdp_of(reply)

    async def answer(
        self,
        call_id: str,
        from_tag: str,
        to_tag: str,
        sdp: bytes,
        towards: Leg,
        *,
        via_branch: str = "",
    ) -> bytes:
        """The answerer's SDP rewritten for the offerer's kind of leg (``from_tag`` is
        the offerer's tag, as in the offer)."""
        params = {**_dialog(call_id, from_tag, to_tag, via_branch), "sdp": sdp.decode()}
        reply = await self.command("answer", **params, **_FLAGS_FOR[towards])
        return _sdp_of(reply)

    async def delete(self, call_id: str, from_tag: str = "") -> dict[str, Any]:
        """End the call's media (every fork's, without ``from_tag``); the reply carries
        its counters (``totals``)."""
        return await self.command("delete", **_dialog(call_id, from_tag, "", ""))


def _dialog(call_id: str, from_tag: str, to_tag: str, via_branch: str) -> dict[str, str]:
    """The keys naming a call (and a dialog, and a fork of it) in an NG command."""
    named = {"call-id": call_id}
    if from_tag:
        named["from-tag"] = from_tag
    if to_tag:
        named["to-tag"] = to_tag
    if via_branch:
        named["via-branch"] = via_branch
    return named


def _sdp_of(reply: dict[str, Any]) -> bytes:
    sdp = reply.get("sdp")
    if not isinstance(sdp, str) or not sdp:
        raise RtpEngineError("rtpengine's reply has no SDP")
    return sdp.encode()
