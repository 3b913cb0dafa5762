"""Removing a company or a space in the admin removes its phone system with it (trunks
and numbers, ring groups, menus): refused, on its delete page and in bulk, while calls
come to one of its groups or menus from outside it (another owner's group overflowing
there, anyone's own call forwarding: members outlive it), naming every route in the
staff member's language; nothing goes. Routes inside it go with it, and what the PBX
reads afterwards routes nowhere that is gone. The removal waits for a route being
saved: ``trunks/tests/test_routed_to_race.py``. Once the removal commits, the stored
files of everything removed with it go (a menu's greeting, the hold music, the logo, a
space's resources' photos); a removal refused keeps them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from officina.accounts.models import Company, Member, Space
from officina.attendant.actions import MenuInput, check_save_menu
from officina.attendant.models import Menu
from officina.attendant.selectors import menu_plans
from officina.bookings.actions import check_add_resource_photo, check_create_resource
from officina.bookings.tests.fixtures import EVERY_DAY, photo_bytes
from officina.pbx.actions import (
    ForwardingInput,
    check_set_forwarding,
    check_upload_hold_music,
    do_provision_extension,
)
from officina.pbx.tests.test_hold_music import music as tune
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group
from officina.ringgroups.models import RingGroup
from officina.ringgroups.selectors import ring_group_plans
from officina.trunks.actions import NumberInput, TrunkInput, check_save_number, check_save_trunk
from officina.trunks.models import PhoneNumber, Trunk
from officina.trunks.selectors import trunk_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_of_its_own(settings, tmp_path):
    """Files stored here (and those a refused removal keeps) stay out of the media folder
    other tests of the same worker look into."""
    settings.MEDIA_ROOT = tmp_path / "media"


SPACES = "/admin/accounts/space/"
COMPANIES = "/admin/accounts/company/"


def overflowing_from_company_to_space(
    studio_rossi: Company, navigli: Space, giulia: Member, marco: Member
) -> RingGroup:
    """Navigli's group 640, which Studio Rossi's group 651 sends calls to out of hours."""
    desk = check_save_ring_group(
        navigli, RingGroupInput(name="Desk", number="640", member_ids=[marco.pk])
    )
    check_save_ring_group(
        studio_rossi,
        RingGroupInput(
            name="Late", number="651", member_ids=[giulia.pk], out_of_hours_number="640"
        ),
    )
    return desk


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            "The space “Officina Navigli” stays. In use from outside: calls come to ring "
            "group 640 from ring group 651 out of hours. Send them elsewhere first.",
        ),
        (
            "it",
            "Lo spazio “Officina Navigli” resta. In uso da fuori: arrivano chiamate a: il "
            "gruppo di chiamata 640, da: il gruppo di chiamata 651 fuori orario. Prima "
            "mandale altrove.",
        ),
    ],
)
def test_a_space_another_owners_group_overflows_to_stays(
    client_for, admin, navigli, studio_rossi, giulia, marco, language, words
):
    admin.language = language
    admin.save(update_fields=["language"])
    desk = overflowing_from_company_to_space(studio_rossi, navigli, giulia, marco)
    client = client_for(admin)
    for ask in (client.get, client.post):
        answer = ask(f"{SPACES}{navigli.pk}/delete/", {"post": "yes"}, follow=True)
        assert answer.redirect_chain == [(f"{SPACES}{navigli.pk}/change/", 302)]
        assert words in answer.content.decode()
    assert Space.objects.filter(pk=navigli.pk).exists()
    assert RingGroup.objects.filter(pk=desk.pk).exists()
    # The company, whose group overflows there, goes: nothing routes to its own groups.
    answer = client.post(f"{COMPANIES}{studio_rossi.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302
    assert list(RingGroup.objects.values_list("number", flat=True)) == ["640"]


def test_a_company_a_members_forwarding_goes_to_stays_whole_in_bulk(
    client_for, admin, studio_rossi, panificio, giulia, sara
):
    evening = check_save_menu(
        studio_rossi, MenuInput(name="Evening", number="501", greeting_text="Closed.")
    )
    # Sara, of another company, and Giulia, of this one: both outlive the company.
    theirs = do_provision_extension(sara)
    check_set_forwarding(theirs, ForwardingInput(always="501"))
    own = do_provision_extension(giulia)
    check_set_forwarding(own, ForwardingInput(busy="501"))
    client = client_for(admin)
    selected = {
        "action": "delete_unless_routed_to",
        "_selected_action": [studio_rossi.pk, panificio.pk],
    }
    for step in ({}, {"post": "yes"}):  # the confirmation page, then its answer
        answer = client.post(COMPANIES, {**selected, **step}, follow=True)
        assert answer.redirect_chain == [(COMPANIES, 302)]
        page = answer.content.decode()
        assert (
            "The company “Studio Rossi” stays. In use from outside: calls come to menu 501 "
            f"from the call forwarding of Sara Bianchi ({theirs.number}), the call forwarding "
            f"of Giulia Rossi ({own.number}). Send them elsewhere first."
        ) in page
        assert "No company was removed." in page
        assert "Panificio Bianchi” stays" not in page
    assert Company.objects.filter(pk__in=[studio_rossi.pk, panificio.pk]).count() == 2
    assert Menu.objects.filter(pk=evening.pk).exists()
    # The site's own bulk removal, which knows nothing of routes, is not offered.
    assert "delete_selected" not in client.get(COMPANIES).content.decode()
    client.post(
        COMPANIES,
        {"action": "delete_selected", "_selected_action": [studio_rossi.pk], "post": "yes"},
    )
    assert Company.objects.filter(pk=studio_rossi.pk).exists()


def test_routes_inside_the_owner_go_with_it_and_the_pbx_reads_nothing_gone(
    client_for, admin, studio_rossi, navigli, giulia, marco, sara
):
    person = do_provision_extension(giulia).number
    desk = check_save_ring_group(
        studio_rossi, RingGroupInput(name="Desk", number="650", member_ids=[giulia.pk])
    )
    check_save_ring_group(
        studio_rossi,
        RingGroupInput(name="Late", number="651", member_ids=[marco.pk], out_of_hours_number="650"),
    )
    check_save_menu(studio_rossi, MenuInput(name="Evening", number="501", greeting_text="Hi."))
    check_save_menu(
        studio_rossi,
        MenuInput(
            name="Day",
            number="500",
            greeting_text="Hello.",
            out_of_hours_number="501",
            options={"1": ("ring_group", "650"), "2": ("menu", "501")},
        ),
    )
    trunk = check_save_trunk(studio_rossi, TrunkInput(name="Line", host="sip.example", mode="peer"))
    check_save_number(
        studio_rossi,
        NumberInput(
            "0255510001", trunk.pk, "menu", "500", after_hours_kind="ring_group",
            after_hours_target="650", forward_when="always", forward_kind="extension",
            forward_target=person,
        ),
    )  # fmt: skip
    # Another owner's phone system, which stays as it is.
    other = check_save_ring_group(
        navigli, RingGroupInput(name="Front", number="640", member_ids=[marco.pk])
    )
    assert desk.pk != other.pk
    client = client_for(admin)
    selected = {"action": "delete_unless_routed_to", "_selected_action": [studio_rossi.pk]}
    confirm = client.post(COMPANIES, selected)
    assert confirm.status_code == 200 and "Are you sure" in confirm.content.decode()
    answer = client.post(COMPANIES, {**selected, "post": "yes"}, follow=True)
    assert "Successfully deleted 1 company." in answer.content.decode()
    assert not Company.objects.filter(pk=studio_rossi.pk).exists()
    assert list(RingGroup.objects.values_list("number", flat=True)) == ["640"]
    assert not Menu.objects.exists()
    assert not Trunk.objects.exists() and not PhoneNumber.objects.exists()
    # What the PBX reads on its next refresh: only what is left, routing only there.
    snapshot = trunk_snapshot()
    assert snapshot.numbers == {} and snapshot.trunks == {}
    assert [plan.number for plan in ring_group_plans()] == ["640"]
    assert menu_plans() == {}
    assert (
        check_save_ring_group(
            navigli, RingGroupInput(name="Front", number="650", member_ids=[marco.pk]), other
        ).number
        == "650"
    )  # its number is free again


def stored_files(company: Company, menu_number: str = "501") -> list[Path]:
    """The company's menu greeting, hold music and logo, as stored."""
    menu = check_save_menu(
        company, MenuInput(name="Evening", number=menu_number, greeting_text="Closed.")
    )
    music = check_upload_hold_music(company, SimpleUploadedFile("theme.wav", tune(2.0)))
    company.logo.save("logo.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
    files = [Path(menu.greeting.path), Path(music.audio.path), Path(company.logo.path)]
    assert all(path.is_file() for path in files)
    return files


@pytest.mark.parametrize("removal", ["delete page", "bulk action"])
def test_the_files_of_a_removed_company_go_once_the_removal_commits(
    client_for, admin, studio_rossi, panificio, django_capture_on_commit_callbacks, removal
):
    files = stored_files(studio_rossi)
    others = stored_files(panificio, "502") if removal == "bulk action" else []
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        if removal == "delete page":
            answer = client.post(f"{COMPANIES}{studio_rossi.pk}/delete/", {"post": "yes"})
        else:
            answer = client.post(
                COMPANIES,
                {
                    "action": "delete_unless_routed_to",
                    "_selected_action": [studio_rossi.pk, panificio.pk],
                    "post": "yes",
                },
            )
        assert answer.status_code == 302
        assert not Company.objects.filter(pk=studio_rossi.pk).exists()
        # Not before the removal commits: a removal rolled back keeps them.
        assert all(path.is_file() for path in files + others)
    for callback in waiting:
        callback()
    assert not any(path.exists() for path in files + others)


def test_the_files_of_a_company_that_stays_stay(client_for, admin, studio_rossi, sara):
    files = stored_files(studio_rossi)
    check_set_forwarding(do_provision_extension(sara), ForwardingInput(always="501"))
    client = client_for(admin)
    answer = client.post(f"{COMPANIES}{studio_rossi.pk}/delete/", {"post": "yes"}, follow=True)
    assert "The company “Studio Rossi” stays." in answer.content.decode()
    answer = client.post(
        COMPANIES,
        {
            "action": "delete_unless_routed_to",
            "_selected_action": [studio_rossi.pk],
            "post": "yes",
        },
        follow=True,
    )
    assert "No company was removed." in answer.content.decode()
    assert all(path.is_file() for path in files)
    assert Menu.objects.filter(company=studio_rossi).exists()


def test_the_photos_of_a_removed_spaces_resources_go_with_it(
    client_for, admin, navigli, luca, django_capture_on_commit_callbacks
):
    greeting = Path(
        check_save_menu(
            navigli, MenuInput(name="Reception", number="510", greeting_text="Welcome.")
        ).greeting.path
    )
    room = check_create_resource(
        luca, navigli, name="Sala Brera", kind="room", capacity=8, hours=EVERY_DAY
    )
    photo = check_add_resource_photo(
        luca, room, SimpleUploadedFile("brera.jpg", photo_bytes(), content_type="image/jpeg")
    )
    picture = Path(photo.image.path)
    assert picture.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_for(admin).post(f"{SPACES}{navigli.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302
    assert not greeting.exists() and not picture.exists()
