"""The words the auto-attendant says besides a menu's own greeting, in Italian and
English, spoken once by espeak-ng and cached (as voicemail's prompts are)."""

from __future__ import annotations

from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from officina.voicemail.kinds import Language
from officina.voicemail.sound import cached_speech

__all__ = ["PROMPTS", "Language", "prompt_path"]

PROMPTS = {
    "not_on_menu": _("That key is not on the menu."),
    "no_choice": _("We did not hear your choice."),
    "putting_through": _("Please hold: we are putting you through."),
    "busy": _("The line is busy."),
    "no_answer": _("There is no answer."),
    "cannot_put_through": _("Sorry, the call cannot be put through now. Goodbye."),
    "goodbye": _("Thank you for calling. Goodbye."),
}


def prompt_path(name: str, language: str) -> Path:
    """The 8 kHz WAV of prompt ``name`` in ``language`` (made the first time it is asked)."""
    with translation.override(language):
        text = str(PROMPTS[name])
    return cached_speech(text, language)
