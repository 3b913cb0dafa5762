"""Avatar uploads: real images are re-encoded; anything else is refused and changes nothing."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from officina.social.actions import get_or_create_profile
from officina.social.avatars import AVATAR_SIDE, THUMBNAIL_SIDE
from officina.social.models import Profile

pytestmark = pytest.mark.django_db


def image_bytes(
    size: tuple[int, int] = (640, 480),
    image_format: str = "PNG",
    mode: str = "RGB",
    color: tuple[int, ...] = (200, 40, 40),
) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=image_format)
    return buffer.getvalue()


def upload(
    data: bytes, name: str = "avatar.png", content_type: str = "image/png"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def post_profile(client: Any, avatar: SimpleUploadedFile | None = None, **fields: str) -> Any:
    data: dict[str, Any] = {"headline": "Sviluppatrice", "bio": "Ciao", "links": "", **fields}
    if avatar is not None:
        data["avatar"] = avatar
    return client.post("/profile/edit/", data)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (image_bytes(), "a.png"),
        (image_bytes(image_format="JPEG"), "a.jpg"),
        (image_bytes(image_format="WEBP"), "a.webp"),
        (image_bytes(mode="RGBA", color=(0, 0, 0, 0)), "transparent.png"),
        (image_bytes(size=(100, 3000)), "tall.png"),
    ],
)
def test_real_images_are_stored_re_encoded(client_for, giulia, data, name):
    response = post_profile(client_for(giulia), upload(data, name))
    assert response.status_code == 302
    profile = Profile.objects.get(member=giulia)
    with Image.open(profile.avatar.path) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (AVATAR_SIDE, AVATAR_SIDE)
    with Image.open(profile.avatar_thumbnail.path) as thumbnail:
        assert thumbnail.size == (THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    assert profile.headline == "Sviluppatrice"


def _bomb_png() -> bytes:
    # 7000 × 7000 of one colour compresses to a few kilobytes: small file, huge image.
    return image_bytes(size=(7000, 7000), color=(0, 0, 0))


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"this is not an image at all" * 10, "garbage.png", "not an image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "truncated.png", "not an image"),
        (image_bytes()[:200], "cut.png", "not an image"),
        (b"GIF89a" + b"<script>alert(1)</script>" * 5, "polyglot.gif", "not an image"),
        (image_bytes(image_format="BMP"), "bitmap.png", "JPEG, PNG, WebP or GIF"),
        (image_bytes(image_format="TIFF"), "scan.png", "JPEG, PNG, WebP or GIF"),
        (image_bytes(size=(10, 10)), "tiny.png", "too small"),
        (_bomb_png(), "bomb.png", "too big"),
        (b"\xff\xd8\xff" + b"a" * (4 * 1024 * 1024 + 10), "huge.jpg", "too large"),
    ],
)
def test_bad_uploads_change_nothing(client_for, giulia, data, name, message):
    profile = get_or_create_profile(giulia)
    profile.headline = "Prima"
    profile.save()
    response = post_profile(client_for(giulia), upload(data, name), headline="Dopo")
    assert response.status_code == 400
    assert message in response.content.decode()
    profile.refresh_from_db()
    assert profile.headline == "Prima"
    assert not profile.avatar
    assert not profile.avatar_thumbnail


def test_replacing_an_avatar_removes_the_old_files(
    client_for, giulia, django_capture_on_commit_callbacks
):
    client = client_for(giulia)
    post_profile(client, upload(image_bytes()))
    first = Profile.objects.get(member=giulia)
    first_path, first_thumb = first.avatar.path, first.avatar_thumbnail.path
    with django_capture_on_commit_callbacks(execute=True):
        post_profile(client, upload(image_bytes(color=(0, 0, 255))))
    second = Profile.objects.get(member=giulia)
    assert second.avatar.name != first.avatar.name
    assert not os.path.exists(first_path)
    assert not os.path.exists(first_thumb)
    assert os.path.exists(second.avatar.path)


def test_bad_upload_keeps_the_previous_avatar(client_for, giulia):
    client = client_for(giulia)
    post_profile(client, upload(image_bytes()))
    before = Profile.objects.get(member=giulia).avatar.name
    response = post_profile(client, upload(b"garbage" * 100, "x.png"))
    assert response.status_code == 400
    assert Profile.objects.get(member=giulia).avatar.name == before


def test_remove_avatar(client_for, giulia):
    client = client_for(giulia)
    post_profile(client, upload(image_bytes()))
    post_profile(client, remove_avatar="on")
    assert not Profile.objects.get(member=giulia).avatar


@pytest.mark.parametrize(
    "links",
    [
        "javascript:alert(1)",
        "ftp://example.com/file",
        "not a url",
        "\n".join(f"https://example.com/{n}" for n in range(6)),
        "https://example.com/" + "a" * 300,
    ],
)
def test_bad_links_change_nothing(client_for, giulia, links):
    response = post_profile(client_for(giulia), links=links, headline="Nuovo")
    assert response.status_code == 400
    assert get_or_create_profile(giulia).headline == ""


def test_good_links_are_kept_in_order_without_duplicates(client_for, giulia):
    links = "https://giulia.example\n\nhttp://github.com/giulia\nhttps://giulia.example"
    post_profile(client_for(giulia), links=links)
    assert get_or_create_profile(giulia).links == [
        "https://giulia.example",
        "http://github.com/giulia",
    ]


def test_avatar_is_served_to_members_only(client, client_for, giulia, marco):
    post_profile(client_for(giulia), upload(image_bytes()))
    profile = Profile.objects.get(member=giulia)
    url = f"/members/{giulia.pk}/avatar/thumb/{profile.avatar_version}.jpg"
    response = client_for(marco).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert client.get(url).status_code == 302  # visitors go to the login page
    giulia.is_active = False
    giulia.save()
    assert client_for(marco).get(url).status_code == 404


def test_member_without_avatar_has_none(client_for, giulia, marco):
    assert client_for(marco).get(f"/members/{giulia.pk}/avatar/large/none.jpg").status_code == 404
