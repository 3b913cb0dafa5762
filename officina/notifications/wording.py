"""A notification's words: stored as an English message and its values, put into the
reader's language only when read (a page, a live push, a digest e-mail).

A member who switches language sees every notification, old and new, in the new one:
nothing is translated at the moment something happens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone, translation
from django.utils.functional import Promise

from officina.core.moments import shown_moment

# The stored form of a moment: {"datetime": ISO 8601, "zone": IANA name of where the thing
# happens}. It is shown on the reader's clock (their time zone, else the community's).
DATETIME_KEY = "datetime"
ZONE_KEY = "zone"

# The stored form of a name the community keeps in each interface language (a skill's):
# {"by_language": {"en": ..., "it": ...}}, shown in the reader's.
BY_LANGUAGE_KEY = "by_language"


@dataclass(frozen=True)
class InEachLanguage:
    """A value with a wording per language code ("en", "it"); English when the reader's
    language has none."""

    names: Mapping[str, str]


ParamValue = str | int | datetime | InEachLanguage
StoredValue = str | int | dict[str, str] | dict[str, dict[str, str]]


def message_id(text: str | Promise) -> str:
    """The English source of ``text``: a lazy translation is not resolved in today's language."""
    if isinstance(text, Promise):
        with translation.override(None):  # no catalogue active: gettext returns the msgid
            return str(text)
    return text


def stored_params(params: Mapping[str, ParamValue]) -> dict[str, StoredValue]:
    """``params`` as JSON: texts and numbers as they are, moments with their zone."""
    stored: dict[str, StoredValue] = {}
    for key, value in params.items():
        if isinstance(value, datetime):
            if timezone.is_naive(value):
                raise ValueError(f"notification parameter {key!r} is a naive datetime")
            zone = getattr(value.tzinfo, "key", "UTC")
            stored[key] = {DATETIME_KEY: value.isoformat(), ZONE_KEY: zone}
        elif isinstance(value, InEachLanguage):
            stored[key] = {BY_LANGUAGE_KEY: dict(value.names)}
        elif isinstance(value, str | int):
            stored[key] = value
        else:
            raise TypeError(f"notification parameter {key!r} is a {type(value).__name__}")
    return stored


def _shown_value(value: object) -> object:
    if isinstance(value, dict) and DATETIME_KEY in value:
        return shown_moment(datetime.fromisoformat(str(value[DATETIME_KEY])))
    if isinstance(value, dict) and isinstance(names := value.get(BY_LANGUAGE_KEY), dict):
        language = (translation.get_language() or "en").split("-")[0]
        return names.get(language) or names.get("en") or next(iter(names.values()), "")
    return value


def rendered_text(text: str, params: Mapping[str, object] | None) -> str:
    """``text`` in the active language, filled with ``params``.

    Without ``params`` the text is shown as written (notifications from before
    messages were stored as data, or a text that is no message). A translation
    that does not fit its values (a typo in a catalogue) falls back to English
    rather than failing the page.
    """
    if params is None:
        return text
    values = {key: _shown_value(value) for key, value in params.items()}
    for template in (translation.gettext(text), text):
        try:
            return template % values
        except (KeyError, ValueError, TypeError):
            continue
    return text
