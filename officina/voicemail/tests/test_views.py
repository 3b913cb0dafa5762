"""The voicemail page through HTTP: only the owner reaches a message; bad greetings are
refused with a translated error and change nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from officina.accounts.models import Member
from officina.pbx.actions import do_provision_extension
from officina.voicemail.actions import NewMessage, do_open_box, do_store_message
from officina.voicemail.kinds import GREETING_UPLOAD_MAX_BYTES
from officina.voicemail.models import VoicemailBox, VoicemailMessage
from officina.voicemail.sound import read_telephone_wav, wav_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what actions leave for after their commit (mail, file deletion, tasks)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def a_message(
    member: Member, committed: Callable[[], Any], seconds: float = 2.0
) -> VoicemailMessage:
    extension = do_provision_extension(member)
    t = np.arange(int(8000 * seconds)) / 8000
    samples = (np.sin(2 * np.pi * 300 * t) * 8000).astype(np.int16)
    with committed():
        row = do_store_message(
            NewMessage(
                extension.pk, "205", "Marco Bianchi", datetime.now(UTC), wav_bytes(samples), seconds
            )
        )
    assert row is not None
    return row


def test_a_stored_message_is_mailed_with_its_audio(giulia, committed):
    message = a_message(giulia, committed)
    (sent,) = mail.outbox
    assert sent.to == [giulia.email]
    assert "Marco Bianchi" in sent.subject
    (attachment,) = sent.attachments
    assert attachment[2] == "audio/wav"
    assert len(read_telephone_wav(attachment[1])) == 16000
    assert message.audio.name.startswith("voicemail/messages/")


def test_the_owner_lists_plays_marks_and_deletes(client, giulia, committed):
    message = a_message(giulia, committed)
    client.force_login(giulia)
    page = client.get("/phone/voicemail/")
    assert page.status_code == 200
    assert (
        b"Marco Bianchi" in page.content
        and f"/phone/voicemail/{message.pk}.wav".encode() in page.content
    )
    audio = client.get(f"/phone/voicemail/{message.pk}.wav")
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/wav"
    assert b"".join(audio.streaming_content)[:4] == b"RIFF"
    assert client.post(f"/phone/voicemail/{message.pk}/heard/").status_code == 302
    message.refresh_from_db()
    assert message.heard_at is not None
    name = message.audio.name
    storage = message.audio.storage
    with committed():
        assert client.post(f"/phone/voicemail/{message.pk}/delete/").status_code == 302
    assert not VoicemailMessage.objects.exists()
    assert not storage.exists(name)


def test_nobody_else_reaches_a_message(client, giulia, marco, committed):
    message = a_message(giulia, committed)
    client.force_login(marco)
    assert client.get(f"/phone/voicemail/{message.pk}.wav").status_code == 404
    assert client.get("/phone/voicemail/999999.wav").status_code == 404
    assert client.post(f"/phone/voicemail/{message.pk}/delete/").status_code == 404
    assert VoicemailMessage.objects.filter(pk=message.pk).exists()
    client.logout()
    assert client.get(f"/phone/voicemail/{message.pk}.wav").status_code == 302  # to sign-in


def test_an_uploaded_wav_becomes_the_greeting(client, giulia):
    client.force_login(giulia)
    t = np.arange(44100 * 2) / 44100
    stereo = np.stack([np.sin(2 * np.pi * 440 * t)] * 2, axis=1)
    import soundfile

    data = io.BytesIO()
    soundfile.write(data, stereo, 44100, format="WAV", subtype="PCM_16")
    upload = SimpleUploadedFile("hello.wav", data.getvalue(), content_type="audio/wav")
    response = client.post("/phone/voicemail/greeting/upload/", {"audio": upload})
    assert response.status_code == 302
    box = VoicemailBox.objects.get()
    assert box.greeting_source == "uploaded"
    assert len(read_telephone_wav(box.greeting.read())) == pytest.approx(16000, abs=10)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"this is not a sound at all" * 10, "not a WAV or MP3"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 40, "not a WAV or MP3"),
        (b"\x00" * (GREETING_UPLOAD_MAX_BYTES + 1), "larger than 5 MB"),
    ],
)
def test_bad_uploads_are_refused_and_change_nothing(client, giulia, content, expected):
    client.force_login(giulia)
    box = do_open_box(do_provision_extension(giulia))
    upload = SimpleUploadedFile("greeting.wav", content, content_type="audio/wav")
    response = client.post("/phone/voicemail/greeting/upload/", {"audio": upload})
    assert response.status_code == 400
    assert expected in response.content.decode()
    box.refresh_from_db()
    assert box.greeting_source == "standard" and not box.greeting


def test_a_typed_greeting_is_spoken_in_italian(client, giulia, committed):
    client.force_login(giulia)
    with committed():
        response = client.post(
            "/phone/voicemail/greeting/spoken/",
            {"text": "Ciao, sono Giulia. Lasciate un messaggio.", "language": "it"},
        )
    assert response.status_code == 302
    box = VoicemailBox.objects.get()
    assert box.greeting_source == "spoken" and not box.greeting_pending  # tasks run at once here
    samples = read_telephone_wav(box.greeting.read())
    assert len(samples) > 8000 and np.abs(samples).max() > 3000


def test_settings_are_bounded(client, giulia):
    client.force_login(giulia)
    response = client.post("/phone/voicemail/settings/", {"enabled": "on", "ring_seconds": "2"})
    assert response.status_code == 400
    assert VoicemailBox.objects.get().ring_seconds == 25
    client.post("/phone/voicemail/settings/", {"enabled": "on", "ring_seconds": "12"})
    assert VoicemailBox.objects.get().ring_seconds == 12


def test_a_pin_opens_the_box_from_another_phone_and_nothing_else_does(client, giulia):
    from officina.voicemail.selectors import extension_by_pin

    client.force_login(giulia)
    extension = do_provision_extension(giulia)
    for bad in ("12", "12ab", "123456789", "١٢٣٤"):
        assert client.post("/phone/voicemail/pin/", {"pin": bad}).status_code == 400
    assert VoicemailBox.objects.get().pin_hash == ""
    assert extension_by_pin(extension.number, "") is None
    assert client.post("/phone/voicemail/pin/", {"pin": "4321"}).status_code == 302
    assert "4321" not in VoicemailBox.objects.get().pin_hash
    assert extension_by_pin(extension.number, "4321") == extension.pk
    assert extension_by_pin(extension.number, "4320") is None
    assert extension_by_pin("999", "4321") is None


def test_a_message_whose_row_fails_leaves_no_file(giulia):
    from django.db import IntegrityError

    extension = do_provision_extension(giulia)
    storage = VoicemailMessage.audio.field.storage
    before = (
        set(storage.listdir("voicemail/messages")[1])
        if storage.exists("voicemail/messages")
        else set()
    )
    no_time: Any = None  # a row the database refuses (received_at is required)
    broken = NewMessage(
        extension.pk, "205", "", no_time, wav_bytes(np.zeros(800, dtype=np.int16)), 0.1
    )
    with pytest.raises(IntegrityError):
        do_store_message(broken)
    assert set(storage.listdir("voicemail/messages")[1]) == before
    assert not VoicemailMessage.objects.exists()
