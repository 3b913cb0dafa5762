"""STUN Binding on the SIP port: the UDP keep-alive of SIP Outbound (RFC 5626 §4.4.2, §8).

A phone that registers with ``reg-id`` over UDP keeps its NAT binding open
by sending STUN Binding requests (RFC 5389) to the SIP port of the edge
proxy, and learns from the XOR-MAPPED-ADDRESS of each answer whether its
public address changed (a changed address means the flow failed and it must
register again). Binding indications are keep-alives that want no answer.

A STUN message cannot be mistaken for SIP: its first byte is 0-3 (the two
top bits are zero), where a SIP message starts with a letter (RFC 7983 §7).
No authentication is asked for: the answer tells a client only its own
address, and is barely longer than the request, so it amplifies nothing.
"""

from __future__ import annotations

import ipaddress
import struct
import zlib
from dataclasses import dataclass

MAGIC_COOKIE = 0x2112A442
_MAGIC_BYTES = struct.pack(">I", MAGIC_COOKIE)
_HEADER = struct.Struct(">HHI12s")  # type, length, magic cookie, transaction id
_ATTRIBUTE = struct.Struct(">HH")
HEADER_SIZE = 20

BINDING_REQUEST = 0x0001
BINDING_INDICATION = 0x0011
BINDING_SUCCESS = 0x0101
BINDING_ERROR = 0x0111

XOR_MAPPED_ADDRESS = 0x0020
ERROR_CODE = 0x0009
UNKNOWN_ATTRIBUTES = 0x000A
SOFTWARE = 0x8022
FINGERPRINT = 0x8028
_FINGERPRINT_XOR = 0x5354554E
# Attributes a Binding request may carry that this server understands or may ignore.
# Comprehension-required ones (type below 0x8000) beyond these get 420 (RFC 5389 §7.3.1).
_UNDERSTOOD = frozenset({FINGERPRINT, SOFTWARE})


class StunError(ValueError):
    """Not a well-formed STUN message: drop it (RFC 5389 §7.3)."""


@dataclass(frozen=True, slots=True)
class StunMessage:
    method_class: int  # the 14-bit method and 2-bit class together, as on the wire
    transaction_id: bytes
    attributes: tuple[tuple[int, bytes], ...]


def looks_like_stun(data: bytes) -> bool:
    """True when ``data`` can only be STUN: top bits zero and the magic cookie in place."""
    return len(data) >= HEADER_SIZE and data[0] < 4 and data[4:8] == _MAGIC_BYTES


def parse_stun(data: bytes) -> StunMessage:
    """Parse a STUN message; raises StunError for anything malformed."""
    if not looks_like_stun(data):
        raise StunError("not a STUN message")
    method_class, length, _cookie, transaction_id = _HEADER.unpack_from(data)
    if length % 4 or HEADER_SIZE + length != len(data):
        raise StunError("STUN length does not match the datagram")
    attributes: list[tuple[int, bytes]] = []
    offset = HEADER_SIZE
    while offset < len(data):
        if offset + 4 > len(data):
            raise StunError("truncated STUN attribute header")
        kind, size = _ATTRIBUTE.unpack_from(data, offset)
        start = offset + 4
        end = start + size
        if end > len(data):
            raise StunError("truncated STUN attribute")
        if kind == FINGERPRINT:
            if size != 4 or end != len(data):
                raise StunError("FINGERPRINT must be the last attribute, four bytes long")
            (received,) = struct.unpack_from(">I", data, start)
            if received != _fingerprint(data[:offset]):
                raise StunError("FINGERPRINT does not match")
        attributes.append((kind, data[start:end]))
        offset = start + size + (-size % 4)
    return StunMessage(method_class, transaction_id, tuple(attributes))


def binding_answer(data: bytes, host: str, port: int) -> bytes | None:
    """What to send back for a datagram that looks like STUN, from ``host:port``.

    A Binding request gets a success response with XOR-MAPPED-ADDRESS (or 420
    when it needs attributes this server does not understand); indications,
    responses and malformed messages get nothing.
    """
    try:
        message = parse_stun(data)
    except StunError:
        return None
    if message.method_class != BINDING_REQUEST:
        return None
    unknown = [
        kind for kind, _value in message.attributes if kind < 0x8000 and kind not in _UNDERSTOOD
    ]
    if unknown:
        values = b"".join(struct.pack(">H", kind) for kind in unknown[:16])
        error = struct.pack(">HBB", 0, 4, 20) + b"Unknown Attribute"
        return _build(
            BINDING_ERROR,
            message.transaction_id,
            [(ERROR_CODE, error), (UNKNOWN_ATTRIBUTES, values)],
        )
    mapped = xor_mapped_address(host, port, message.transaction_id)
    return _build(BINDING_SUCCESS, message.transaction_id, [(XOR_MAPPED_ADDRESS, mapped)])


def xor_mapped_address(host: str, port: int, transaction_id: bytes) -> bytes:
    """The XOR-MAPPED-ADDRESS value for ``host:port`` (RFC 5389 §15.2)."""
    address = ipaddress.ip_address(host.strip("[]"))
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # a dual-stack socket's view of an IPv4 client
    packed = address.packed
    family = 0x01 if len(packed) == 4 else 0x02
    return struct.pack(">BBH", 0, family, port ^ (MAGIC_COOKIE >> 16)) + _xor_address(
        packed, transaction_id
    )


def read_xor_mapped_address(value: bytes, transaction_id: bytes) -> tuple[str, int]:
    """The address an XOR-MAPPED-ADDRESS value names (what a client reads)."""
    if len(value) not in (8, 20):
        raise StunError("XOR-MAPPED-ADDRESS of the wrong size")
    _reserved, family, xport = struct.unpack_from(">BBH", value)
    packed = _xor_address(value[4:], transaction_id)
    if (family, len(packed)) not in ((0x01, 4), (0x02, 16)):
        raise StunError("XOR-MAPPED-ADDRESS family does not match its size")
    return str(ipaddress.ip_address(packed)), xport ^ (MAGIC_COOKIE >> 16)


def _xor_address(address: bytes, transaction_id: bytes) -> bytes:
    """An address XORed with the magic cookie and, past its first four bytes (IPv6),
    the transaction id: the same operation hides and reveals it."""
    mask = _MAGIC_BYTES + transaction_id
    return bytes(a ^ b for a, b in zip(address, mask, strict=False))


def _build(method_class: int, transaction_id: bytes, attributes: list[tuple[int, bytes]]) -> bytes:
    body = b"".join(
        _ATTRIBUTE.pack(kind, len(value)) + value + b"\x00" * (-len(value) % 4)
        for kind, value in attributes
    )
    # FINGERPRINT last, over everything before it with the length already counting it.
    head = _HEADER.pack(method_class, len(body) + 8, MAGIC_COOKIE, transaction_id)
    message = head + body
    return message + _ATTRIBUTE.pack(FINGERPRINT, 4) + struct.pack(">I", _fingerprint(message))


def _fingerprint(message_before: bytes) -> int:
    return (zlib.crc32(message_before) ^ _FINGERPRINT_XOR) & 0xFFFFFFFF
