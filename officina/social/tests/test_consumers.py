from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from officina.accounts.models import Member
from officina.asgi import application
from officina.social.actions import check_send_message, check_start_conversation

pytestmark = pytest.mark.django_db(transaction=True)


def _socket(member: Member | None = None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application, "/ws/messages/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    if member is not None:
        communicator.scope["user"] = member
    return communicator


async def test_anonymous_socket_is_refused():
    connected, code = await _socket().connect(timeout=10)
    assert not connected
    assert code == 4401


async def test_foreign_origin_is_refused(make_member):
    giulia = await sync_to_async(make_member)(first_name="Giulia")
    communicator = WebsocketCommunicator(
        application, "/ws/messages/", headers=[(b"origin", b"https://evil.example")]
    )
    communicator.scope["user"] = giulia
    connected, _code = await communicator.connect(timeout=10)
    assert not connected


async def test_message_reaches_participants_and_nobody_else(make_member):
    giulia = await sync_to_async(make_member)(first_name="Giulia")
    marco = await sync_to_async(make_member)(first_name="Marco")
    sara = await sync_to_async(make_member)(first_name="Sara")
    sockets = {member.first_name: _socket(member) for member in (giulia, marco, sara)}
    for socket in sockets.values():
        assert (await socket.connect(timeout=10))[0]
    conversation = await sync_to_async(check_start_conversation)(giulia, [marco])
    await sync_to_async(check_send_message)(giulia, conversation, "Ciao <b>Marco</b>")
    received = await sockets["Marco"].receive_json_from(timeout=3)
    assert received["type"] == "message"
    assert received["conversation"] == conversation.pk
    assert received["body"] == "Ciao <b>Marco</b>"
    assert received["sender_name"] == giulia.display_name
    # The sender's other open pages get it too.
    assert (await sockets["Giulia"].receive_json_from(timeout=3))["id"] == received["id"]
    assert await sockets["Sara"].receive_nothing(timeout=0.2)
    for socket in sockets.values():
        await socket.disconnect()
