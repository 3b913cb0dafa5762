"""What a member dialled, as the provider needs it (E.164) and as the toll-fraud guard
sorts it (national, mobile, international, premium rate, satellite).

Numbers are read with ``phonenumbers`` in the trunk's country: "02 1234567",
"0039 02 1234567" and "+39 02 1234567" are the same Milan number, +39021234567.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

from .kinds import CallClass

# Country codes of the global services: Inmarsat (870), the global mobile satellite
# systems Iridium, Globalstar, Thuraya... (881, 882) and the international networks
# (883). Calls to them cost several euros a minute, the favourite of toll fraud.
SATELLITE_COUNTRY_CODES = frozenset({870, 881, 882, 883})
_PREMIUM_TYPES = frozenset({PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST})
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.PAGER})
# What people dial: digits, a leading +, and the separators they type.
_DIALLED = frozenset("0123456789+")
_SEPARATORS = frozenset(" -./()")


@dataclass(frozen=True, slots=True)
class Dialled:
    e164: str
    call_class: CallClass


def read_dialled(text: str, country: str) -> Dialled | None:
    """The number ``text`` dialled from ``country`` (ISO 3166 code), or None when it is
    not a valid telephone number there."""
    text = "".join(c for c in text if c not in _SEPARATORS)
    if not text or len(text) > 24 or any(c not in _DIALLED for c in text):
        return None
    if text.startswith("+") and "+" in text[1:]:
        return None
    try:
        number = phonenumbers.parse(text, country.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Dialled(e164, classify(number, country))


def classify(number: phonenumbers.PhoneNumber, country: str) -> CallClass:
    if number.country_code in SATELLITE_COUNTRY_CODES:
        return CallClass.SATELLITE
    kind = phonenumbers.number_type(number)
    if kind in _PREMIUM_TYPES:
        return CallClass.PREMIUM
    if number.country_code != phonenumbers.country_code_for_region(country.upper()):
        return CallClass.INTERNATIONAL
    if kind in _MOBILE_TYPES:
        return CallClass.MOBILE
    return CallClass.NATIONAL


def provider_number_forms(text: str, country: str) -> list[str]:
    """The E.164 numbers a provider may mean by ``text`` in a Request-URI or To
    ("+390212345678", "390212345678", "0212345678"): the caller picks the one that is a
    number of ours. Empty when it is no number at all."""
    digits = text.strip()
    candidates = [digits]
    if digits.isdigit() and not digits.startswith("0"):
        candidates.insert(0, "+" + digits)  # with the country code but no plus
    forms: list[str] = []
    for candidate in candidates:
        dialled = read_dialled(candidate, country)
        if dialled is not None and dialled.e164 not in forms:
            forms.append(dialled.e164)
    return forms
