"""A route saved at the very moment its menu or ring group is removed: the removal and
every save that routes there lock the menu's or group's row (``hold_route_targets``),
so one waits for the other and sees what it committed; the Django admin's removals and
saves too, and its removal of a company or a space. A group's save that waits for its
removal refuses rather than make it again. Never a number, a key, an
overflow or a forward left routing to nothing. PostgreSQL only: the wait is seen in
``pg_stat_activity``, and SQLite's write transactions are serialised already."""

from __future__ import annotations

import threading
from collections.abc import Callable
from time import monotonic, sleep

import pytest
from django.db import connection, transaction

from officina.accounts.actions import do_remove_owners
from officina.accounts.models import Company, Space
from officina.attendant.actions import check_delete_menu, check_save_menu
from officina.attendant.models import Menu
from officina.attendant.selectors import lock_menus
from officina.core.errors import ErrorCode, OfficinaError
from officina.core.tests.row_locks import first_holds_then_second, waiting_for_a_lock
from officina.pbx.actions import ForwardingInput, check_set_forwarding, do_provision_extension
from officina.pbx.models import Forwarding
from officina.ringgroups.actions import (
    RingGroupInput,
    check_delete_ring_group,
    check_save_ring_group,
)
from officina.ringgroups.models import RingGroup
from officina.ringgroups.tests.test_admin import change_form
from officina.trunks.actions import (
    TrunkInput,
    check_save_number,
    check_save_trunk,
    do_delete_number,
    hold_owner_for_removal,
)
from officina.trunks.models import PhoneNumber

from .test_admin import number_form
from .test_routed_to import a_menu, number_to

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("waits for the row lock, seen in PostgreSQL's pg_stat_activity")


def test_a_menu_is_not_removed_under_a_number_being_routed_to_it(studio_rossi, giulia):
    person = do_provision_extension(giulia).number
    trunk = check_save_trunk(studio_rossi, TrunkInput(name="Line", host="sip.example", mode="peer"))
    evening = check_save_menu(studio_rossi, a_menu("501"))
    outcome = first_holds_then_second(
        lambda: check_save_number(
            studio_rossi, number_to(trunk, person, "0255510001", "menu", "501", "route")
        ),
        lambda: check_delete_menu(evening),
    )
    assert outcome["waited"] is True
    refused = outcome["second"]
    assert isinstance(refused, OfficinaError) and refused.code == ErrorCode.CONFLICT
    assert "the number +390255510001" in str(refused.message)
    assert Menu.objects.filter(pk=evening.pk).exists()
    assert PhoneNumber.objects.get(e164="+390255510001").route_target == "501"


def test_a_menu_is_not_renumbered_under_a_key_being_sent_to_it(studio_rossi):
    evening = check_save_menu(studio_rossi, a_menu("501"))
    outcome = first_holds_then_second(
        lambda: check_save_menu(studio_rossi, a_menu("500", options={"3": ("menu", "501")})),
        lambda: check_save_menu(studio_rossi, a_menu("509"), Menu.objects.get(pk=evening.pk)),
    )
    assert outcome["waited"] is True
    refused = outcome["second"]
    assert isinstance(refused, OfficinaError) and refused.details["field"] == "number"
    assert "key 3 of menu 500" in str(refused.message)
    assert Menu.objects.get(pk=evening.pk).number == "501"


def test_a_group_is_not_removed_under_another_group_overflowing_to_it(studio_rossi, giulia):
    desk = check_save_ring_group(
        studio_rossi, RingGroupInput(name="Desk", number="650", member_ids=[giulia.pk])
    )
    outcome = first_holds_then_second(
        lambda: check_save_ring_group(
            studio_rossi,
            RingGroupInput(
                name="Late", number="651", member_ids=[giulia.pk], out_of_hours_number="650"
            ),
        ),
        lambda: check_delete_ring_group(RingGroup.objects.get(pk=desk.pk), seen_by=studio_rossi),
    )
    assert outcome["waited"] is True
    refused = outcome["second"]
    assert isinstance(refused, OfficinaError) and refused.code == ErrorCode.CONFLICT
    assert "ring group 651 out of hours" in str(refused.message)
    assert RingGroup.objects.filter(pk=desk.pk).exists()


def test_a_forward_waits_for_the_menus_removal_and_is_refused(studio_rossi, giulia):
    evening = check_save_menu(studio_rossi, a_menu("501"))
    own = do_provision_extension(giulia)
    outcome = first_holds_then_second(
        lambda: check_delete_menu(evening),
        lambda: check_set_forwarding(own, ForwardingInput(always="501")),
    )
    assert outcome["waited"] is True
    refused = outcome["second"]
    assert isinstance(refused, OfficinaError) and refused.details["field"] == "always"
    assert not Menu.objects.filter(pk=evening.pk).exists()
    assert not Forwarding.objects.filter(always="501").exists()


def test_a_number_waits_for_the_groups_renumbering_and_is_refused(navigli, marco):
    person = do_provision_extension(marco).number
    trunk = check_save_trunk(navigli, TrunkInput(name="Line", host="sip.example", mode="peer"))
    desk = check_save_ring_group(
        navigli, RingGroupInput(name="Desk", number="650", member_ids=[marco.pk])
    )
    outcome = first_holds_then_second(
        lambda: check_save_ring_group(
            navigli, RingGroupInput(name="Desk", number="659", member_ids=[marco.pk]), desk
        ),
        lambda: check_save_number(
            navigli, number_to(trunk, person, "0255510009", "ring_group", "650", "route")
        ),
    )
    assert outcome["waited"] is True
    refused = outcome["second"]
    assert isinstance(refused, OfficinaError) and refused.details["field"] == "route_target"
    assert RingGroup.objects.get(pk=desk.pk).number == "659"
    assert not PhoneNumber.objects.filter(e164="+390255510009").exists()


@pytest.mark.parametrize("removal", ["delete page", "bulk action"])
def test_the_admins_removal_of_a_group_waits_for_a_number_being_routed_to_it(
    client_for, admin, navigli, marco, removal
):
    person = do_provision_extension(marco).number
    trunk = check_save_trunk(navigli, TrunkInput(name="Line", host="sip.example", mode="peer"))
    desk = check_save_ring_group(
        navigli, RingGroupInput(name="Desk", number="650", member_ids=[marco.pk])
    )
    staff = client_for(admin)
    if removal == "delete page":
        url, posted = f"/admin/ringgroups/ringgroup/{desk.pk}/delete/", {"post": "yes"}
    else:
        url = "/admin/ringgroups/ringgroup/"
        posted = {
            "action": "delete_unless_routed_to",
            "_selected_action": str(desk.pk),
            "post": "yes",
        }
    outcome = first_holds_then_second(
        lambda: check_save_number(
            navigli, number_to(trunk, person, "0255510001", "ring_group", "650", "route")
        ),
        lambda: staff.post(url, posted, follow=True),
    )
    assert outcome["waited"] is True
    page = outcome["second"].content.decode()  # type: ignore[attr-defined]
    assert "Ring group “650 Desk” stays. In use: calls come here from the number +390255510001" in (
        page
    )
    assert RingGroup.objects.filter(pk=desk.pk).exists()


def test_a_number_saved_in_the_admin_waits_for_the_groups_removal_and_is_refused(
    client_for, admin, navigli, marco
):
    trunk = check_save_trunk(navigli, TrunkInput(name="Line", host="sip.example", mode="peer"))
    desk = check_save_ring_group(
        navigli, RingGroupInput(name="Desk", number="650", member_ids=[marco.pk])
    )
    staff = client_for(admin)
    outcome = first_holds_then_second(
        lambda: check_delete_ring_group(desk, seen_by=navigli),
        lambda: staff.post(
            "/admin/trunks/phonenumber/add/",
            number_form(trunk, "0255510001", "ring_group", "650"),
        ),
    )
    assert outcome["waited"] is True
    answer = outcome["second"]
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert "650 is not a ring group of this space." in answer.content.decode()  # type: ignore[attr-defined]
    assert not RingGroup.objects.filter(pk=desk.pk).exists()
    assert not PhoneNumber.objects.exists()


def test_a_groups_save_waits_for_its_removal_and_does_not_make_it_again(studio_rossi, giulia):
    desk = check_save_ring_group(
        studio_rossi, RingGroupInput(name="Desk", number="650", member_ids=[giulia.pk])
    )
    opened = RingGroup.objects.get(pk=desk.pk)  # the group's page, opened before it goes
    outcome = first_holds_then_second(
        lambda: check_delete_ring_group(desk, seen_by=studio_rossi),
        lambda: check_save_ring_group(
            studio_rossi, RingGroupInput(name="Front desk", number="650", member_ids=[giulia.pk]),
            opened,
        ),
    )  # fmt: skip
    assert outcome["waited"] is True
    refused = outcome["second"]
    assert isinstance(refused, OfficinaError) and refused.code == ErrorCode.NOT_FOUND
    assert not RingGroup.objects.exists()


def test_the_admins_save_of_a_group_waits_for_its_removal_and_does_not_make_it_again(
    client_for, admin, navigli, marco
):
    desk = check_save_ring_group(
        navigli, RingGroupInput(name="Desk", number="650", member_ids=[marco.pk])
    )
    staff = client_for(admin)
    # Both taken before the removal, which leaves ``desk`` without an id.
    url, posted = f"/admin/ringgroups/ringgroup/{desk.pk}/change/", change_form(desk, name="Desk 2")
    outcome = first_holds_then_second(
        lambda: check_delete_ring_group(desk, seen_by=navigli), lambda: staff.post(url, posted)
    )
    assert outcome["waited"] is True
    answer = outcome["second"]
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert "This ring group was removed meanwhile: nothing was saved." in (
        answer.content.decode()  # type: ignore[attr-defined]
    )
    assert not RingGroup.objects.exists()


def test_the_admins_removal_of_a_space_waits_for_another_owners_overflow_to_its_group(
    client_for, admin, navigli, studio_rossi, giulia, marco
):
    check_save_ring_group(navigli, RingGroupInput(name="Desk", number="640", member_ids=[marco.pk]))
    staff = client_for(admin)
    outcome = first_holds_then_second(
        lambda: check_save_ring_group(
            studio_rossi,
            RingGroupInput(
                name="Late", number="651", member_ids=[giulia.pk], out_of_hours_number="640"
            ),
        ),
        lambda: staff.post(
            f"/admin/accounts/space/{navigli.pk}/delete/", {"post": "yes"}, follow=True
        ),
    )
    assert outcome["waited"] is True
    page = outcome["second"].content.decode()  # type: ignore[attr-defined]
    assert (
        "The space “Officina Navigli” stays. In use from outside: calls come to ring group 640 "
        "from ring group 651 out of hours."
    ) in page
    assert Space.objects.filter(pk=navigli.pk).exists()


def test_a_forward_waits_for_the_removal_of_the_company_of_its_menu_and_is_refused(
    studio_rossi, giulia
):
    check_save_menu(studio_rossi, a_menu("501"))
    own = do_provision_extension(giulia)

    def remove_the_company() -> None:
        hold_owner_for_removal(studio_rossi)
        studio_rossi.delete()

    outcome = first_holds_then_second(
        remove_the_company, lambda: check_set_forwarding(own, ForwardingInput(always="501"))
    )
    assert outcome["waited"] is True
    refused = outcome["second"]
    assert isinstance(refused, OfficinaError) and refused.details["field"] == "always"
    assert not Menu.objects.exists()
    assert not Forwarding.objects.filter(always="501").exists()


def test_a_number_saved_in_the_admin_waits_for_its_removal_and_is_not_made_again(
    client_for, admin, navigli, marco
):
    trunk = check_save_trunk(navigli, TrunkInput(name="Line", host="sip.example", mode="peer"))
    check_save_ring_group(navigli, RingGroupInput(name="Desk", number="650", member_ids=[marco.pk]))
    number = check_save_number(
        navigli, number_to(trunk, "650", "0255510001", "ring_group", "650", "route")
    )
    staff = client_for(admin)
    # Taken before the removal, which leaves ``number`` without an id.
    url = f"/admin/trunks/phonenumber/{number.pk}/change/"
    posted = number_form(trunk, "+390255510001", "ring_group", "650", forward_seconds="30")
    outcome = first_holds_then_second(
        lambda: do_delete_number(number), lambda: staff.post(url, posted)
    )
    assert outcome["waited"] is True
    answer = outcome["second"]
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert "This number was removed meanwhile: nothing was saved." in (
        answer.content.decode()  # type: ignore[attr-defined]
    )
    assert not PhoneNumber.objects.exists()


@pytest.mark.parametrize("made", ["ring group", "menu"])
def test_a_group_or_menu_made_for_a_company_being_removed_waits_and_is_refused(
    studio_rossi, giulia, sara, made
):
    theirs = do_provision_extension(sara)

    def make_one_and_forward_to_it() -> None:
        # Made for the company between its removal's check and its commit, and at once
        # routed to from outside it: the removal would take it from under the forward.
        if made == "ring group":
            check_save_ring_group(
                studio_rossi, RingGroupInput(name="New", number="652", member_ids=[giulia.pk])
            )
        else:
            check_save_menu(studio_rossi, a_menu("652"))
        check_set_forwarding(theirs, ForwardingInput(always="652"))

    outcome = first_holds_then_second(
        lambda: hold_owner_for_removal(studio_rossi),
        make_one_and_forward_to_it,
        first_then=studio_rossi.delete,
    )
    assert outcome["waited"] is True
    refused = outcome["second"]
    assert isinstance(refused, OfficinaError) and refused.code == ErrorCode.NOT_FOUND
    assert refused.message == "The company Studio Rossi was removed meanwhile: nothing was saved."
    assert not Company.objects.filter(pk=studio_rossi.pk).exists()
    assert not RingGroup.objects.exists() and not Menu.objects.exists()
    assert not Forwarding.objects.filter(always="652").exists()


def test_a_bulk_removal_and_a_groups_save_never_wait_for_each_other(
    client_for, admin, studio_rossi, panificio, giulia, sara
):
    """Panificio's group (the lower id) is saved to overflow to Studio Rossi's (the
    higher): the save locks Panificio's, then Studio Rossi's. The bulk removal of both
    takes every group in that same order, whatever company each is of: were it to lock
    Studio Rossi's first (its company's id is lower) and Panificio's after, each would
    wait for the other. A third transaction holds Studio Rossi's menu, so that the save
    comes while the removal is under way."""
    assert studio_rossi.pk < panificio.pk
    bakery = check_save_ring_group(
        panificio, RingGroupInput(name="Bakery", number="660", member_ids=[sara.pk])
    )
    desk = check_save_ring_group(
        studio_rossi, RingGroupInput(name="Desk", number="650", member_ids=[giulia.pk])
    )
    evening = check_save_menu(studio_rossi, a_menu("501"))
    assert bakery.pk < desk.pk
    staff = client_for(admin)
    outcome: dict[str, object] = {}
    holding, let_go = threading.Event(), threading.Event()

    def hold_the_menu() -> None:
        try:
            with transaction.atomic():
                lock_menus([], menu_id=evening.pk)
                holding.set()
                let_go.wait(120)
        finally:
            connection.close()

    def run(name: str, work: Callable[[], object]) -> threading.Thread:
        def record() -> None:
            try:
                outcome[name] = work()
            except Exception as error:
                outcome[name] = error
            finally:
                connection.close()

        thread = threading.Thread(target=record)
        thread.start()
        return thread

    def until_waiting(count: int) -> None:
        deadline = monotonic() + 60
        while waiting_for_a_lock() < count:
            assert monotonic() < deadline, f"fewer than {count} waiting"
            sleep(0.05)

    holder = threading.Thread(target=hold_the_menu)
    holder.start()
    assert holding.wait(60)
    removal = run(
        "removal",
        lambda: staff.post(
            "/admin/accounts/company/",
            {
                "action": "delete_unless_routed_to",
                "_selected_action": [studio_rossi.pk, panificio.pk],
                "post": "yes",
            },
        ),
    )
    until_waiting(1)
    save = run(
        "save",
        lambda: check_save_ring_group(
            panificio,
            RingGroupInput(
                name="Bakery", number="660", member_ids=[sara.pk], out_of_hours_number="650"
            ),
            RingGroup.objects.get(pk=bakery.pk),
        ),
    )
    until_waiting(2)
    let_go.set()
    for thread in (holder, removal, save):
        thread.join(120)
    assert getattr(outcome["removal"], "status_code", outcome["removal"]) == 302
    refused = outcome["save"]
    assert isinstance(refused, OfficinaError) and refused.code == ErrorCode.NOT_FOUND
    assert not Company.objects.filter(pk__in=[studio_rossi.pk, panificio.pk]).exists()
    assert not RingGroup.objects.exists()


def remove_company(company: Company) -> None:
    """The admin's removal of ``company``: checked, then removed, in one transaction."""
    hold_owner_for_removal(company)
    do_remove_owners([company])


def test_a_group_renumbered_while_its_company_is_removed_waits_and_is_refused(studio_rossi, giulia):
    """The removal has checked Studio Rossi (its groups held by owner, whatever their
    numbers) when the page of its group 650, opened before, renumbers it 659: the save
    waits for the removal, finds the group gone and is refused; nothing is made again."""
    desk = check_save_ring_group(
        studio_rossi, RingGroupInput(name="Desk", number="650", member_ids=[giulia.pk])
    )
    opened = RingGroup.objects.get(pk=desk.pk)
    outcome = first_holds_then_second(
        lambda: remove_company(studio_rossi),
        lambda: check_save_ring_group(
            studio_rossi, RingGroupInput(name="Desk", number="659", member_ids=[giulia.pk]),
            opened,
        ),
    )  # fmt: skip
    assert outcome["waited"] is True
    refused = outcome["second"]
    assert isinstance(refused, OfficinaError) and refused.code == ErrorCode.NOT_FOUND
    assert not RingGroup.objects.exists()
    assert not Company.objects.filter(slug="studio-rossi").exists()


def test_a_removal_waits_for_its_groups_renumbering_and_takes_the_group_as_renumbered(
    studio_rossi, giulia
):
    """Group 650 is being renumbered 659 (its save holds the row) when Studio Rossi's
    removal is asked: the removal's check waits for it rather than judge the old number,
    then removes the group under its new number; no group of Studio Rossi is left."""
    desk = check_save_ring_group(
        studio_rossi, RingGroupInput(name="Desk", number="650", member_ids=[giulia.pk])
    )
    outcome = first_holds_then_second(
        lambda: check_save_ring_group(
            studio_rossi, RingGroupInput(name="Desk", number="659", member_ids=[giulia.pk]),
            RingGroup.objects.get(pk=desk.pk),
        ),
        lambda: transaction.atomic()(remove_company)(Company.objects.get(pk=studio_rossi.pk)),
    )  # fmt: skip
    assert outcome["waited"] is True
    assert outcome["second"] is None
    assert not RingGroup.objects.exists()
    assert not Company.objects.filter(pk=studio_rossi.pk).exists()
