"""Phone numbers as people type them, made E.164 with ``phonenumbers``."""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext_lazy as _

from officina.core.errors import OfficinaError

# Numbers written without a country code are Italian: the coworking spaces Officina
# serves first are in Italy.
DEFAULT_REGION = "IT"


def to_e164(text: str, *, field: str = "number", region: str = DEFAULT_REGION) -> str:
    """``text`` as an E.164 number ("+390212345678"), or an input error naming ``field``."""
    cleaned = text.strip()
    if not cleaned:
        raise OfficinaError.invalid_input(_("Enter a phone number."), field=field)
    try:
        parsed = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        raise OfficinaError.invalid_input(
            _("“%(number)s” is not a phone number.") % {"number": cleaned[:40]}, field=field
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise OfficinaError.invalid_input(
            _("“%(number)s” is not a valid number in its country.") % {"number": cleaned[:40]},
            field=field,
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def caller_e164(text: str, region: str = DEFAULT_REGION) -> str | None:
    """The E.164 form of a caller's number, or None when it is not one (an extension)."""
    if len(text) < 6 or len(text) > 20:
        return None
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def readable(e164: str) -> str:
    """An E.164 number as people read it ("+39 02 1234 5678")."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
