"""Presence pages through HTTP: rights, check in/out, bad input, query counts, the kiosk."""

import json
from collections.abc import Callable
from datetime import datetime, time

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import timezone

from officina.accounts.actions import check_set_kiosk_pin
from officina.accounts.kinds import JoinPolicy
from officina.accounts.models import Member, SpaceMembership
from officina.presence import actions
from officina.presence.models import ArrivalWatch, CheckIn, Kiosk
from officina.presence.selectors import is_member_present

pytestmark = pytest.mark.django_db


def test_spaces_page_lists_every_space_with_counts(client_for, outsider, giulia, navigli):
    actions.check_check_in(giulia, navigli)
    page = client_for(outsider).get("/spaces/").content.decode()
    assert "Officina Navigli" in page and "Digital coworking" in page
    assert "Ask to join" in page  # Navigli, on request
    assert 'action="/spaces/digital/join/"' in page  # open: one click
    assert "here now" not in page  # nobody's presence before being accepted


def test_non_member_sees_the_join_page_not_the_people(client_for, outsider, giulia, navigli):
    actions.check_check_in(giulia, navigli, note="secret project")
    response = client_for(outsider).get("/spaces/navigli/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ask to join" in page
    assert "Giulia" not in page and "secret project" not in page


def test_missing_space_is_404(client_for, giulia):
    assert client_for(giulia).get("/spaces/nowhere/").status_code == 404


def test_join_then_check_in_then_out(client_for, outsider, navigli):
    navigli.join_policy = JoinPolicy.OPEN
    navigli.save()
    client = client_for(outsider)
    client.post("/spaces/navigli/join/")
    assert SpaceMembership.objects.filter(member=outsider, space=navigli).exists()
    response = client.post("/spaces/navigli/check-in/", {"note": "Rossi website", "until": ""})
    assert response.status_code == 302
    page = client.get("/spaces/navigli/").content.decode()
    assert "Ugo Esposito" in page and "Rossi website" in page
    client.post("/spaces/navigli/check-out/")
    assert not is_member_present(outsider)


def test_remote_session_with_until_time(client_for, giulia, digital):
    # Late in the evening "until 23:59" is still ahead; just after midnight it is a whole
    # day away and refused (a session lasts 16 hours at most): the test picks the hour.
    local_morning = datetime.combine(timezone.localdate(), time(9, 0), tzinfo=digital.zone)
    client = client_for(giulia)
    with time_machine.travel(local_morning, tick=False):
        client.post("/spaces/digital/check-in/", {"note": "Rossi website", "until": "23:59"})
    session = CheckIn.objects.get(member=giulia)
    assert session.kind == "remote"
    assert session.planned_until is not None
    local = session.planned_until.astimezone(digital.zone)
    assert (local.hour, local.minute) == (23, 59)


@pytest.mark.parametrize("data", [{"until": "25:99"}, {"note": "x" * 300}, {"until": "00:00"}])
def test_bad_check_in_form_changes_nothing(client_for, giulia, data):
    client = client_for(giulia)
    response = client.post("/spaces/navigli/check-in/", data, follow=True)
    assert response.status_code == 200
    assert not CheckIn.objects.exists()
    assert response.context["messages"]


def test_non_member_cannot_check_in_or_watch(client_for, outsider, giulia, navigli):
    client = client_for(outsider)
    assert client.post("/spaces/navigli/check-in/", {}).status_code == 404
    assert client.post("/spaces/navigli/watch/", {"member": giulia.pk}).status_code == 404
    assert not CheckIn.objects.exists() and not ArrivalWatch.objects.exists()


def test_watch_and_unwatch_from_the_people_page(client_for, giulia, marco, navigli):
    client = client_for(giulia)
    page = client.get("/spaces/navigli/people/").content.decode()
    assert "Notify me when they arrive" in page
    client.post("/spaces/navigli/watch/", {"member": marco.pk})
    assert ArrivalWatch.objects.filter(watcher=giulia, member=marco).exists()
    assert "/spaces/navigli/unwatch/" in client.get("/spaces/navigli/people/").content.decode()
    client.post("/spaces/navigli/unwatch/", {"member": marco.pk})
    assert not ArrivalWatch.objects.exists()
    assert client.post("/spaces/navigli/watch/", {"member": "abc"}).status_code == 404


def test_manage_page_is_for_managers_only(client_for, luca, giulia, navigli):
    assert client_for(giulia).get("/spaces/navigli/manage/").status_code == 404
    assert client_for(luca).get("/spaces/navigli/manage/").status_code == 200


def test_bad_space_details_change_nothing(client_for, luca, navigli):
    response = client_for(luca).post(
        "/spaces/navigli/manage/",
        {"form": "details", "name": "X", "time_zone": "Mars/Olympus", "capacity": "5"},
    )
    assert response.status_code == 400
    assert "Mars/Olympus" in response.content.decode()
    navigli.refresh_from_db()
    assert navigli.name == "Officina Navigli" and navigli.capacity == 40


def test_manager_promotes_a_member(client_for, luca, giulia, navigli):
    client_for(luca).post(
        "/spaces/navigli/manage/", {"form": "role", "email": giulia.email, "role": "manager"}
    )
    assert SpaceMembership.objects.get(member=giulia, space=navigli).role == "manager"


def test_whos_here_query_count_does_not_grow_with_people(
    client_for, giulia, navigli, django_assert_num_queries
):
    password = make_password("x")
    crowd = Member.objects.bulk_create(
        [
            Member(
                email=f"p{i}@example.test",
                first_name=f"Persona{i}",
                last_name="Test",
                password=password,
            )
            for i in range(2000)
        ]
    )
    SpaceMembership.objects.bulk_create([SpaceMembership(member=m, space=navigli) for m in crowd])
    now = timezone.now()
    CheckIn.objects.bulk_create(
        [CheckIn(member=m, space=navigli, started_at=now) for m in crowd[:40]]
    )
    client = client_for(giulia)
    # session, member, space, role, check-ins + members, main companies, who of them is
    # on a call, desks they claimed, own session, own desk to claim, unread-notifications
    # badge.
    with django_assert_num_queries(11):
        response = client.get("/spaces/navigli/")
    assert response.status_code == 200
    assert response.content.decode().count('data-member-id="') == 40


# --- kiosk -------------------------------------------------------------------------------


def _kiosk_client(client_for: Callable[[Member], Client], luca: Member) -> Client:
    client = client_for(luca)
    response = client.post("/spaces/navigli/kiosk/", {"name": "Door"})
    assert response.status_code == 302
    return client


def test_enabling_the_kiosk_logs_the_manager_out(client_for, luca, navigli):
    client = _kiosk_client(client_for, luca)
    assert Kiosk.objects.get().space == navigli
    assert "_auth_user_id" not in client.session
    page = client.get("/spaces/navigli/kiosk/").content.decode()
    assert "Hello! Who are you?" in page
    assert client.get("/settings/").status_code == 302


def test_kiosk_page_needs_a_manager_or_a_kiosk_cookie(client_for, giulia, navigli):
    assert client_for(giulia).get("/spaces/navigli/kiosk/").status_code == 404
    assert Client().get("/spaces/navigli/kiosk/").status_code == 302
    assert Client().get("/spaces/navigli/kiosk/people/?q=gi").status_code == 404


def test_kiosk_cookie_does_not_open_another_space(client_for, luca, navigli, san_salvario):
    client = _kiosk_client(client_for, luca)
    assert client.get("/spaces/san-salvario/kiosk/people/?q=sa").status_code == 404


def test_kiosk_finds_people_and_checks_them_in_and_out(client_for, luca, marco, navigli):
    check_set_kiosk_pin(marco, "4071")
    client = _kiosk_client(client_for, luca)
    people = client.get("/spaces/navigli/kiosk/people/?q=mar").json()["people"]
    assert people == [
        {"id": marco.pk, "name": "Marco C.", "initials": "MC", "here": False, "has_pin": True}
    ]
    toggle = "/spaces/navigli/kiosk/toggle/"
    wrong = client.post(
        toggle, json.dumps({"member": marco.pk, "pin": "1111"}), content_type="application/json"
    )
    assert wrong.status_code == 400 and not is_member_present(marco)
    right = client.post(
        toggle, json.dumps({"member": marco.pk, "pin": "4071"}), content_type="application/json"
    )
    assert right.json()["direction"] == "in" and is_member_present(marco)
    again = client.post(
        toggle, json.dumps({"member": marco.pk, "pin": "4071"}), content_type="application/json"
    )
    assert again.json()["direction"] == "out" and not is_member_present(marco)
    garbage = client.post(toggle, b"not json", content_type="application/json")
    assert garbage.status_code == 400


def test_revoked_kiosk_stops_working(client_for, luca, navigli):
    client = _kiosk_client(client_for, luca)
    kiosk = Kiosk.objects.get()
    client_for(luca).post(f"/spaces/navigli/manage/kiosks/{kiosk.pk}/revoke/")
    assert client.get("/spaces/navigli/kiosk/people/?q=ma").status_code == 404


def test_admin_lists_presence_with_filters_and_search(client_for, admin, giulia, navigli):
    actions.check_check_in(giulia, navigli)
    client = client_for(admin)
    for model in ("checkin", "arrivalwatch", "kiosk"):
        response = client.get(f"/admin/presence/{model}/?q=giulia")
        assert response.status_code == 200, model
        assert 'id="changelist-filter"' in response.content.decode(), model


def test_staff_open_spaces_and_others_cannot(client_for, admin, giulia):
    from officina.accounts.models import Space

    assert client_for(giulia).get("/spaces/new/").status_code == 404
    client = client_for(admin)
    bad = client.post(
        "/spaces/new/", {"name": "Officina Bologna", "kind": "physical", "time_zone": "Bologna"}
    )
    assert bad.status_code == 400 and not Space.objects.filter(city="Bologna").exists()
    response = client.post(
        "/spaces/new/",
        {
            "name": "New",
            "kind": "physical",
            "city": "Bologna",
            "time_zone": "Europe/Rome",
            "capacity": "20",
        },
    )
    space = Space.objects.get(city="Bologna")
    assert space.slug == "new-2"  # "new" would hide the creation page
    assert response["Location"] == "/spaces/new-2/"
    assert SpaceMembership.objects.get(space=space).role == "manager"


def test_kiosk_answers_its_script_in_the_one_json_error_shape(client_for, luca, marco, navigli):
    check_set_kiosk_pin(marco, "4071")
    client = _kiosk_client(client_for, luca)
    wrong = client.post(
        "/spaces/navigli/kiosk/toggle/",
        json.dumps({"member": marco.pk, "pin": "1111"}),
        content_type="application/json",
        headers={"Accept": "application/json"},
    )
    assert wrong.status_code == 400
    assert wrong.json() == {"code": "INVALID_INPUT", "message": "Wrong PIN.", "field": "pin"}
    stranger = Client().get(
        "/spaces/navigli/kiosk/people/?q=ma", headers={"Accept": "application/json"}
    )
    assert stranger.status_code == 404 and stranger.json()["code"] == "NOT_FOUND"
