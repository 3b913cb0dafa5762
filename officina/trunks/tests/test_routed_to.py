"""A menu or a ring group that calls are routed to (a number's route, out-of-hours route
or forward, a menu's key or out-of-hours menu, a group's out-of-hours number) is neither
removed nor renumbered: the refusal lists what routes there, in Italian and English, on
its page (the API in ``api/tests/test_routed_to.py``), and nothing changes. It names
only the owner's own routes and people; others are counted. A route saved while the
menu or group is removed waits for it: ``test_routed_to_race.py``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import translation

from officina.attendant.actions import MenuInput, check_delete_menu, check_save_menu
from officina.attendant.forms import MenuForm
from officina.attendant.models import Menu
from officina.core.errors import ErrorCode, OfficinaError
from officina.pbx.actions import ForwardingInput, check_set_forwarding, do_provision_extension
from officina.ringgroups.actions import (
    RingGroupInput,
    check_delete_ring_group,
    check_save_ring_group,
)
from officina.ringgroups.forms import RingGroupForm
from officina.ringgroups.models import RingGroup
from officina.trunks.actions import NumberInput, TrunkInput, check_save_number, check_save_trunk
from officina.trunks.kinds import RouteKind
from officina.trunks.models import Trunk
from officina.trunks.selectors import routed_to

pytestmark = pytest.mark.django_db


def a_menu(number: str, **changes: object) -> MenuInput:
    data = MenuInput(name=f"Menu {number}", number=number, language="en", greeting_text="Hello.")
    for name, value in changes.items():
        setattr(data, name, value)
    return data


def number_to(
    trunk: Trunk, person: str, e164: str, kind: str, target: str, how: str
) -> NumberInput:
    """A number whose ``how`` ("route", "after_hours", "forward") goes to ``target``; the
    rest rings the extension ``person``."""
    data = NumberInput(e164, trunk.pk, "extension", person)
    if how == "route":
        data.route_kind, data.route_target = kind, target
    elif how == "after_hours":
        data.after_hours_kind, data.after_hours_target = kind, target
    else:
        data.forward_when, data.forward_kind, data.forward_target = "always", kind, target
    return data


def refusals(
    remove: Callable[[], object], renumber: Callable[[], object]
) -> tuple[OfficinaError, OfficinaError]:
    with pytest.raises(OfficinaError) as removed:
        remove()
    with pytest.raises(OfficinaError) as renumbered:
        renumber()
    return removed.value, renumbered.value


def as_posted(initial: dict[str, object], **changes: object) -> dict[str, str]:
    posted = {**initial, **changes}
    return {name: str(value) for name, value in posted.items() if value not in (None, False)}


def test_a_menu_that_calls_are_routed_to_stays(studio_rossi, giulia):
    person = do_provision_extension(giulia).number
    trunk = check_save_trunk(studio_rossi, TrunkInput(name="Line", host="sip.example", mode="peer"))
    evening = check_save_menu(studio_rossi, a_menu("501"))
    check_save_menu(studio_rossi, a_menu("500", out_of_hours_number="501"))
    check_save_menu(studio_rossi, a_menu("502", options={"3": ("menu", "501")}))
    numbers = [
        check_save_number(studio_rossi, number_to(trunk, person, e164, "menu", "501", how))
        for e164, how in (
            ("0255510001", "route"),
            ("0255510002", "after_hours"),
            ("0255510003", "forward"),
        )
    ]
    removed, renumbered = refusals(
        lambda: check_delete_menu(evening),
        lambda: check_save_menu(studio_rossi, a_menu("509"), evening),
    )
    expected = (
        "In use: calls come here from the number +390255510001, the number +390255510002 "
        "out of hours, the number +390255510003 forwarded, key 3 of menu 502, menu 500 out "
        "of hours. Send them elsewhere first."
    )
    assert (removed.code, str(removed.message)) == (ErrorCode.CONFLICT, expected)
    assert renumbered.code == ErrorCode.INVALID_INPUT
    assert (renumbered.details["field"], str(renumbered.message)) == ("number", expected)
    with translation.override("it"):
        removed, _renumbered = refusals(
            lambda: check_delete_menu(evening),
            lambda: check_save_menu(studio_rossi, a_menu("509"), evening),
        )
    assert str(removed.message) == (
        "In uso: qui arrivano le chiamate da: il numero +390255510001, il numero "
        "+390255510002 fuori orario, il numero +390255510003 inoltrato, il tasto 3 del menu "
        "502, il menu 500 fuori orario. Prima mandale altrove."
    )
    assert Menu.objects.get(pk=evening.pk).number == "501"

    # Each way counts: the menu stays until the last one goes elsewhere.
    check_save_menu(studio_rossi, a_menu("500"), Menu.objects.get(number="500"))
    check_save_menu(studio_rossi, a_menu("502"), Menu.objects.get(number="502"))
    for phone in numbers:
        with pytest.raises(OfficinaError):
            check_delete_menu(evening)
        phone.delete()
    check_save_menu(studio_rossi, a_menu("509"), evening)
    check_delete_menu(Menu.objects.get(number="509"))
    assert not Menu.objects.filter(pk=evening.pk).exists()


def test_a_ring_group_that_calls_are_routed_to_stays(navigli, marco):
    person = do_provision_extension(marco).number
    trunk = check_save_trunk(navigli, TrunkInput(name="Line", host="sip.example", mode="peer"))
    desk = check_save_ring_group(
        navigli, RingGroupInput(name="Desk", number="650", member_ids=[marco.pk])
    )
    check_save_ring_group(
        navigli,
        RingGroupInput(name="Late", number="651", member_ids=[marco.pk], out_of_hours_number="650"),
    )
    check_save_menu(navigli, a_menu("520", options={"2": ("ring_group", "650")}))
    phone = check_save_number(
        navigli, number_to(trunk, person, "0255510009", "ring_group", "650", "after_hours")
    )
    removed, renumbered = refusals(
        lambda: check_delete_ring_group(desk, seen_by=desk.owner),
        lambda: check_save_ring_group(
            navigli, RingGroupInput(name="Desk", number="659", member_ids=[marco.pk]), desk
        ),
    )
    expected = (
        "In use: calls come here from the number +390255510009 out of hours, key 2 of menu "
        "520, ring group 651 out of hours. Send them elsewhere first."
    )
    assert (removed.code, str(removed.message)) == (ErrorCode.CONFLICT, expected)
    assert (renumbered.details["field"], str(renumbered.message)) == ("number", expected)
    with translation.override("it"), pytest.raises(OfficinaError) as refused:
        check_delete_ring_group(desk, seen_by=desk.owner)
    assert "il gruppo di chiamata 651 fuori orario" in str(refused.value.message)
    assert RingGroup.objects.get(pk=desk.pk).number == "650"

    phone.delete()
    check_save_menu(navigli, a_menu("520"), Menu.objects.get(number="520"))
    with pytest.raises(OfficinaError):
        check_delete_ring_group(desk, seen_by=desk.owner)
    late = RingGroup.objects.get(number="651")
    check_save_ring_group(
        navigli, RingGroupInput(name="Late", number="651", member_ids=[marco.pk]), late
    )
    check_delete_ring_group(desk, seen_by=desk.owner)
    assert not RingGroup.objects.filter(pk=desk.pk).exists()


def test_a_members_own_forwarding_to_a_menu_or_a_group_keeps_it(studio_rossi, giulia, marco):
    own = do_provision_extension(giulia)
    theirs = do_provision_extension(marco)
    evening = check_save_menu(studio_rossi, a_menu("501"))
    desk = check_save_ring_group(
        studio_rossi, RingGroupInput(name="Desk", number="650", member_ids=[giulia.pk])
    )
    # Any case counts: every call, busy, not answered, no phone, follow-me's number.
    check_set_forwarding(own, ForwardingInput(busy="501", follow_me="650"))
    check_set_forwarding(theirs, ForwardingInput(unregistered="501", no_answer="650"))
    removed, renumbered = refusals(
        lambda: check_delete_menu(evening),
        lambda: check_save_menu(studio_rossi, a_menu("509"), evening),
    )
    expected = (
        f"In use: calls come here from the call forwarding of Giulia Rossi ({own.number}), "
        f"the call forwarding of Marco Colombo ({theirs.number}). Send them elsewhere first."
    )
    assert (removed.code, str(removed.message)) == (ErrorCode.CONFLICT, expected)
    assert (renumbered.details["field"], str(renumbered.message)) == ("number", expected)
    with translation.override("it"), pytest.raises(OfficinaError) as refused:
        check_delete_ring_group(desk, seen_by=desk.owner)
    assert str(refused.value.message) == (
        f"In uso: qui arrivano le chiamate da: l'inoltro di chiamata di Giulia Rossi "
        f"({own.number}), l'inoltro di chiamata di Marco Colombo ({theirs.number}). Prima "
        "mandale altrove."
    )
    assert Menu.objects.get(pk=evening.pk).number == "501"

    # Once the forwarding goes elsewhere (or the extension is off), the way is free.
    check_set_forwarding(own, ForwardingInput(always=theirs.number))
    theirs.is_active = False
    theirs.save()
    check_delete_menu(evening)
    check_save_ring_group(
        studio_rossi,
        RingGroupInput(name="Desk", number="659", member_ids=[giulia.pk]),
        RingGroup.objects.get(pk=desk.pk),
    )
    assert not Menu.objects.filter(pk=evening.pk).exists()
    assert RingGroup.objects.get(pk=desk.pk).number == "659"


@pytest.mark.parametrize(
    ("language", "listed", "refused"),
    [
        (
            "en",
            "Calls come here from: key 1 of menu 500.",
            "In use: calls come here from key 1 of menu 500. Send them elsewhere first.",
        ),
        (
            "it",
            "Qui arrivano le chiamate da: il tasto 1 del menu 500.",
            "In uso: qui arrivano le chiamate da: il tasto 1 del menu 500. Prima mandale altrove.",
        ),
    ],
)
def test_the_menu_page_says_what_routes_to_it_and_refuses(
    client_for, studio_rossi, giulia, language, listed, refused
):
    giulia.language = language
    giulia.save()
    evening = check_save_menu(studio_rossi, a_menu("501"))
    check_save_menu(studio_rossi, a_menu("500", options={"1": ("menu", "501")}))
    browser = client_for(giulia)
    page = f"/companies/studio-rossi/attendant/{evening.pk}/"
    assert listed in browser.get(page).content.decode()
    answer = browser.post(f"{page}delete/", follow=True)
    assert answer.redirect_chain[-1][0] == page
    assert refused in answer.content.decode()
    form = as_posted(MenuForm.initial_of(evening), number="509")
    answer = browser.post(page, form)
    assert answer.status_code == 200
    assert refused in answer.content.decode()
    assert Menu.objects.get(pk=evening.pk).number == "501"


@pytest.mark.parametrize(
    ("language", "refused"),
    [
        ("en", "In use: calls come here from the number +390255510009."),
        ("it", "In uso: qui arrivano le chiamate da: il numero +390255510009."),
    ],
)
def test_the_space_group_page_says_what_routes_to_it_and_refuses(
    client_for, navigli, luca, marco, language, refused
):
    luca.language = language
    luca.save()
    person = do_provision_extension(marco).number
    trunk = check_save_trunk(navigli, TrunkInput(name="Line", host="sip.example", mode="peer"))
    desk = check_save_ring_group(
        navigli, RingGroupInput(name="Desk", number="650", member_ids=[marco.pk])
    )
    check_save_number(navigli, number_to(trunk, person, "0255510009", "ring_group", "650", "route"))
    browser = client_for(luca)
    page = f"/spaces/navigli/ring-groups/{desk.pk}/"
    assert "+390255510009" in browser.get(page).content.decode()
    answer = browser.post(f"{page}delete/", follow=True)
    assert answer.redirect_chain[-1][0] == page
    assert refused in answer.content.decode()
    answer = browser.post(page, as_posted(RingGroupForm.initial_of(desk), number="659"))
    assert answer.status_code == 200 and refused in answer.content.decode()
    assert RingGroup.objects.get(pk=desk.pk).number == "650"


def test_a_refusal_names_only_what_the_company_asking_may_see(
    client_for, studio_rossi, panificio, giulia, sara, outsider
):
    """Anyone may forward to any menu, and a group may overflow to any group: Studio
    Rossi's managers are told of Panificio's people and groups only by how many."""
    own = do_provision_extension(giulia)
    evening = check_save_menu(studio_rossi, a_menu("501"))
    desk = check_save_ring_group(
        studio_rossi, RingGroupInput(name="Desk", number="650", member_ids=[giulia.pk])
    )
    check_set_forwarding(own, ForwardingInput(busy="501"))
    check_set_forwarding(do_provision_extension(sara), ForwardingInput(always="501"))
    check_set_forwarding(do_provision_extension(outsider), ForwardingInput(no_answer="501"))
    check_save_ring_group(
        panificio,
        RingGroupInput(name="Forno", number="660", member_ids=[sara.pk], out_of_hours_number="650"),
    )
    removed, renumbered = refusals(
        lambda: check_delete_menu(evening),
        lambda: check_save_menu(studio_rossi, a_menu("509"), evening),
    )
    expected = (
        f"In use: calls come here from the call forwarding of Giulia Rossi ({own.number}), "
        "the call forwarding of 2 people outside the company. Send them elsewhere first."
    )
    assert (removed.code, str(removed.message)) == (ErrorCode.CONFLICT, expected)
    assert (renumbered.details["field"], str(renumbered.message)) == ("number", expected)
    with pytest.raises(OfficinaError) as refused:
        check_delete_ring_group(desk, seen_by=desk.owner)
    assert str(refused.value.message) == (
        "In use: calls come here from 1 route from outside the company. Send them elsewhere first."
    )
    with translation.override("it"):
        removed, _renumbered = refusals(
            lambda: check_delete_menu(evening),
            lambda: check_save_menu(studio_rossi, a_menu("509"), evening),
        )
        with pytest.raises(OfficinaError) as refused:
            check_delete_ring_group(desk, seen_by=desk.owner)
    assert str(removed.message) == (
        f"In uso: qui arrivano le chiamate da: l'inoltro di chiamata di Giulia Rossi "
        f"({own.number}), l'inoltro di chiamata di 2 persone esterne all'azienda. Prima "
        "mandale altrove."
    )
    assert str(refused.value.message) == (
        "In uso: qui arrivano le chiamate da: 1 instradamento da fuori dell'azienda. Prima "
        "mandale altrove."
    )
    # The menu's page, too, lists the others without their names.
    shown = client_for(giulia).get(f"/companies/studio-rossi/attendant/{evening.pk}/")
    page = shown.content.decode()
    assert "the call forwarding of 2 people outside the company" in page
    assert "Sara" not in page and "Ugo" not in page
    assert Menu.objects.get(pk=evening.pk).number == "501"
    assert RingGroup.objects.get(pk=desk.pk).number == "650"


def test_a_spaces_refusal_counts_the_forwarding_of_people_outside_it(navigli, marco, sara):
    desk = check_save_ring_group(
        navigli, RingGroupInput(name="Desk", number="650", member_ids=[marco.pk])
    )
    theirs = do_provision_extension(marco)
    check_set_forwarding(theirs, ForwardingInput(busy="650"))
    check_set_forwarding(do_provision_extension(sara), ForwardingInput(always="650"))
    with pytest.raises(OfficinaError) as refused:
        check_delete_ring_group(desk, seen_by=desk.owner)
    assert str(refused.value.message) == (
        f"In use: calls come here from the call forwarding of Marco Colombo ({theirs.number}), "
        "the call forwarding of 1 person outside the space. Send them elsewhere first."
    )
    with translation.override("it"), pytest.raises(OfficinaError) as refused:
        check_delete_ring_group(desk, seen_by=desk.owner)
    assert "l'inoltro di chiamata di 1 persona esterna allo spazio" in str(refused.value.message)


def test_the_admin_names_every_route(studio_rossi, giulia, sara):
    """Staff see every owner: routed_to without an owner asking names everyone."""
    check_save_menu(studio_rossi, a_menu("501"))
    held = do_provision_extension(sara)
    check_set_forwarding(held, ForwardingInput(always="501"))
    assert list(routed_to(RouteKind.MENU, "501", seen_by=None)) == [
        f"the call forwarding of Sara Bianchi ({held.number})"
    ]
    assert list(routed_to(RouteKind.MENU, "501", seen_by=studio_rossi)) == [
        "the call forwarding of 1 person outside the company"
    ]
