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
    "mailbox": _("Enter the extension of your mailbox, then press the hash key."),
    "pin": _("Enter your PIN, then press the hash key."),
    "wrong_pin": _("That mailbox or PIN is not right."),
    "no_messages": _("You have no messages."),
    "next_message": _("Message."),
    "message_menu": _("Press 1 to hear it again, 7 to delete it, or the hash key for the next."),
    "deleted": _("Deleted."),
    "no_more": _("No more messages."),
}


def summary_text(new: int, saved: int) -> str:
    """What the box holds, said when the owner calls in (in the active language)."""
    return str(
        _("You have %(new)s new and %(saved)s saved messages.") % {"new": new, "saved": saved}
    )


def summary_path(new: int, saved: int, language: str) -> Path:
    with translation.override(language):
        text = summary_text(new, saved)
    return cached_speech(text, language)


def prompt_path(name: str, language: str) -> Path:
    """The 8 kHz WAV of prompt ``name`` in ``language`` (made the first time it is asked)."""
    with translation.override(language):
        text = str(PROMPTS[name])
    return cached_speech(text, language)
