"""Photos of a resource: added by the space's managers (real JPEG, PNG or WebP images,
re-encoded), reordered and removed; shown to whoever sees the resource, on its page,
on the space's day and in a search's answer."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from officina.bookings.actions import (
    check_add_resource_photo,
    check_move_resource_photo,
    check_remove_resource_photo,
    check_update_resource,
)
from officina.bookings.models import ResourcePhoto
from officina.bookings.photos import MAX_PHOTO_BYTES, MAX_PHOTOS, PHOTO_LONGEST_SIDE
from officina.bookings.tests.fixtures import EVERY_DAY, photo_bytes
from officina.core.errors import ErrorCode, OfficinaError

pytestmark = pytest.mark.django_db


def upload(data: bytes, name: str = "room.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def add(manager: Any, resource: Any, caption: str = "", data: bytes | None = None) -> ResourcePhoto:
    return check_add_resource_photo(
        manager, resource, upload(data or photo_bytes()), caption=caption
    )


def stored_image(photo: ResourcePhoto) -> Image.Image:
    with photo.image.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
    return image


class TestActions:
    @pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
    def test_a_photo_is_stored_re_encoded_without_its_metadata(self, luca, room, image_format):
        photo = add(luca, room, "The long table", photo_bytes(image_format, (4000, 3000)))
        image = stored_image(photo)
        assert image.format == "JPEG"
        assert max(image.size) == PHOTO_LONGEST_SIDE
        assert 0x010F not in image.getexif()
        assert (photo.caption, photo.position) == ("The long table", 0)

    def test_without_a_caption_the_resource_name_describes_it(self, luca, room):
        assert add(luca, room, "  ").caption == "Sala Brera"

    def test_photos_keep_their_order_and_move_one_place_at_a_time(self, luca, room):
        first, second, third = (add(luca, room, name) for name in ("one", "two", "three"))
        check_move_resource_photo(luca, room, third.pk, earlier=True)
        assert [photo.caption for photo in room.photos.all()] == ["one", "three", "two"]
        check_move_resource_photo(luca, room, first.pk, earlier=True)  # first already
        check_move_resource_photo(luca, room, second.pk, earlier=False)  # last already
        assert [photo.caption for photo in room.photos.all()] == ["one", "three", "two"]

    def test_a_removed_photo_leaves_no_file(self, luca, room, django_capture_on_commit_callbacks):
        photo = add(luca, room)
        storage, name = photo.image.storage, photo.image.name
        with django_capture_on_commit_callbacks(execute=True):
            check_remove_resource_photo(luca, room, photo.pk)
        assert not room.photos.exists()
        assert not storage.exists(name)
        with pytest.raises(OfficinaError) as removed:
            check_remove_resource_photo(luca, room, photo.pk)
        assert removed.value.code == ErrorCode.NOT_FOUND

    def test_at_most_six_photos(self, luca, room):
        for _ in range(MAX_PHOTOS):
            add(luca, room)
        with pytest.raises(OfficinaError) as refused:
            add(luca, room)
        assert refused.value.details == {"field": "photo"}
        assert "at most 6 photos" in str(refused.value.message)
        assert room.photos.count() == MAX_PHOTOS

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"MZ\x90\x00" + b"\x00" * 4000, "Use a JPEG, PNG or WebP image."),
            (b"%PDF-1.7\n" + b"x" * 4000, "Use a JPEG, PNG or WebP image."),
            (photo_bytes("GIF"), "Use a JPEG, PNG or WebP image."),
            # A JPEG's signature followed by nothing Pillow can decode.
            (b"\xff\xd8\xff\xe0" + b"\x00" * 4000, "This file is not an image we can read."),
            (b"\xff\xd8\xff" + b"\x00" * MAX_PHOTO_BYTES, "The photo is too large: at most 5 MB."),
        ],
        ids=["program", "pdf", "gif", "broken-jpeg", "too-big"],
    )
    def test_bad_files_are_refused_and_change_nothing(self, luca, room, data, message):
        with pytest.raises(OfficinaError) as refused:
            check_add_resource_photo(luca, room, upload(data, "room.jpg"))
        assert str(refused.value.message) == message
        assert refused.value.details == {"field": "photo"}
        assert not ResourcePhoto.objects.exists()

    def test_only_a_manager_of_the_space_changes_photos(self, luca, giulia, room):
        photo = add(luca, room)
        for change in (
            lambda: add(giulia, room),
            lambda: check_remove_resource_photo(giulia, room, photo.pk),
            lambda: check_move_resource_photo(giulia, room, photo.pk, earlier=True),
        ):
            with pytest.raises(OfficinaError) as refused:
                change()
            assert refused.value.code == ErrorCode.NOT_FOUND
        assert list(room.photos.all()) == [photo]


class TestManagerPage:
    def url(self, resource: Any) -> str:
        return reverse("bookings:resource_photos", args=[resource.pk])

    @pytest.mark.parametrize(
        ("language", "added", "refused"),
        [
            ("en", "Photo added.", "Use a JPEG, PNG or WebP image."),
            ("it", "Foto aggiunta.", "Usa un&#x27;immagine JPEG, PNG o WebP."),
        ],
    )
    def test_add_a_photo_and_a_disguised_file_is_refused(
        self, client_for, luca, room, language, added, refused
    ):
        client = client_for(luca)
        response = client.post(
            self.url(room),
            {"photo": upload(photo_bytes("PNG"), "sala.png"), "caption": "Il tavolo"},
            HTTP_ACCEPT_LANGUAGE=language,
            follow=True,
        )
        assert response.status_code == 200
        assert added in response.text
        (photo,) = room.photos.all()
        assert 'alt="Il tavolo"' in response.text
        disguised = upload(b"#!/bin/sh\nrm -rf /\n" * 100, "sala.jpg")
        response = client.post(
            self.url(room), {"photo": disguised, "caption": ""}, HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 400
        assert refused in response.text
        assert list(room.photos.all()) == [photo]

    def test_reorder_and_remove_from_the_page(self, client_for, luca, room):
        first, second = add(luca, room, "one"), add(luca, room, "two")
        client = client_for(luca)
        change = reverse("bookings:resource_photo_change", args=[room.pk, second.pk])
        client.post(change, {"action": "earlier"})
        assert [photo.caption for photo in room.photos.all()] == ["two", "one"]
        response = client.post(change, {"action": "remove"}, follow=True)
        assert "Photo removed." in response.text
        assert list(room.photos.all()) == [first]
        response = client.get(self.url(room))
        assert "Remove the photo “one”?" in response.text  # the page asks before removing

    def test_the_page_is_for_the_managers_only(self, client_for, giulia, room):
        assert client_for(giulia).get(self.url(room)).status_code == 404


class TestWhereTheyAreShown:
    def test_resource_page_space_day_and_search_show_the_photos(
        self, client_for, luca, giulia, room, tomorrow
    ):
        first, second = add(luca, room, "The long table"), add(luca, room, "The window")
        client = client_for(giulia)
        page = client.get(reverse("bookings:resource", args=[room.pk])).text
        assert f'<img src="{first.url}" alt="The long table" loading="lazy"' in page
        assert f'<img src="{second.url}" alt="The window" loading="lazy"' in page
        day = client.get(reverse("bookings:space", args=["navigli"])).text
        assert f'src="{first.url}" alt="The long table"' in day
        assert second.url not in day
        found = client.get(
            reverse("bookings:find", args=["navigli"]),
            {"day": tomorrow.isoformat(), "earliest": "10:00", "latest": "12:00",
             "minutes": 60, "people": 2},
        ).text  # fmt: skip
        assert f'src="{first.url}" alt="The long table"' in found

    def test_a_photo_is_served_to_whoever_sees_the_resource(
        self, client, client_for, luca, giulia, sara, room
    ):
        photo = add(luca, room)
        response = client_for(giulia).get(photo.url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
        assert client_for(sara).get(photo.url).status_code == 404
        assert client.get(photo.url).status_code == 302  # to sign in
        wrong_name = reverse("bookings:photo", args=[photo.pk, "other.jpg"])
        assert client_for(giulia).get(wrong_name).status_code == 404

    def test_a_resource_not_bookable_shows_its_photos_to_its_managers_only(
        self, client_for, luca, giulia, room
    ):
        photo = add(luca, room)
        check_update_resource(luca, room, hours=EVERY_DAY, is_active=False)
        assert client_for(giulia).get(photo.url).status_code == 404
        assert client_for(luca).get(photo.url).status_code == 200


def test_the_admin_edits_captions_and_neither_adds_nor_deletes_photos(
    client_for, admin, luca, room
):
    photo = add(luca, room, "The long table")
    page = client_for(admin).get(reverse("admin:bookings_resource_change", args=[room.pk]))
    assert page.status_code == 200
    assert "The long table" in page.text
    assert 'name="photos-0-caption"' in page.text
    assert 'name="photos-0-DELETE"' not in page.text
    assert "Add another Resource photo" not in page.text
    assert ResourcePhoto.objects.get(pk=photo.pk).caption == "The long table"
