from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from officina.accounts.models import Member
from officina.asgi import application
from officina.notifications.actions import do_notify

pytestmark = pytest.mark.django_db(transaction=True)


def _communicator(member: Member | None = None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application, "/ws/notifications/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    if member is not None:
        communicator.scope["user"] = member
    return communicator


async def test_anonymous_socket_is_refused():
    communicator = _communicator()
    connected, code = await communicator.connect(timeout=10)
    assert not connected
    assert code == 4401


async def test_notification_is_pushed_to_the_recipient_only(make_member):
    giulia = await sync_to_async(make_member)(first_name="Giulia")
    marco = await sync_to_async(make_member)(first_name="Marco")
    giulia_socket = _communicator(giulia)
    marco_socket = _communicator(marco)
    assert (await giulia_socket.connect(timeout=10))[0]
    assert (await marco_socket.connect(timeout=10))[0]
    await sync_to_async(do_notify)(giulia, "test.kind", actor=marco, text="Hello", url="/feed/")
    message = await giulia_socket.receive_json_from(timeout=3)
    assert message["type"] == "notification"
    assert message["text"] == "Hello"
    assert message["unread"] == 1
    assert await marco_socket.receive_nothing(timeout=0.2)
    await giulia_socket.disconnect()
    await marco_socket.disconnect()


async def test_deactivated_member_socket_is_refused(make_member):
    ghost = await sync_to_async(make_member)(first_name="Ghost", is_active=False)
    connected, code = await _communicator(ghost).connect(timeout=10)
    assert not connected
    assert code == 4401


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b"cookie", b"django_language=it")], "Marco Colombo ha iniziato a seguirti."),
        (
            [(b"accept-language", b"it-IT,it;q=0.9,en;q=0.5")],
            "Marco Colombo ha iniziato a seguirti.",
        ),
        (
            [(b"cookie", b"django_language=en"), (b"accept-language", b"it-IT")],
            "Marco Colombo started following you.",
        ),
        ([(b"accept-language", b"de-DE")], "Marco Colombo started following you."),
    ],
)
async def test_a_pushed_notification_speaks_the_pages_language(make_member, headers, expected):
    from officina.social.actions import check_follow_member

    giulia = await sync_to_async(make_member)(first_name="Giulia")
    marco = await sync_to_async(make_member)(first_name="Marco", last_name="Colombo")
    communicator = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[(b"origin", b"http://127.0.0.1"), *headers],
    )
    communicator.scope["user"] = giulia
    assert (await communicator.connect(timeout=10))[0]
    await sync_to_async(check_follow_member)(marco, giulia)
    message = await communicator.receive_json_from(timeout=3)
    assert message["text"] == expected
    assert "message" not in message and "params" not in message
    await communicator.disconnect()


async def test_a_pushed_moment_is_in_the_readers_time_zone(make_member):
    from datetime import UTC, datetime

    from django.utils.translation import gettext_noop

    giulia = await sync_to_async(make_member)(first_name="Giulia", time_zone="Asia/Tokyo")
    communicator = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", b"django_language=it")],
    )
    communicator.scope["user"] = giulia
    assert (await communicator.connect(timeout=10))[0]
    moment = datetime(2026, 12, 24, 16, 30, tzinfo=UTC)
    await sync_to_async(do_notify)(
        giulia, "x.y", text=gettext_noop("Starts %(when)s."), params={"when": moment}
    )
    message = await communicator.receive_json_from(timeout=3)
    # Stored with its own zone (UTC here), shown on the reader's clock: 01:30 in Tokyo.
    assert message["text"] == "Starts 25/12/2026 01:30."
    await communicator.disconnect()
