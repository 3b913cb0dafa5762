"""STUN Binding answers on the SIP port (RFC 5389, as SIP Outbound uses it, RFC 5626)."""

import struct

import pytest
from aioice import stun as peer
from hypothesis import given
from hypothesis import strategies as st

from officina.sip.stun import (
    BINDING_ERROR,
    BINDING_SUCCESS,
    XOR_MAPPED_ADDRESS,
    StunError,
    binding_answer,
    looks_like_stun,
    parse_stun,
    read_xor_mapped_address,
    xor_mapped_address,
)

# RFC 5769 §2.2 and §2.3: the transaction id and mapped address of the sample responses.
RFC5769_TRANSACTION = bytes.fromhex("b7e7a701bc34d686fa87dfae")


def binding_request(*, fingerprint: bool = True) -> tuple[bytes, bytes]:
    """A Binding request as another implementation (aioice) writes it."""
    message = peer.Message(message_method=peer.Method.BINDING, message_class=peer.Class.REQUEST)
    if fingerprint:
        message.add_fingerprint()
    return bytes(message), message.transaction_id


def test_xor_mapped_address_matches_the_rfc5769_ipv4_vector():
    value = xor_mapped_address("192.0.2.1", 32853, RFC5769_TRANSACTION)
    assert value == bytes.fromhex("0001a147e112a643")
    assert read_xor_mapped_address(value, RFC5769_TRANSACTION) == ("192.0.2.1", 32853)


def test_xor_mapped_address_matches_the_rfc5769_ipv6_vector():
    value = xor_mapped_address("2001:db8:1234:5678:11:2233:4455:6677", 32853, RFC5769_TRANSACTION)
    assert value == bytes.fromhex("0002a1470113a9faa5d3f179bc25f4b5bed2b9d9")
    assert read_xor_mapped_address(value, RFC5769_TRANSACTION) == (
        "2001:db8:1234:5678:11:2233:4455:6677",
        32853,
    )


@pytest.mark.parametrize("fingerprint", [True, False])
def test_a_binding_request_gets_the_clients_address_back(fingerprint):
    request, transaction_id = binding_request(fingerprint=fingerprint)
    answer = binding_answer(request, "203.0.113.7", 40123)
    assert answer is not None
    # The other implementation reads it, checking our FINGERPRINT on the way.
    response = peer.parse_message(answer)
    assert response.message_class == peer.Class.RESPONSE
    assert response.transaction_id == transaction_id
    assert response.attributes["XOR-MAPPED-ADDRESS"] == ("203.0.113.7", 40123)


def test_a_dual_stack_socket_answers_an_ipv4_client_with_its_ipv4_address():
    request, _ = binding_request()
    answer = binding_answer(request, "::ffff:198.51.100.4", 5062)
    assert answer is not None
    assert peer.parse_message(answer).attributes["XOR-MAPPED-ADDRESS"] == ("198.51.100.4", 5062)


def test_indications_and_responses_get_no_answer():
    indication = peer.Message(
        message_method=peer.Method.BINDING, message_class=peer.Class.INDICATION
    )
    assert binding_answer(bytes(indication), "192.0.2.1", 5060) is None
    request, _ = binding_request()
    response = binding_answer(request, "192.0.2.1", 5060)
    assert response is not None
    assert binding_answer(response, "192.0.2.1", 5060) is None


def test_an_unknown_required_attribute_gets_420_naming_it():
    message = peer.Message(message_method=peer.Method.BINDING, message_class=peer.Class.REQUEST)
    body = struct.pack(">HH", 0x7F01, 4) + b"abcd"
    data = bytes(message)[:2] + struct.pack(">H", len(body)) + bytes(message)[4:20] + body
    answer = binding_answer(data, "192.0.2.1", 5060)
    assert answer is not None
    parsed = parse_stun(answer)
    assert parsed.method_class == BINDING_ERROR
    values = dict(parsed.attributes)
    assert values[0x0009][2:4] == bytes([4, 20])  # ERROR-CODE 420
    assert values[0x000A] == struct.pack(">H", 0x7F01)


def test_our_answer_parses_with_our_own_parser_too():
    request, transaction_id = binding_request()
    answer = binding_answer(request, "192.0.2.1", 5060)
    assert answer is not None
    parsed = parse_stun(answer)
    assert parsed.method_class == BINDING_SUCCESS
    mapped = dict(parsed.attributes)[XOR_MAPPED_ADDRESS]
    assert read_xor_mapped_address(mapped, transaction_id) == ("192.0.2.1", 5060)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"REGISTER sip:officina.local SIP/2.0\r\n",
        b"\x00\x01\x00\x00" + b"\x00" * 16,  # no magic cookie (RFC 3489 era)
        b"\x00\x01\x00\x04\x21\x12\xa4\x42" + b"\x00" * 12,  # length beyond the datagram
        b"\x00\x01\x00\x04\x21\x12\xa4\x42" + b"\x00" * 12 + b"\x00\x20\x00\x08",  # truncated
    ],
)
def test_malformed_datagrams_are_dropped(data):
    assert binding_answer(data, "192.0.2.1", 5060) is None
    with pytest.raises(StunError):
        parse_stun(data)


def test_a_wrong_fingerprint_is_dropped():
    request, _ = binding_request()
    corrupted = request[:-1] + bytes([request[-1] ^ 0xFF])
    assert binding_answer(corrupted, "192.0.2.1", 5060) is None


def test_sip_is_never_taken_for_stun():
    assert not looks_like_stun(b"OPTIONS sip:officina.local SIP/2.0\r\n" + b"x" * 40)
    assert not looks_like_stun(b"\r\n\r\n")


@given(st.binary(max_size=200))
def test_any_bytes_are_answered_or_refused_never_crash(data):
    answer = binding_answer(data, "192.0.2.1", 5060)
    assert answer is None or looks_like_stun(answer)
