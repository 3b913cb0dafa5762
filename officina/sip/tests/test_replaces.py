"""The Replaces header (RFC 3891 §6.1): read, or refused with 400 saying what is wrong."""

from __future__ import annotations

import pytest

from officina.sip import SipParseError
from officina.sip.replaces import Replaces, parse_replaces


def test_a_replaces_value_names_the_dialog():
    assert parse_replaces("98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff") == Replaces(
        "98732@sip.example.com", "ff87ff", "r33th4x0r"
    )
    assert parse_replaces(" a1 ; To-Tag = x ; from-tag=y ; early-only ").early_only is True


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "Call-ID"),
        ("call id;to-tag=a;from-tag=b", "Call-ID"),
        ("abc;to-tag=a", "to-tag and a from-tag"),
        ("abc;to-tag=;from-tag=b", "invalid to-tag"),
        ("abc;to-tag=a b;from-tag=b", "invalid to-tag"),
        ("x" * 2000 + ";to-tag=a;from-tag=b", "too long"),
    ],
)
def test_a_broken_replaces_is_the_senders_error(value, why):
    with pytest.raises(SipParseError, match=why) as raised:
        parse_replaces(value)
    assert raised.value.status == 400


def test_a_replaces_written_back_reads_the_same():
    for named in (
        Replaces("98732@sip.example.com", "ff87ff", "r33th4x0r"),
        Replaces("a1-bridged", "x", "y", early_only=True),
    ):
        value = named.header_value()
        assert parse_replaces(value) == named
    assert Replaces("c", "t", "f").header_value() == "c;to-tag=t;from-tag=f"
