"""The words voicemail says, in Italian and English, spoken once by espeak-ng and cached."""

from __future__ import annotations

from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .sound import cached_speech

PROMPTS = {
    "greeting": _(
        "The person you are calling cannot answer right now. Please leave a message after the tone."
    ),
    "goodbye": _("Thank you. Goodbye."),
}


def prompt_path(name: str, language: str) -> Path:
    """The 8 kHz WAV of prompt ``name`` in ``language`` (made the first time it is asked)."""
    with translation.override(language):
        text = str(PROMPTS[name])
    return cached_speech(text, language)
