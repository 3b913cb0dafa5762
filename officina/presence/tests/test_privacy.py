"""Who sees whose presence: each member's choice, applied by every read and push.

The community: Navigli has Luca (manager), Giulia and Marco; Giulia and Marco are both
in Studio Rossi, Luca in no company; Ugo (``outsider``) is in no space.
"""

import json

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.cache import cache

from officina.accounts.actions import check_join_space, check_set_presence_visibility
from officina.accounts.kinds import PresenceVisibility
from officina.accounts.models import Member, Space
from officina.notifications.models import Notification
from officina.presence import actions
from officina.presence.selectors import (
    presence_counts,
    present_in_spaces,
    present_member_ids,
    space_presence,
)
from officina.websocket_routes import websocket_urlpatterns

SPACES, COMPANIES, NOBODY = (
    PresenceVisibility.SPACES,
    PresenceVisibility.COMPANIES,
    PresenceVisibility.NOBODY,
)


def _hide(member: Member, visibility: str) -> None:
    check_set_presence_visibility(member, visibility)


def _shown(viewer: Member, space: Space) -> set[str]:
    return {p.check_in.member.first_name for p in space_presence(viewer, space)}


@pytest.mark.django_db
class TestTheRule:
    """One test per rule, through the selectors every page and the API use."""

    def test_everyone_in_my_spaces(self, giulia, marco, luca, outsider, sara, navigli):
        actions.check_check_in(giulia, navigli)
        assert _shown(marco, navigli) == _shown(luca, navigli) == {"Giulia"}
        # Not in the space: nothing, whatever Giulia chose.
        assert _shown(outsider, navigli) == _shown(sara, navigli) == set()
        assert presence_counts(outsider) == {} and present_member_ids(outsider) == set()

    def test_my_companies_only(self, giulia, marco, luca, navigli):
        _hide(giulia, COMPANIES)
        actions.check_check_in(giulia, navigli)
        assert _shown(marco, navigli) == {"Giulia"}  # Studio Rossi, like her
        assert _shown(luca, navigli) == set()  # the manager, but not a colleague
        assert presence_counts(luca, [navigli.pk]) == {}
        assert present_member_ids(luca, navigli) == set()

    def test_nobody(self, giulia, marco, luca, admin, navigli):
        _hide(giulia, NOBODY)
        actions.check_check_in(giulia, navigli)
        for viewer in (marco, luca, admin):
            assert _shown(viewer, navigli) == set()
            assert present_in_spaces(viewer, [navigli.pk]) == {navigli.pk: []}
        # One always sees oneself.
        assert _shown(giulia, navigli) == {"Giulia"}
        assert presence_counts(giulia, [navigli.pk]) == {navigli.pk: 1}

    def test_a_request_to_join_shows_nobody(self, giulia, outsider, navigli):
        actions.check_check_in(giulia, navigli)
        assert check_join_space(outsider, navigli) is False  # "on request": waiting
        assert _shown(outsider, navigli) == set()
        assert presence_counts(outsider) == {}


@pytest.mark.django_db
class TestEveryPage:
    def test_whos_here_page(self, client_for, giulia, marco, luca, navigli):
        _hide(giulia, COMPANIES)
        actions.check_check_in(giulia, navigli, note="secret project")
        assert "secret project" in client_for(marco).get("/spaces/navigli/").content.decode()
        page = client_for(luca).get("/spaces/navigli/").content.decode()
        assert "Giulia Rossi" not in page and "secret project" not in page

    def test_dashboard_and_spaces_list(self, client_for, giulia, luca, navigli):
        _hide(giulia, NOBODY)
        actions.check_check_in(giulia, navigli, note="secret project")
        dashboard = client_for(luca).get("/").content.decode()
        assert "Giulia Rossi" not in dashboard and "secret project" not in dashboard
        spaces = client_for(luca).get("/spaces/")
        assert [row["present"] for row in spaces.context["rows"]] == [0, 0, 0]

    def test_people_page(self, client_for, giulia, luca, navigli):
        _hide(giulia, NOBODY)
        actions.check_check_in(giulia, navigli)
        response = client_for(luca).get("/spaces/navigli/people/")
        assert giulia.pk not in response.context["present"]

    def test_settings_page_sets_the_choice_and_refuses_nonsense(self, client_for, giulia):
        client = client_for(giulia)
        bad = client.post("/settings/", {"form": "privacy", "presence_visibility": "all"})
        assert bad.status_code == 400
        giulia.refresh_from_db()
        assert giulia.presence_visibility == SPACES
        client.post("/settings/", {"form": "privacy", "presence_visibility": "companies"})
        giulia.refresh_from_db()
        assert giulia.presence_visibility == COMPANIES

    def test_kiosk_shows_here_only_for_who_shows_it_to_everyone(
        self, client_for, giulia, marco, luca, navigli
    ):
        from officina.presence.tests.test_views import _kiosk_client

        _hide(giulia, COMPANIES)
        actions.check_check_in(giulia, navigli)
        actions.check_check_in(marco, navigli)
        cache.clear()
        kiosk = _kiosk_client(client_for, luca)
        people = {
            p["name"]: p["here"]
            for p in json.loads(kiosk.get("/spaces/navigli/kiosk/people/?q=ro").content)["people"]
        }
        assert people["Giulia R."] is None  # neither "here" nor "not here"
        marco_found = json.loads(kiosk.get("/spaces/navigli/kiosk/people/?q=marco").content)
        assert marco_found["people"][0]["here"] is True

    def test_arrival_watch_waits_for_who_may_not_see(
        self, giulia, marco, luca, navigli, django_capture_on_commit_callbacks
    ):
        actions.check_watch_arrival(luca, giulia)
        actions.check_watch_arrival(marco, giulia)
        _hide(giulia, COMPANIES)
        actions.check_check_in(giulia, navigli)
        told = set(
            Notification.objects.filter(kind="presence.arrival").values_list(
                "recipient__first_name", flat=True
            )
        )
        assert told == {"Marco"}


def _listen(member: Member) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/presence/navigli/")
    communicator.scope["user"] = member
    return communicator


@pytest.mark.django_db(transaction=True)
async def test_live_push_follows_the_choice(giulia, marco, luca, navigli):
    colleague, manager = _listen(marco), _listen(luca)
    assert (await colleague.connect(timeout=10))[0] and (await manager.connect(timeout=10))[0]
    await database_sync_to_async(_hide)(giulia, COMPANIES)
    await database_sync_to_async(actions.check_check_in)(giulia, navigli)
    arrival = await colleague.receive_json_from(timeout=10)
    assert arrival["event"] == "arrival" and arrival["member"]["id"] == giulia.pk
    assert await manager.receive_nothing(timeout=0.5)
    # Hiding mid-session drops her from the page that showed her; the other hears nothing.
    await database_sync_to_async(_hide)(giulia, NOBODY)
    assert await colleague.receive_json_from(timeout=10) == {
        "event": "departure",
        "member_id": giulia.pk,
    }
    assert await manager.receive_nothing(timeout=0.5)
    # Showing herself again brings her back to the pages that may now show her.
    await database_sync_to_async(_hide)(giulia, SPACES)
    assert (await manager.receive_json_from(timeout=10))["event"] == "arrival"
    assert (await colleague.receive_json_from(timeout=10))["event"] == "arrival"
    await database_sync_to_async(actions.check_check_out)(giulia)
    assert (await manager.receive_json_from(timeout=10))["event"] == "departure"
    await colleague.disconnect()
    await manager.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_departures_reach_only_who_saw_the_arrival(giulia, luca, navigli):
    await database_sync_to_async(_hide)(giulia, NOBODY)
    await database_sync_to_async(actions.check_check_in)(giulia, navigli)
    manager = _listen(luca)
    assert (await manager.connect(timeout=10))[0]
    await database_sync_to_async(actions.check_check_out)(giulia)
    assert await manager.receive_nothing(timeout=0.5)
    await manager.disconnect()
