""" "On a call" on the directory and on profiles: being on the phone is presence, so it
is shown only to those who may see the member's presence (by the member's choice, and
sharing a space with them, as on who's here); the member always sees it on their own
profile. Each rule is read from the rendered pages, where a member's spaces once came
out wrong though right in isolation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from officina.accounts.actions import check_set_presence_visibility
from officina.accounts.kinds import PresenceVisibility
from officina.pbx.actions import CallRow, do_provision_extension, do_write_call_records

if TYPE_CHECKING:
    from django.test import Client

    from officina.accounts.models import Member

pytestmark = pytest.mark.django_db

TAG = '<span class="tag on-call">on a call</span>'
PROFILE_TAG = 'id="profile-on-call"'


@pytest.fixture
def marco_on_a_call(marco, sara):
    """Marco is talking to Sara now: answered, not hung up."""
    marco_x, sara_x = do_provision_extension(marco), do_provision_extension(sara)
    started = timezone.now() - timedelta(minutes=2)
    row = CallRow(
        call_id="marco-sara",
        caller_id=marco_x.pk,
        caller_number=marco_x.number,
        callee_id=sara_x.pk,
        callee_number=sara_x.number,
        devices_rung=[],
        answered_by="",
        started_at=started,
        answered_at=started + timedelta(seconds=4),
        ended_at=None,
        outcome="answered",
        final_status=200,
    )
    do_write_call_records([row], [])
    return row


def sees_marco_on_a_call(
    client_for: Callable[[Member], Client], viewer: Member, marco: Member
) -> bool:
    """What ``viewer`` reads about Marco, on the directory and on his profile (which must
    agree)."""
    browser = client_for(viewer)
    listed = browser.get("/members/", {"q": "Colombo"})
    assert listed.status_code == 200
    directory = listed.content.decode()
    assert "Marco Colombo" in directory
    profile = browser.get(f"/members/{marco.pk}/").content.decode()
    assert (TAG in directory) == (PROFILE_TAG in profile), "the pages disagree"
    return PROFILE_TAG in profile


def test_everyone_in_his_spaces_sees_him_on_a_call(
    client_for, marco_on_a_call, giulia, luca, marco
):
    assert marco.presence_visibility == PresenceVisibility.SPACES
    assert sees_marco_on_a_call(client_for, giulia, marco)  # a colleague in Navigli
    assert sees_marco_on_a_call(client_for, luca, marco)  # Navigli's manager


def test_nobody_outside_his_spaces_sees_it(client_for, marco_on_a_call, sara, outsider, marco):
    # Sara is on the same call but belongs to another space; Ugo belongs to none.
    assert not sees_marco_on_a_call(client_for, sara, marco)
    assert not sees_marco_on_a_call(client_for, outsider, marco)


def test_shown_to_his_companies_only_hides_it_from_the_rest_of_the_space(
    client_for, marco_on_a_call, giulia, luca, marco
):
    check_set_presence_visibility(marco, PresenceVisibility.COMPANIES)
    assert sees_marco_on_a_call(client_for, giulia, marco)  # Studio Rossi, Navigli
    assert not sees_marco_on_a_call(client_for, luca, marco)  # Navigli, not his company


def test_shown_to_nobody_hides_it_from_all_but_himself(
    client_for, marco_on_a_call, giulia, admin, marco
):
    check_set_presence_visibility(marco, PresenceVisibility.NOBODY)
    assert not sees_marco_on_a_call(client_for, giulia, marco)
    assert not sees_marco_on_a_call(client_for, admin, marco)
    assert sees_marco_on_a_call(client_for, marco, marco)


def test_operators_see_whoever_shows_his_presence_in_any_space(
    client_for, marco_on_a_call, admin, marco
):
    assert sees_marco_on_a_call(client_for, admin, marco)  # in no space, an operator


def test_a_call_that_ended_is_shown_to_nobody(client_for, marco_on_a_call, giulia, marco):
    marco_on_a_call.ended_at = timezone.now()
    do_write_call_records([], [marco_on_a_call])
    assert not sees_marco_on_a_call(client_for, giulia, marco)
    assert not sees_marco_on_a_call(client_for, marco, marco)


def test_the_directory_asks_once_for_the_whole_page(
    client_for, marco_on_a_call, giulia, django_assert_max_num_queries
):
    browser = client_for(giulia)
    browser.get("/members/")  # warm the session and caches
    with django_assert_max_num_queries(40) as counted:
        page = browser.get("/members/").content.decode()
    assert page.count(TAG) == 1
    assert sum("pbx_callrecord" in query["sql"] for query in counted.captured_queries) == 1


def test_the_tag_is_in_the_readers_language(client_for, marco_on_a_call, giulia, marco):
    giulia.language = "it"
    giulia.save()
    browser = client_for(giulia)
    assert '<span class="tag on-call">al telefono</span>' in (
        browser.get("/members/", {"q": "Colombo"}).content.decode()
    )
    assert "al telefono" in browser.get(f"/members/{marco.pk}/").content.decode()
