"""Numbers as members dial them, read in the trunk's country and sorted by cost."""

from __future__ import annotations

import pytest

from officina.trunks.dialling import provider_number_forms, read_dialled
from officina.trunks.kinds import CallClass


@pytest.mark.parametrize(
    ("dialled", "e164", "call_class"),
    [
        ("02 1234567", "+39021234567", CallClass.NATIONAL),
        ("0039021234567", "+39021234567", CallClass.NATIONAL),
        ("+39 02 1234567", "+39021234567", CallClass.NATIONAL),
        ("800123456", "+39800123456", CallClass.NATIONAL),  # toll-free
        ("3331234567", "+393331234567", CallClass.MOBILE),
        ("899123456", "+39899123456", CallClass.PREMIUM),
        ("892123", "+39892123", CallClass.PREMIUM),
        ("00442079460958", "+442079460958", CallClass.INTERNATIONAL),
        ("+33 1 42 68 53 00", "+33142685300", CallClass.INTERNATIONAL),
        ("+870773111111", "+870773111111", CallClass.SATELLITE),  # Inmarsat
        ("+8816123456789", "+8816123456789", CallClass.SATELLITE),  # Iridium
    ],
)
def test_numbers_dialled_in_italy_become_e164_and_are_sorted(dialled, e164, call_class):
    read = read_dialled(dialled, "IT")
    assert read is not None
    assert (read.e164, read.call_class) == (e164, call_class)


def test_a_mobile_abroad_is_international():
    german_mobile = read_dialled("+4915123456789", "IT")
    assert german_mobile is not None and german_mobile.call_class == CallClass.INTERNATIONAL


@pytest.mark.parametrize("dialled", ["", "201", "*97", "12ab34", "+39+0212345", "0" * 30, "999"])
def test_what_is_no_telephone_number_is_none(dialled):
    assert read_dialled(dialled, "IT") is None


def test_a_provider_writes_our_number_in_several_ways():
    assert provider_number_forms("390287654321", "IT")[0] == "+390287654321"
    assert provider_number_forms("+390287654321", "IT") == ["+390287654321"]
    assert provider_number_forms("0287654321", "IT") == ["+390287654321"]
    assert provider_number_forms("studio-rossi", "IT") == []
