"""WebSocket origins: members' live pages only from this site, SIP phones from anywhere.

No SIP server runs in these tests, so the SIP consumer itself answers 1013 (try again
later); the origin check, when it refuses, closes before any consumer is reached.
"""

import pytest
from channels.testing import WebsocketCommunicator

from officina.asgi import application

SIP_SERVER_NOT_RUNNING = 1013


async def close_code(path: str, headers: list[tuple[bytes, bytes]]) -> int | None:
    """The close code of a refused connection; None when it was accepted."""
    communicator = WebsocketCommunicator(application, path, headers=headers, subprotocols=["sip"])
    connected, code = await communicator.connect(timeout=10)
    if connected:
        await communicator.disconnect()
        return None
    return int(code)


@pytest.mark.django_db(transaction=True)
async def test_a_sip_phone_without_an_origin_reaches_the_sip_server():
    assert await close_code("/sip/ws", [(b"host", b"127.0.0.1")]) == SIP_SERVER_NOT_RUNNING


@pytest.mark.django_db(transaction=True)
async def test_a_sip_phone_from_another_origin_reaches_the_sip_server():
    headers = [(b"host", b"127.0.0.1"), (b"origin", b"https://softphone.example")]
    assert await close_code("/sip/ws", headers) == SIP_SERVER_NOT_RUNNING


@pytest.mark.django_db(transaction=True)
async def test_live_pages_refuse_another_origin():
    headers = [(b"host", b"127.0.0.1"), (b"origin", b"https://evil.example")]
    code = await close_code("/ws/notifications/", headers)
    assert code is not None
    assert code != SIP_SERVER_NOT_RUNNING
