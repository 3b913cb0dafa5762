"""The live who's-here channel: who may listen, and what they hear (in-memory and Redis)."""

import os
import socket

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from officina.accounts.models import Member, Space
from officina.presence import actions
from officina.websocket_routes import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)


def _listen(member: Member | None, slug: str = "navigli") -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/presence/{slug}/")
    if member is not None:
        communicator.scope["user"] = member
    return communicator


async def _assert_arrival_and_departure(giulia: Member, marco: Member, navigli: Space) -> None:
    communicator = _listen(giulia)
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    await database_sync_to_async(actions.check_check_in)(marco, navigli, note="Rossi website")
    message = await communicator.receive_json_from(timeout=10)
    assert message["event"] == "arrival"
    member = message["member"]
    assert member["id"] == marco.pk
    assert member["name"] == "Marco Colombo"
    assert member["company"] == "Studio Rossi"
    assert member["kind"] == "on_site"
    assert member["note"] == "Rossi website"
    await database_sync_to_async(actions.check_check_out)(marco)
    assert await communicator.receive_json_from(timeout=10) == {
        "event": "departure",
        "member_id": marco.pk,
    }
    await communicator.disconnect()


async def test_members_hear_arrivals_and_departures(giulia, marco, navigli):
    await _assert_arrival_and_departure(giulia, marco, navigli)


def _redis_is_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_is_up(), reason="no Redis on 127.0.0.1:6379")
async def test_members_hear_arrivals_through_redis(giulia, marco, navigli):
    # One prefix per test process: two runs on one machine share the Redis server, and
    # each must hear only its own arrivals.
    layers = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": ["redis://127.0.0.1:6379/0"],
                "prefix": f"officina-test-{os.getpid()}",
            },
        }
    }
    with override_settings(CHANNEL_LAYERS=layers):
        await _assert_arrival_and_departure(giulia, marco, navigli)


async def test_other_spaces_are_not_heard(giulia, luca, sara, navigli, san_salvario):
    communicator = _listen(giulia)
    assert (await communicator.connect(timeout=10))[0]
    await database_sync_to_async(actions.check_check_in)(sara, san_salvario)
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


@pytest.mark.parametrize("who", ["anonymous", "outsider", "sara"])
async def test_non_members_cannot_listen(who, outsider, sara, navigli):
    member = {"anonymous": None, "outsider": outsider, "sara": sara}[who]
    communicator = _listen(member)
    connected, code = await communicator.connect(timeout=10)
    assert not connected
    assert code in (4401, 4404)


async def test_missing_space_looks_like_a_forbidden_one(giulia):
    connected, code = await _listen(giulia, "nowhere").connect(timeout=10)
    assert not connected and code == 4404


async def test_the_channel_ignores_what_pages_send(giulia, navigli):
    communicator = _listen(giulia)
    assert (await communicator.connect(timeout=10))[0]
    await communicator.send_json_to({"event": "arrival", "member": {"id": 1}})
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()
