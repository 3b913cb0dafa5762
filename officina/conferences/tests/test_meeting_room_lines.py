"""A space's meeting room with a conference line of its own: who may join is who may
book the meeting room, rule by rule (the PBX reads it by member id, ``room_plans``),
and the PBX refuses (403) a caller who may not, while one who may is answered."""

from __future__ import annotations

import shutil
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from officina.accounts.actions import do_join_space
from officina.bookings.access import may_book, member_ids_who_may_book
from officina.bookings.actions import check_book, check_create_resource, check_update_resource
from officina.bookings.tests.fixtures import EVERY_DAY
from officina.conferences.actions import (
    RoomInput,
    check_save_meeting_room_line,
    check_save_room,
)
from officina.conferences.models import Room
from officina.conferences.selectors import meeting_room_line, room_plans
from officina.core.errors import OfficinaError


@pytest.fixture
def brera(luca, navigli):
    """A meeting room of Navigli, which Luca manages and Giulia and Marco belong to."""
    return check_create_resource(
        luca, navigli, name="Sala Brera", kind="room", capacity=8, hours=EVERY_DAY
    )


LINE = RoomInput(name="Sala Brera", number="810", pin="", language="it")


def who_may_join(resource) -> set[str]:  # type: ignore[no-untyped-def]
    plan = room_plans()["810"]
    assert plan.may_join == member_ids_who_may_book(resource)
    from officina.accounts.models import Member

    return set(Member.objects.filter(pk__in=plan.may_join).values_list("first_name", flat=True))


@pytest.mark.django_db
class TestWhoMayJoin:
    def test_the_space_s_people_and_its_managers_and_the_superusers_and_nobody_else(
        self, brera, giulia, marco, luca, sara, outsider, admin
    ):
        check_save_meeting_room_line(brera, LINE)
        assert who_may_join(brera) == {"Giulia", "Marco", "Luca", "Ada"}
        for member in (giulia, marco, luca, admin):
            assert may_book(member, brera)

    def test_a_company_limit_leaves_out_the_space_s_other_people_but_not_its_managers(
        self, brera, luca, navigli, make_member, studio_rossi
    ):
        stranger = make_member(first_name="Stella")
        do_join_space(stranger, navigli)
        check_save_meeting_room_line(brera, LINE)
        assert "Stella" in who_may_join(brera)
        check_update_resource(
            luca, brera, hours=EVERY_DAY, only_companies=[studio_rossi], name=brera.name
        )
        brera.refresh_from_db()
        assert who_may_join(brera) == {"Giulia", "Marco", "Luca", "Ada"}
        assert not may_book(stranger, brera)

    def test_an_inactive_meeting_room_takes_nobody(self, brera, luca):
        check_save_meeting_room_line(brera, LINE)
        check_update_resource(luca, brera, hours=EVERY_DAY, is_active=False, name=brera.name)
        brera.refresh_from_db()
        assert who_may_join(brera) == set()

    def test_a_company_s_room_is_open_to_anyone_who_dials_it(self, studio_rossi):
        check_save_room(studio_rossi, RoomInput(name="Weekly", number="800"))
        assert room_plans()["800"].may_join is None


@pytest.mark.django_db
class TestTheLine:
    def test_saved_again_it_is_the_same_room_and_the_number_is_checked(self, brera, studio_rossi):
        first = check_save_meeting_room_line(brera, LINE)
        again = check_save_meeting_room_line(brera, RoomInput(name="Brera", number="811"))
        assert first.pk == again.pk and meeting_room_line(brera) == again
        assert again.number == "811" and again.company is None
        check_save_room(studio_rossi, RoomInput(name="Weekly", number="800"))
        with pytest.raises(OfficinaError) as taken:
            check_save_meeting_room_line(brera, RoomInput(name="Brera", number="800"))
        assert taken.value.details["field"] == "number"

    def test_only_a_meeting_room_has_a_line(self, luca, navigli):
        desk = check_create_resource(
            luca, navigli, name="Desk 4", kind="desk", capacity=1, hours=EVERY_DAY
        )
        with pytest.raises(OfficinaError):
            check_save_meeting_room_line(desk, LINE)
        assert not Room.objects.exists()

    def test_a_room_belongs_to_a_company_or_a_meeting_room_never_both(self, brera, studio_rossi):
        with pytest.raises(IntegrityError), transaction.atomic():
            Room.objects.create(company=studio_rossi, resource=brera, name="x", number="812")
        with pytest.raises(IntegrityError), transaction.atomic():
            Room.objects.create(name="x", number="813")


@pytest.mark.django_db
class TestTheNumberToDial:
    def test_the_meeting_room_s_page_shows_it_to_who_may_book_and_not_to_others(
        self, client, brera, luca, giulia, navigli, make_member, studio_rossi
    ):
        check_save_meeting_room_line(brera, RoomInput(name="Brera", number="810", pin="4321"))
        stranger = make_member()
        do_join_space(stranger, navigli)
        check_update_resource(
            luca, brera, hours=EVERY_DAY, only_companies=[studio_rossi], name=brera.name
        )
        page = reverse("bookings:resource", args=[brera.pk])
        client.force_login(giulia)
        assert "Conference line: dial 810, then the PIN 4321 and #" in client.get(page).text
        client.force_login(stranger)  # sees the meeting room, may not book it
        shown = client.get(page)
        assert shown.status_code == 200 and "Conference line" not in shown.text
        assert "dial 810" not in shown.text and "4321" not in shown.text

    def test_a_booking_of_the_meeting_room_carries_its_line_in_italian_too(
        self, client, brera, giulia
    ):
        check_save_meeting_room_line(brera, LINE)
        soon = timezone.now().astimezone(brera.space.zone).replace(
            hour=10, minute=0, second=0, microsecond=0
        ) + timedelta(days=2)
        check_book(giulia, brera, starts_at=soon, ends_at=soon + timedelta(hours=1))
        client.force_login(giulia)
        mine = client.get(reverse("bookings:mine"), HTTP_ACCEPT_LANGUAGE="en")
        assert "Conference line: dial 810" in mine.text
        with translation.override("it"):
            giulia.language = "it"
            giulia.save(update_fields=["language"])
            assert (
                "Linea per le conferenze: componi 810" in client.get(reverse("bookings:mine")).text
            )


@pytest.mark.django_db
class TestTheManagersPage:
    def test_a_manager_of_the_space_sets_the_line_and_nobody_else_reaches_the_page(
        self, client, brera, luca, giulia
    ):
        page = reverse("bookings:resource_line", args=[brera.pk])
        client.force_login(giulia)  # she may book it, she does not manage the space
        assert client.get(page).status_code == 404
        assert client.post(page, {"name": "Brera", "number": "810"}).status_code == 404
        assert not Room.objects.exists()
        client.force_login(luca)
        assert client.get(page).status_code == 200
        saved = client.post(page, {"name": "Brera", "number": "810", "pin": "", "language": "it"})
        assert saved.status_code == 302
        line = meeting_room_line(brera)
        assert line is not None and line.number == "810"

    def test_a_taken_number_is_shown_on_the_form_in_italian_and_nothing_changes(
        self, client, brera, luca, studio_rossi
    ):
        check_save_room(studio_rossi, RoomInput(name="Weekly", number="800"))
        luca.language = "it"
        luca.save(update_fields=["language"])
        client.force_login(luca)
        refused = client.post(
            reverse("bookings:resource_line", args=[brera.pk]),
            {"name": "Brera", "number": "800", "pin": "", "language": "it"},
        )
        assert refused.status_code == 400
        assert "800 è già in uso: scegli un altro numero." in refused.text
        assert "Linea per le conferenze" in refused.text
        assert meeting_room_line(brera) is None


@pytest.mark.realpeer
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is needed")
def test_the_pbx_answers_who_may_book_the_meeting_room_and_refuses_others(
    tmp_path, client, luca, navigli, giulia, outsider
):
    """Giulia calls in from a real phone (SIPp): while she is in the call the API lists
    her among the room's callers, to whoever may book the room and to nobody else; once
    she hangs up the list is empty again."""
    from officina.pbx.actions import do_provision_extension, do_set_sip_password
    from officina.pbx.tests.livepbx import live_pbx, port_base
    from officina.pbx.tests.test_baresip import wait_for
    from officina.pbx.tests.test_sipp import PASSWORDS, credentials, finished, sipp

    meeting_room = check_create_resource(
        luca, navigli, name="Sala Brera", kind="room", capacity=8, hours=EVERY_DAY
    )
    check_save_meeting_room_line(meeting_room, LINE)
    # Giulia (a member of the space) is 201; the outsider (of no space) is 202.
    for member, number in ((giulia, "201"), (outsider, "202")):
        extension = do_provision_extension(member)
        assert extension.number == number
        do_set_sip_password(extension, PASSWORDS[number])
    with live_pbx(port_base() + 80) as pbx:
        media = pbx.running.media
        assert wait_for(lambda: "810" in media.conferences.plans, 30)
        refused = sipp(
            tmp_path, "uac_refused.xml", pbx, port_base() + 10, "-m", "1",
            rows=[credentials("202", "810")],
        )  # fmt: skip
        assert finished(refused, tmp_path) == 0  # the scenario expects the 403
        assert media.dialogs == {} and media.ports.in_use == set()
        answered = sipp(
            tmp_path, "join_and_leave.xml", pbx, port_base() + 20, "-m", "1", "-d", "8000",
            "-mp", str(port_base() + 30), rows=[credentials("201", "810")],
        )  # fmt: skip
        callers = f"/api/conferences/meeting-rooms/{meeting_room.pk}/participants"

        def listed() -> list[dict[str, object]]:
            response = client.get(callers)
            assert response.status_code == 200, response.content
            participants: list[dict[str, object]] = response.json()
            return participants

        client.force_login(giulia)
        assert wait_for(lambda: listed() != [], 8), "the caller never showed in the API"
        (caller,) = listed()
        assert (caller["number"], caller["name"], caller["muted_by_owner"]) == (
            "201",
            giulia.display_name,
            False,
        )
        client.force_login(outsider)
        assert client.get(callers).status_code == 404
        assert finished(answered, tmp_path) == 0
        client.force_login(giulia)
        assert wait_for(lambda: listed() == [], 10), "the caller is still listed"


@pytest.mark.django_db
class TestRemovedOnTheManagersPage:
    def test_a_manager_removes_it_after_confirming_and_nobody_else_can(
        self, client, brera, luca, giulia
    ):
        check_save_meeting_room_line(brera, RoomInput(name="Brera", number="810", pin="4321"))
        page = reverse("bookings:resource_line", args=[brera.pk])
        remove = reverse("bookings:resource_line_remove", args=[brera.pk])
        client.force_login(giulia)  # she may book it, she does not manage the space
        assert client.post(remove).status_code == 404
        assert meeting_room_line(brera) is not None
        client.force_login(luca)
        shown = client.get(page).text
        # The browser asks first (web/forms.js), and only then posts.
        assert (
            "Remove the conference line 810 of Sala Brera? Its number will no longer answer."
            in shown
        )
        assert client.get(remove).status_code == 405
        assert meeting_room_line(brera) is not None
        removed = client.post(remove, follow=True)
        assert removed.redirect_chain[-1][0] == reverse("bookings:resource", args=[brera.pk])
        assert "The conference line 810 of Sala Brera is removed." in removed.text
        assert meeting_room_line(brera) is None and "810" not in room_plans()
        assert "Remove the conference line" not in client.get(page).text
        # Removed twice: there is none to remove, and it says so.
        again = client.post(remove, follow=True)
        assert again.redirect_chain[-1][0] == page
        assert "This meeting room has no conference line." in again.text
        assert not Room.objects.exists()

    def test_removed_in_italian(self, client, brera, luca):
        check_save_meeting_room_line(brera, LINE)
        luca.language = "it"
        luca.save(update_fields=["language"])
        client.force_login(luca)
        removed = client.post(
            reverse("bookings:resource_line_remove", args=[brera.pk]), follow=True
        )
        assert "La linea per le conferenze 810 di Sala Brera è stata tolta." in removed.text


@pytest.mark.django_db
class TestTheLivePage:
    """Who is in the meeting room's call: for whoever may book the meeting room; its
    space's managers mute."""

    def test_who_may_book_it_sees_the_call_and_only_managers_mute(
        self, client, brera, luca, giulia, navigli, make_member, studio_rossi
    ):
        from datetime import UTC, datetime

        from officina.conferences.actions import do_join
        from officina.conferences.models import Participant

        line = check_save_meeting_room_line(brera, RoomInput(name="Brera", number="810"))
        do_join(line.pk, "call-a@test", "201", "Anna Verdi", datetime.now(UTC))
        anna = Participant.objects.get()
        page = reverse("conferences:meeting_room", args=[brera.pk])
        mute = reverse("conferences:meeting_room_mute", args=[brera.pk, anna.pk])
        client.force_login(giulia)
        shown = client.get(page)
        assert shown.status_code == 200
        assert (
            "Anna Verdi" in shown.text
            and f'data-live="/ws/meeting-rooms/{brera.pk}/call/"' in shown.text
        )
        assert mute not in shown.text
        assert client.post(mute, {"muted": "yes"}).status_code == 404
        assert not Participant.objects.get().muted_by_owner
        client.force_login(luca)
        assert mute in client.get(page).text
        assert client.post(mute, {"muted": "yes"}).status_code == 302
        assert Participant.objects.get().muted_by_owner
        # A member of the space the company limit leaves out: as if there were no line.
        stranger = make_member()
        do_join_space(stranger, navigli)
        check_update_resource(
            luca, brera, hours=EVERY_DAY, only_companies=[studio_rossi], name=brera.name
        )
        client.force_login(stranger)
        assert client.get(page).status_code == 404
        client.force_login(giulia)
        assert (
            "Who is in the call" in client.get(reverse("bookings:resource", args=[brera.pk])).text
        )

    def test_a_meeting_room_without_a_line_has_no_live_page(self, client, brera, giulia):
        client.force_login(giulia)
        assert client.get(reverse("conferences:meeting_room", args=[brera.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
class TestTheLiveChannel:
    async def test_who_may_book_it_listens_and_others_are_refused(
        self, brera, giulia, sara, navigli
    ):
        from datetime import UTC, datetime

        from channels.db import database_sync_to_async
        from channels.routing import URLRouter
        from channels.testing import WebsocketCommunicator

        from officina.conferences.actions import do_join
        from officina.websocket_routes import websocket_urlpatterns

        def listen(member: Any) -> WebsocketCommunicator:
            communicator = WebsocketCommunicator(
                URLRouter(websocket_urlpatterns), f"/ws/meeting-rooms/{brera.pk}/call/"
            )
            communicator.scope["user"] = member
            return communicator

        refused = listen(giulia)
        connected, code = await refused.connect(timeout=10)
        assert (connected, code) == (False, 4404)  # no line yet
        line = await database_sync_to_async(check_save_meeting_room_line)(brera, LINE)
        outsider = listen(sara)  # not a member of Navigli
        connected, code = await outsider.connect(timeout=10)
        assert (connected, code) == (False, 4404)
        listener = listen(giulia)
        connected, _ = await listener.connect(timeout=10)
        assert connected
        assert await listener.receive_json_from(timeout=10) == {"participants": []}
        await database_sync_to_async(do_join)(
            line.pk, "call-a@test", "201", "Anna Verdi", datetime.now(UTC)
        )
        message = await listener.receive_json_from(timeout=10)
        assert [person["name"] for person in message["participants"]] == ["Anna Verdi"]
        await listener.disconnect()
