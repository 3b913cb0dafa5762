"""What a conference room says, in Italian and English, spoken once by espeak-ng."""

from __future__ import annotations

from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from officina.voicemail.sound import cached_speech

PROMPTS = {
    "pin": _("Enter the conference PIN, then the hash key."),
    "wrong_pin": _("That PIN is not right."),
}


def prompt_path(name: str, language: str) -> Path:
    with translation.override(language):
        text = str(PROMPTS[name])
    return cached_speech(text, language)
