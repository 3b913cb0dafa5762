"""Background work of voicemail: speaking a typed greeting, e-mailing a new message."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from .actions import do_store_spoken_greeting
from .models import VoicemailMessage
from .sound import speak


@task()
def speak_greeting(box_id: int, text: str, language: str) -> None:
    do_store_spoken_greeting(box_id, text, language, speak(text, language))


@task()
def mail_message(message_id: int) -> bool:
    """Send the owner their new message, the recording attached."""
    message = (
        VoicemailMessage.objects.filter(pk=message_id)
        .select_related("box__extension__member")
        .first()
    )
    if message is None or message.box.extension.member is None:
        return False  # deleted before the mail went out
    member = message.box.extension.member
    with translation.override(member.language or settings.LANGUAGE_CODE):
        subject = _("Voicemail from %(caller)s") % {
            "caller": message.caller_name or message.caller_number
        }
        body = render_to_string(
            "voicemail/message_email.txt",
            {"message": message, "member": member, "site_url": settings.SITE_URL},
        )
    mail = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [member.email])
    with message.audio.open("rb") as audio:
        mail.attach(f"voicemail-{message.received_at:%Y%m%d-%H%M%S}.wav", audio.read(), "audio/wav")
    mail.send()
    return True
