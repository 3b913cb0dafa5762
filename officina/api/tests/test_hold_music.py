"""/api/hold-music: a company's owners set and remove its hold music with the page's
checks; bad uploads are refused with the reason and change nothing; no one else gets in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from officina.accounts.models import Company
from officina.pbx.actions import HOLD_MUSIC_UPLOAD_MAX_BYTES, do_provision_extension
from officina.pbx.models import HoldMusic
from officina.pbx.selectors import hold_music_file_of_extension
from officina.pbx.tests.test_hold_music import music

URL = "/hold-music/studio-rossi"


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def audio(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="audio/mpeg")


def test_an_owner_sets_replaces_and_removes_the_music(api_as, giulia, marco, media_root):
    owner = api_as(giulia)
    assert owner.get(URL).json() == {
        "plays": "chime", "original_name": "", "seconds": None, "uploaded_at": None,
    }  # fmt: skip
    response = owner.upload(URL, audio=audio("theme.mp3", music(3.0, kind="MP3")))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["plays"] == "company" and body["original_name"] == "theme.mp3"
    assert 2.9 < body["seconds"] < 3.2
    first = HoldMusic.objects.get().audio.path
    # What the PBX plays for the company's people, as set through the page.
    assert hold_music_file_of_extension(do_provision_extension(marco).number) == first

    replaced = owner.upload(URL, audio=audio("other.wav", music(2.5)))
    assert replaced.json()["original_name"] == "other.wav"
    assert HoldMusic.objects.count() == 1 and HoldMusic.objects.get().audio.path != first

    assert owner.delete(URL).status_code == 204
    assert not HoldMusic.objects.exists()
    assert owner.get(URL).json()["plays"] == "chime"
    assert owner.delete(URL).status_code == 204  # nothing to remove: still the chime


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"not a sound at all", "This is not a WAV or MP3 file that can be played."),
        ("broken.wav", b"RIFF\x00\x00\x00\x00WAVEfmt ", "This is not a WAV or MP3 file"),
        ("short.wav", music(1.0), "Hold music lasts at least 2 seconds."),
        ("long.wav", music(601.0, rate=8000, channels=1), "Hold music lasts at most 10 minutes."),
        ("huge.wav", b"\x00" * (HOLD_MUSIC_UPLOAD_MAX_BYTES + 1), "larger than 10 MB"),
    ],
)
def test_bad_uploads_get_the_reason_and_change_nothing(
    api_as, giulia, media_root, name, content, message
):
    owner = api_as(giulia)
    owner.upload(URL, audio=audio("kept.wav", music(2.5)))
    kept = HoldMusic.objects.get().audio.path
    response = owner.upload(URL, audio=audio(name, content))
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "INVALID_INPUT"
    assert message in response.json()["message"]
    assert HoldMusic.objects.get().audio.path == kept and Path(kept).exists()
    assert sorted(p.name for p in (media_root / "pbx" / "hold-music").iterdir()) == [
        Path(kept).name
    ]


def test_no_file_is_a_validation_error(api_as, giulia, media_root):
    response = api_as(giulia).upload(URL)
    assert response.status_code == 422 and not HoldMusic.objects.exists()


def test_only_the_owners_reach_it(api_as, marco, sara, media_root):
    # Marco works at the studio but does not own it; Sara owns another company.
    for member in (marco, sara):
        client = api_as(member)
        assert client.get(URL).status_code == 404
        assert client.upload(URL, audio=audio("theme.wav", music(2.5))).status_code == 404
        assert client.delete(URL).status_code == 404
    assert api_as(None).get(URL).status_code == 401
    assert not HoldMusic.objects.exists()
    assert Company.objects.filter(slug="studio-rossi").exists()


def test_the_schema_documents_it(api_as, giulia):
    schema = api_as(giulia).get("/openapi.json").json()
    operations = schema["paths"]["/api/hold-music/{slug}"]
    assert set(operations) == {"get", "post", "delete"}
    body = operations["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body
