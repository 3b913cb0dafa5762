"""Writes of voicemail: a box's settings and greeting, messages stored, heard, deleted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from officina.core.errors import OfficinaError

from .kinds import (
    GREETING_SECONDS_MAX,
    GREETING_TEXT_MAX,
    GREETING_UPLOAD_MAX_BYTES,
    PIN_DIGITS,
    RING_SECONDS_MAX,
    RING_SECONDS_MIN,
    GreetingSource,
    Language,
)
from .models import VoicemailBox, VoicemailMessage
from .sound import uploaded_to_telephone

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from officina.pbx.models import Extension


def do_open_box(extension: Extension) -> VoicemailBox:
    """The extension's box, made with the defaults the first time."""
    box, _created = VoicemailBox.objects.get_or_create(extension=extension)
    return box


def check_update_box(
    box: VoicemailBox, *, enabled: bool, ring_seconds: int, email_messages: bool
) -> VoicemailBox:
    if not RING_SECONDS_MIN <= ring_seconds <= RING_SECONDS_MAX:
        raise OfficinaError.invalid_input(
            _("Ring between %(low)s and %(high)s seconds.")
            % {"low": RING_SECONDS_MIN, "high": RING_SECONDS_MAX},
            field="ring_seconds",
        )
    box.enabled = enabled
    box.ring_seconds = ring_seconds
    box.email_messages = email_messages
    box.save(update_fields=["enabled", "ring_seconds", "email_messages"])
    return box


def check_speak_greeting(box: VoicemailBox, text: str, language: str) -> VoicemailBox:
    """Have ``text`` spoken in ``language`` as the box's greeting, in the background."""
    text = " ".join(text.split())
    if not text:
        raise OfficinaError.invalid_input(_("Type the words of your greeting."), field="text")
    if len(text) > GREETING_TEXT_MAX:
        raise OfficinaError.invalid_input(
            _("A greeting has at most %(count)s characters.") % {"count": GREETING_TEXT_MAX},
            field="text",
        )
    if language not in Language.values:
        raise OfficinaError.invalid_input(_("Choose Italian or English."), field="language")
    from .tasks import speak_greeting  # the task module imports these actions

    with transaction.atomic():
        box = VoicemailBox.objects.select_for_update().get(pk=box.pk)
        box.greeting_text = text
        box.language = language
        box.greeting_pending = True
        box.save(update_fields=["greeting_text", "language", "greeting_pending"])
        transaction.on_commit(lambda: speak_greeting.enqueue(box.pk, text, language))
    return box


def do_store_spoken_greeting(box_id: int, text: str, language: str, audio: bytes) -> None:
    """The background task's result, unless the owner typed another text meanwhile."""
    with transaction.atomic():
        box = VoicemailBox.objects.select_for_update().filter(pk=box_id).first()
        if box is None or box.greeting_text != text or box.language != language:
            return
        _replace_greeting(box, audio, GreetingSource.SPOKEN)


def check_upload_greeting(box: VoicemailBox, upload: UploadedFile) -> VoicemailBox:
    """A WAV or MP3 the owner recorded becomes their greeting; anything else is refused
    and nothing changes."""
    converted, seconds = uploaded_to_telephone(upload, GREETING_UPLOAD_MAX_BYTES)
    if seconds > GREETING_SECONDS_MAX:
        raise OfficinaError.invalid_input(
            _("A greeting lasts at most %(seconds)s seconds.") % {"seconds": GREETING_SECONDS_MAX},
            field="audio",
        )
    if seconds < 0.3:
        raise OfficinaError.invalid_input(_("This recording is too short."), field="audio")
    with transaction.atomic():
        box = VoicemailBox.objects.select_for_update().get(pk=box.pk)
        box.greeting_pending = False
        _replace_greeting(box, converted, GreetingSource.UPLOADED)
    return box


def do_use_standard_greeting(box: VoicemailBox) -> None:
    with transaction.atomic():
        box = VoicemailBox.objects.select_for_update().get(pk=box.pk)
        old = box.greeting.name
        box.greeting = ""
        box.greeting_source = GreetingSource.STANDARD
        box.greeting_pending = False
        box.save(update_fields=["greeting", "greeting_source", "greeting_pending"])
        _delete_after_commit(old)


def _replace_greeting(box: VoicemailBox, audio: bytes, source: str) -> None:
    """Inside a transaction, as its last step: store the new file, point the box at it,
    and delete the old file only once the change is committed (a failed save removes the
    new file and leaves the old one in place)."""
    old = box.greeting.name
    box.greeting.save(f"{uuid.uuid4().hex}.wav", ContentFile(audio), save=False)
    new = box.greeting.name
    try:
        box.greeting_source = source
        box.greeting_pending = False
        box.save(update_fields=["greeting", "greeting_source", "greeting_pending"])
    except Exception:
        box.greeting.storage.delete(new)
        raise
    _delete_after_commit(old)


def _delete_after_commit(name: str) -> None:
    if name:
        storage = VoicemailMessage.audio.field.storage
        transaction.on_commit(lambda: storage.delete(name))


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A recording the PBX took, as it hands it over."""

    extension_id: int
    caller_number: str
    caller_name: str
    received_at: datetime
    wav: bytes
    duration: float


def do_store_message(message: NewMessage) -> VoicemailMessage | None:
    """Keep a message: its file, then its row; either both or neither. The owner is
    e-mailed in the background when they asked to be. None when the extension has gone."""
    from .tasks import mail_message

    box, _created = VoicemailBox.objects.get_or_create(extension_id=message.extension_id)
    storage = VoicemailMessage.audio.field.storage
    name = storage.save(f"voicemail/messages/{uuid.uuid4().hex}.wav", ContentFile(message.wav))
    try:
        with transaction.atomic():
            row = VoicemailMessage.objects.create(
                box=box,
                caller_number=message.caller_number[:64],
                caller_name=message.caller_name[:128],
                received_at=message.received_at,
                duration=round(message.duration, 2),
                audio=name,
            )
            if box.email_messages:
                transaction.on_commit(lambda: mail_message.enqueue(row.pk))
    except Exception:
        storage.delete(name)
        raise
    return row


def check_set_pin(box: VoicemailBox, pin: str) -> None:
    """The PIN that opens the box from another phone: 4 to 8 digits ("" removes it)."""
    if pin and not (pin.isascii() and pin.isdigit() and PIN_DIGITS[0] <= len(pin) <= PIN_DIGITS[1]):
        raise OfficinaError.invalid_input(
            _("A PIN has %(low)s to %(high)s digits.")
            % {"low": PIN_DIGITS[0], "high": PIN_DIGITS[1]},
            field="pin",
        )
    box.pin_hash = make_password(pin) if pin else ""
    box.save(update_fields=["pin_hash"])


def do_mark_heard_by_id(message_id: int) -> None:
    """A message heard on the phone (the PBX knows only its id)."""
    VoicemailMessage.objects.filter(pk=message_id, heard_at__isnull=True).update(
        heard_at=timezone.now()
    )


def do_delete_message_by_id(message_id: int) -> None:
    message = VoicemailMessage.objects.filter(pk=message_id).first()
    if message is not None:
        do_delete_message(message)


def do_mark_heard(message: VoicemailMessage) -> None:
    if message.heard_at is None:
        message.heard_at = timezone.now()
        message.save(update_fields=["heard_at"])


def do_delete_message(message: VoicemailMessage) -> None:
    name = message.audio.name
    with transaction.atomic():
        message.delete()
        _delete_after_commit(name)
