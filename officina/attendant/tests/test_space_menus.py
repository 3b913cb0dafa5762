"""A space's own auto-attendant menus: one owner each (the database says so), seen and
set up by the space's managers alone (the pages; the API in
``api/tests/test_phone_services.py``), whose keys go only to the space's
members, groups and menus, answered out of the space's business hours by its
out-of-hours menu, and reached by the space's numbers (never a company's menu)."""

from __future__ import annotations

import time

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from officina.attendant.actions import MenuInput, check_save_menu
from officina.attendant.models import Menu
from officina.attendant.selectors import menu_plans
from officina.core.errors import OfficinaError
from officina.pbx.actions import do_provision_extension
from officina.pbx.media.attendant import Menus
from officina.ringgroups.actions import (
    BusinessHoursInput,
    RingGroupInput,
    check_add_hours_exception,
    check_save_business_hours,
    check_save_ring_group,
)
from officina.trunks.actions import NumberInput, TrunkInput, check_save_number, check_save_trunk

pytestmark = pytest.mark.django_db


def a_menu(number: str = "520", **changes: object) -> MenuInput:
    data = MenuInput(name="Reception", number=number, language="en", greeting_text="Welcome.")
    for name, value in changes.items():
        setattr(data, name, value)
    return data


def test_a_menu_has_exactly_one_owner(navigli, studio_rossi):
    for owners in ({"company": studio_rossi, "space": navigli}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Menu.objects.create(name="x", number="521", greeting="g.wav", **owners)
    menu = Menu.objects.create(name="x", number="521", greeting="g.wav", space=navigli)
    assert menu.owner == navigli


def test_a_space_menu_keys_go_to_the_space_only(navigli, studio_rossi, marco, sara):
    marcos = do_provision_extension(marco).number
    saras = do_provision_extension(sara).number  # not of Navigli
    check_save_ring_group(navigli, RingGroupInput(name="Desk", number="650", member_ids=[marco.pk]))
    check_save_ring_group(
        studio_rossi, RingGroupInput(name="Rossi", number="660", member_ids=[marco.pk])
    )
    Menu.objects.create(name="Rossi", number="530", greeting="g.wav", company=studio_rossi)
    for options, message in (
        ({"1": ("extension", saras)}, f"Key 1: {saras} is not the extension of a member of"),
        ({"1": ("voicemail", saras)}, f"Key 1: {saras} is not the extension of a member of"),
        ({"2": ("ring_group", "660")}, "Key 2: 660 is not a ring group of the space."),
        ({"3": ("menu", "530")}, "Key 3: 530 is not another menu of the space."),
    ):
        with pytest.raises(OfficinaError) as refused:
            check_save_menu(navigli, a_menu(options=options))
        assert str(refused.value.message).startswith(message)
    with pytest.raises(OfficinaError) as refused:
        check_save_menu(navigli, a_menu(out_of_hours_number="530"))
    assert refused.value.details["field"] == "out_of_hours_number"
    assert not Menu.objects.filter(space=navigli).exists()
    options = {"1": ("extension", marcos), "2": ("ring_group", "650"), "9": ("voicemail", marcos)}
    menu = check_save_menu(navigli, a_menu(options=options))
    assert (menu.space, menu.company) == (navigli, None)
    assert {o.key: (o.kind, o.number) for o in menu.options.all()} == options


def test_out_of_the_space_hours_its_out_of_hours_menu_answers(navigli, studio_rossi):
    check_save_menu(navigli, a_menu("541"))
    check_save_menu(navigli, a_menu("540", out_of_hours_number="541"))
    check_save_menu(studio_rossi, a_menu("550"))
    menus = Menus()
    menus.plans = menu_plans()
    # The space has no hours of its own yet: the menu answers at any hour.
    assert menus.answering("540", time.time()).number == "540"  # type: ignore[union-attr]
    check_save_business_hours(navigli, BusinessHoursInput())
    check_add_hours_exception(navigli, timezone.localdate())  # closed today
    menus.plans = menu_plans()
    plan = menus.plans["540"]
    assert (plan.space_id, plan.company_id) == (navigli.pk, None)
    assert menus.answering("540", time.time()).number == "541"  # type: ignore[union-attr]
    # The company's hours are not the space's.
    assert menus.plans["550"].schedule is None


def test_a_space_number_goes_to_the_space_menu_never_a_company_one(navigli, studio_rossi):
    trunk = check_save_trunk(navigli, TrunkInput(name="Line", host="sip.example", mode="peer"))
    Menu.objects.create(name="Space", number="560", greeting="g.wav", space=navigli)
    Menu.objects.create(name="Rossi", number="561", greeting="g.wav", company=studio_rossi)
    with pytest.raises(OfficinaError) as refused:
        check_save_number(navigli, NumberInput("0255512345", trunk.pk, "menu", "561"))
    assert refused.value.details["field"] == "route_target"
    assert str(refused.value.message) == "561 is not an auto-attendant menu of this space."
    number = check_save_number(navigli, NumberInput("0255512345", trunk.pk, "menu", "560"))
    assert (number.route_kind, number.route_target) == ("menu", "560")


@pytest.mark.parametrize(("language", "title"), [("en", "Auto-attendant of"), ("it", "Centralino")])
def test_only_the_space_managers_see_and_change_its_menus(
    client_for, navigli, luca, giulia, sara, language, title
):
    menu = Menu.objects.create(name="Space", number="570", greeting="g.wav", space=navigli)
    luca.language = language
    luca.save()
    base = f"/spaces/{navigli.slug}/attendant/"
    manager = client_for(luca)
    page = manager.get(base).content.decode()
    assert title in page and "570" in page and f"{base}{menu.pk}/" in page
    assert manager.get(f"{base}new/").status_code == 200
    for other in (giulia, sara):  # a member of the space, and a stranger
        browser = client_for(other)
        for url in (base, f"{base}new/", f"{base}{menu.pk}/", f"{base}{menu.pk}/greeting.wav"):
            assert browser.get(url).status_code == 404, (other, url)
        assert browser.post(f"{base}{menu.pk}/delete/").status_code == 404
    assert Menu.objects.filter(pk=menu.pk).exists()
    # The space's menu is no company's page.
    assert (
        client_for(giulia).get(f"/companies/studio-rossi/attendant/{menu.pk}/").status_code == 404
    )
    removed = manager.post(f"{base}{menu.pk}/delete/")
    assert (removed.status_code, removed.url) == (302, base)
    assert not Menu.objects.exists()
