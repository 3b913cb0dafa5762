"""A company's menu sends a caller only to what is the company's: the extension or
voicemail of one of its people, its ring groups, its other menus; anything else is
refused on the key's field, on the page and through the API, in Italian and English, and
nothing is saved."""

from __future__ import annotations

import pytest

from officina.attendant.actions import MenuInput, check_save_menu
from officina.attendant.models import Menu
from officina.core.errors import ErrorCode, OfficinaError
from officina.pbx.actions import do_provision_extension
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group

pytestmark = pytest.mark.django_db


def a_menu(**options: tuple[str, str]) -> MenuInput:
    return MenuInput(
        name="Front desk", number="500", language="en", greeting_text="Welcome.",
        options={key[-1]: option for key, option in options.items()},
    )  # fmt: skip


def test_a_company_menu_keys_go_to_the_company_only(studio_rossi, navigli, marco, sara, luca):
    marcos = do_provision_extension(marco).number
    saras = do_provision_extension(sara).number  # of Panificio Bianchi
    lucas = do_provision_extension(luca).number  # of no company
    check_save_ring_group(
        studio_rossi, RingGroupInput(name="Rossi", number="600", member_ids=[marco.pk])
    )
    check_save_ring_group(navigli, RingGroupInput(name="Desk", number="650", member_ids=[marco.pk]))
    Menu.objects.create(name="Space", number="520", greeting="g.wav", space=navigli)
    for options, field, message in (
        ({"key1": ("extension", saras)}, "option_1",
         f"Key 1: {saras} is not the extension of one of the company's people."),
        ({"key9": ("voicemail", lucas)}, "option_9",
         f"Key 9: {lucas} is not the extension of one of the company's people."),
        ({"key2": ("ring_group", "650")}, "option_2",
         "Key 2: 650 is not a ring group of the company."),
        ({"key3": ("menu", "520")}, "option_3", "Key 3: 520 is not another menu of the company."),
    ):  # fmt: skip
        with pytest.raises(OfficinaError) as refused:
            check_save_menu(studio_rossi, a_menu(**options))
        assert (refused.value.details["field"], str(refused.value.message)) == (field, message)
    assert not Menu.objects.filter(company=studio_rossi).exists()
    menu = check_save_menu(
        studio_rossi,
        a_menu(key1=("extension", marcos), key2=("ring_group", "600"), key9=("voicemail", marcos)),
    )
    assert {o.key: (o.kind, o.number) for o in menu.options.all()} == {
        "1": ("extension", marcos),
        "2": ("ring_group", "600"),
        "9": ("voicemail", marcos),
    }


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Key 1: {} is not the extension of one of the company&#x27;s people."),
        ("it", "Tasto 1: {} non è l&#x27;interno di una persona dell&#x27;azienda."),
    ],
)
def test_the_page_refuses_a_key_to_someone_not_of_the_company(
    client_for, studio_rossi, giulia, sara, language, message
):
    giulia.language = language
    giulia.save()
    saras = do_provision_extension(sara).number
    answer = client_for(giulia).post(
        "/companies/studio-rossi/attendant/new/",
        {
            "name": "Front desk", "number": "500", "language": "en",
            "greeting_text": "Welcome.", "timeout_seconds": "6",
            "option_1": "extension", "target_1": saras,
        },
    )  # fmt: skip
    assert answer.status_code == 200
    page = answer.content.decode()
    shown = message.format(saras)
    assert shown in page
    # Next to key 1's field, not on top of the form.
    assert page.index("id_target_1") < page.index(shown)
    assert not Menu.objects.exists()


def test_a_menu_removed_meanwhile_is_not_made_again(studio_rossi):
    check_save_menu(studio_rossi, a_menu())
    opened = Menu.objects.get()  # the menu's page is opened, then another owner
    Menu.objects.all().delete()  # removes the menu
    with pytest.raises(OfficinaError) as refused:
        check_save_menu(
            studio_rossi, MenuInput(name="Desk", number="500", greeting_text="Hi."), opened
        )
    assert refused.value.code == ErrorCode.NOT_FOUND
    assert str(refused.value.message) == "This menu was removed meanwhile: nothing was saved."
    assert not Menu.objects.exists()
