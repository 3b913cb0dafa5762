"""A company's own hold music through HTTP: its owners upload WAV or MP3, converted by
sox to 8 kHz; bad files are refused with a clear error and change nothing; the PBX finds
the music of a holder's company."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from officina.accounts.kinds import CompanyRole
from officina.accounts.models import Company, CompanyMembership, Member
from officina.pbx.actions import (
    HOLD_MUSIC_UPLOAD_MAX_BYTES,
    check_upload_hold_music,
    do_provision_extension,
    do_remove_hold_music,
)
from officina.pbx.models import HoldMusic
from officina.pbx.selectors import hold_music_file_of_extension
from officina.voicemail.sound import read_telephone_wav

pytestmark = pytest.mark.django_db

URL = "/companies/studio/hold-music/"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what actions leave for after their commit (the old file's deletion)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def studio() -> Company:
    return Company.objects.create(name="Studio srl", slug="studio")


def person(email: str, company: Company, role: str) -> Member:
    member = Member.objects.create_user(email=email, password="pw-123456789", first_name="A")
    CompanyMembership.objects.create(member=member, company=company, role=role)
    return member


def music(
    seconds: float,
    kind: str = "WAV",
    rate: int = 44100,
    channels: int = 2,
    notes: tuple[float, ...] = (600.0, 900.0),
) -> bytes:
    """Notes played at once (600 and 900 Hz unless told) as a WAV or MP3 file."""
    t = np.arange(int(rate * seconds)) / rate
    chord = sum(0.3 * np.sin(2 * np.pi * note * t) for note in notes)
    frames = np.stack([chord] * channels, axis=1)
    data = io.BytesIO()
    if kind == "MP3":
        soundfile.write(data, frames, rate, format="MP3")
    else:
        soundfile.write(data, frames, rate, format="WAV", subtype="PCM_16")
    return data.getvalue()


def upload(client: Any, name: str, content: bytes) -> Any:
    return client.post(URL, {"audio": SimpleUploadedFile(name, content, content_type="audio/mpeg")})


def test_an_owner_uploads_an_mp3_and_the_pbx_plays_it_for_the_companys_people(
    client: Client, studio: Company, committed: Callable[[], Any]
) -> None:
    owner = person("giulia@example.org", studio, CompanyRole.OWNER)
    marco = person("marco@example.org", studio, CompanyRole.MEMBER)
    number = do_provision_extension(marco).number
    client.force_login(owner)
    assert "standard chime" in client.get(URL).content.decode()
    assert hold_music_file_of_extension(number) is None  # the chime

    response = upload(client, "jingle.mp3", music(3.0, "MP3"))
    assert response.status_code == 302
    stored = HoldMusic.objects.get(company=studio)
    samples = read_telephone_wav(stored.audio.read())  # 8 kHz mono 16-bit, or it raises
    assert len(samples) == pytest.approx(24000, abs=1200)  # MP3 pads a little
    assert stored.original_name == "jingle.mp3"
    assert hold_music_file_of_extension(number) == stored.audio.path
    assert "jingle.mp3" in client.get(URL).content.decode()

    first = Path(stored.audio.path)
    with committed():
        assert upload(client, "theme.wav", music(4.0)).status_code == 302
    again = HoldMusic.objects.get(company=studio)
    assert again.original_name == "theme.wav" and again.seconds == pytest.approx(4.0, abs=0.01)
    assert not first.exists() and Path(again.audio.path).exists()

    with committed():
        assert client.post(URL, {"remove": "1"}).status_code == 302
    assert not HoldMusic.objects.exists() and not Path(again.audio.path).exists()
    assert hold_music_file_of_extension(number) is None


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"this is not a sound at all" * 10, "not a WAV or MP3"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 40, "not a WAV or MP3"),
        (b"\x00" * (HOLD_MUSIC_UPLOAD_MAX_BYTES + 1), "larger than 10 MB"),
        (music(1.0), "at least 2 seconds"),
        (music(601.0, rate=8000, channels=1), "at most 10 minutes"),
    ],
    ids=["text", "broken-wav", "too-large", "too-short", "too-long"],
)
def test_bad_uploads_are_refused_and_change_nothing(client, studio, settings, content, expected):
    client.force_login(person("giulia@example.org", studio, CompanyRole.OWNER))
    response = upload(client, "music.wav", content)
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not HoldMusic.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).glob("pbx/hold-music/*"))


def test_only_owners_reach_the_page(client, studio):
    client.force_login(person("marco@example.org", studio, CompanyRole.MEMBER))
    assert client.get(URL).status_code == 404
    assert upload(client, "jingle.wav", music(3.0)).status_code == 404
    assert not HoldMusic.objects.exists()
    client.logout()
    assert client.get(URL).status_code == 302  # to sign-in


def test_the_page_and_its_errors_speak_italian(client: Client, studio: Company) -> None:
    client.force_login(person("giulia@example.org", studio, CompanyRole.OWNER))
    page = html.unescape(client.get(URL, HTTP_ACCEPT_LANGUAGE="it").content.decode())
    assert "Musica d'attesa di Studio srl" in page
    response = client.post(
        URL,
        {"audio": SimpleUploadedFile("a.wav", music(1.0), content_type="audio/wav")},
        HTTP_ACCEPT_LANGUAGE="it",
    )
    assert "La musica d'attesa dura almeno 2 secondi." in html.unescape(response.content.decode())


def test_a_member_of_several_companies_holds_with_the_music_of_the_primary_one(
    studio: Company,
) -> None:
    """``CompanyMembership.is_primary`` says which company is a member's own; without
    one marked, the company joined first."""
    other = Company.objects.create(name="Altro srl", slug="altro")
    member = Member.objects.create_user(email="pia@example.org", password="pw-123456789")
    first = CompanyMembership.objects.create(member=member, company=other)  # joined first
    second = CompanyMembership.objects.create(member=member, company=studio)
    number = do_provision_extension(member).number
    files = {}
    for company in (other, studio):
        upload = SimpleUploadedFile(f"{company.slug}.wav", music(2.5))
        files[company.slug] = check_upload_hold_music(company, upload).audio.path
    assert hold_music_file_of_extension(number) == files["altro"]  # none marked primary

    second.is_primary = True
    second.save()
    assert hold_music_file_of_extension(number) == files["studio"]

    second.is_primary, first.is_primary = False, True
    second.save()
    first.save()
    assert hold_music_file_of_extension(number) == files["altro"]
    do_remove_hold_music(other)  # the primary company has none: the chime, not the other's
    assert hold_music_file_of_extension(number) is None
