"""Click-to-call answered in the browser phone, with real peers: Chromium (JsSIP,
DTLS-SRTP, Opus) for the member, and for the other party a baresip phone (plain RTP,
through the PBX's own desk when no rtpengine runs) or another member's browser phone
(peer to peer, with rtpengine or without)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from officina.api.actions import do_create_api_token
from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import LiveOfficina, live_officina, port_base, running_rtpengine
from officina.pbx.tests.sipp_provider import PROVIDER
from officina.pbx.tests.test_baresip import command, loudness, wait_for
from officina.pbx.tests.test_click_to_call import api, follow
from officina.pbx.tests.test_rtpengine_calls import (
    BARESIP_PASSWORD,
    PHONE_CTRL,
    SIP_PORT,
    WEB_PORT,
    baresip_phone,
    decoded_calls,
    open_phone,
)
from officina.pbx.tests.test_softphone_browser import (
    audio_bytes,
    media_browser,  # noqa: F401 (a fixture)
    wait_for_more_audio,
)
from officina.trunks.actions import TrunkInput, check_save_trunk

# The number outside Giulia calls, as the trunk sends it (the provider's baresip answers
# only calls to its account's user).
OUTSIDE = "+390212345678"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
]


@contextmanager
def officina_without_rtpengine(settings: Any) -> Iterator[LiveOfficina]:
    settings.RTPENGINE_URL = ""
    with live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina:
        assert officina.running.anchor is None
        yield officina


@pytest.mark.skipif(not shutil.which("baresip"), reason="baresip is needed")
def test_a_click_to_call_answered_in_the_browser_phone_is_bridged_by_the_desk(
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Giulia's only phone is the browser phone and no rtpengine runs: the PBX rings it,
    the desk answers its WebRTC offer with aiortc and calls Marco's baresip with plain
    RTP, and relays between them. Both hear each other; a hold from either side plays
    the music to the other, and the resume brings the voice back; the call is recorded
    as Giulia's to Marco, and its ports are freed at the end. A key from the browser's
    dial pad reaches Marco as an RFC 4733 event."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    do_set_sip_password(do_provision_extension(marco), BARESIP_PASSWORD)  # 202, the desk
    _key, token = do_create_api_token(giulia, "click-to-call")
    home = tmp_path / "marco"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(home, "202", BARESIP_PASSWORD) as log,
    ):
        desk = officina.running.media
        context, phone = open_phone(media_browser, officina, giulia)
        status, placed = api(officina, token, "/phone/calls", {"target": "202"})
        assert status == 201, placed
        expect(phone.locator("#incoming")).to_be_visible()
        phone.click("#answer")
        assert follow(officina, token, placed["ticket"], "connected", 15) == "connected"
        (relay,) = desk.relays
        wait_for_more_audio(phone, 8000)  # a second of audio and more, from baresip
        phone.wait_for_timeout(1500)  # and baresip hears the browser meanwhile
        assert relay.relayed["to_onward"] > 50 and relay.relayed["to_caller"] > 50
        # A key from the dial pad: the browser sends it in an INFO, the desk on to Marco.
        phone.click(".dialpad [data-key='5']")
        assert wait_for(lambda: relay.keys_sent["to_onward"] == 1, 5)
        heard_key = "received event: '5'"  # baresip's RFC 4733 event
        assert wait_for(lambda: heard_key in log.read_text(errors="replace"), 5)

        # Hold and resume from the browser: the desk answers it, Marco hears the music.
        phone.click("#hold")
        expect(phone.locator("#hold")).to_have_text("Resume")
        assert wait_for(lambda: relay.holding == {"caller"}, 5)
        assert wait_for(lambda: relay.music_sent["to_onward"] > 25, 5), "Marco hears music"
        phone.click("#hold")
        expect(phone.locator("#hold")).to_have_text("Hold")
        assert wait_for(lambda: not relay.holding, 5)
        received, _sent = audio_bytes(phone)
        wait_for_more_audio(phone, received + 4000)  # Marco's voice is back

        # Hold and resume from Marco's baresip: Giulia hears the music meanwhile.
        command(PHONE_CTRL, "hold")
        assert wait_for(lambda: relay.holding == {"onward"}, 5)
        assert wait_for(lambda: relay.music_sent["to_caller"] > 25, 5), "Giulia hears music"
        received, _sent = audio_bytes(phone)
        wait_for_more_audio(phone, received + 2000)  # the music reaches the browser
        command(PHONE_CTRL, "resume")
        assert wait_for(lambda: not relay.holding, 5)
        relayed = relay.relayed["to_caller"]
        assert wait_for(lambda: relay.relayed["to_caller"] > relayed + 25, 5)

        # A transfer to no one's number: the desk refers Marco's phone there on the
        # browser's behalf, his call to 203 fails, the browser hears so in the NOTIFY
        # passed back, and the call goes on (test_click_to_call_transfer_browser.py).
        phone.click("#transfer-open")
        phone.fill("#transfer-number", "203")
        phone.click("#transfer-submit")
        expect(phone.locator("#transfer-status")).to_have_text(
            "Transfer failed: No such number. The call is still yours.", timeout=15_000
        )
        expect(phone.locator("#transfer-submit")).to_be_enabled()
        expect(phone.locator("#in-call")).to_be_visible()

        phone.click("#hangup")
        assert follow(officina, token, placed["ticket"], "ended", 10) == "ended"
        assert wait_for(lambda: not desk.relays, 5), "the relaying stopped"
        assert wait_for(lambda: not desk.ports.in_use, 5), "every media port freed"
        context.close()

    (decoded,) = decoded_calls(home)
    assert loudness(decoded) > 300, log.read_text(errors="replace")[-2000:]
    record = CallRecord.objects.get(caller_number="201")
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert (record.caller_number, record.callee_number) == ("201", "202")
    assert record.ended_by == CallRecord.EndedBy.CALLER
    assert record.transferred_to == "203"
    attempt = CallRecord.objects.get(caller_number="202")
    assert (attempt.callee_number, attempt.outcome) == ("203", "not-found")
    assert attempt.transferred_by == "201"


@pytest.fixture(params=[False, True], ids=["without-rtpengine", "rtpengine"])
def rtpengine_url(request: Any, tmp_path: Any) -> Iterator[str]:
    """rtpengine's NG address, or "" for none; started before the browser's fixture (a
    sync Playwright keeps an event loop running, and the start asks rtpengine's ping)."""
    if not request.param:
        yield ""
        return
    if not shutil.which("rtpengine"):
        pytest.skip("rtpengine is needed")
    log = tmp_path / "rtpengine.log"
    with running_rtpengine(port_base() + 80, port_base() + 82, port_base() + 99, log) as url:
        yield url


def test_a_click_to_call_from_a_browser_to_a_browser_goes_peer_to_peer(
    rtpengine_url,
    media_browser,  # noqa: F811
    giulia,
    marco,
    settings,
    tmp_path,
):
    """Giulia's and Marco's only phones are browser phones: Giulia's answers her
    click-to-call, and its WebRTC offer goes to Marco's browser as it is; the two
    talk peer to peer (nothing relays them, rtpengine or the desk), hold and resume
    pass between them, and the call is recorded as Giulia's to Marco."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201
    do_provision_extension(marco)  # 202
    _key, token = do_create_api_token(giulia, "click-to-call")
    settings.RTPENGINE_URL = rtpengine_url
    with live_officina(web_port=WEB_PORT, sip_port=SIP_PORT) as officina:
        anchor, desk = officina.running.anchor, officina.running.media
        giulia_context, giulia_phone = open_phone(media_browser, officina, giulia)
        marco_context, marco_phone = open_phone(media_browser, officina, marco)
        status, placed = api(officina, token, "/phone/calls", {"target": "202"})
        assert status == 201, placed
        expect(giulia_phone.locator("#incoming")).to_be_visible()
        giulia_phone.click("#answer")
        expect(marco_phone.locator("#incoming")).to_be_visible()
        marco_phone.click("#answer")
        assert follow(officina, token, placed["ticket"], "connected", 15) == "connected"
        wait_for_more_audio(giulia_phone, 8000)
        wait_for_more_audio(marco_phone, 8000)
        assert not desk.relays
        assert (anchor is not None) == bool(rtpengine_url)
        assert anchor is None or not anchor.calls  # not anchored: peer to peer

        giulia_phone.click("#hold")
        expect(giulia_phone.locator("#hold")).to_have_text("Resume")
        giulia_phone.click("#hold")
        expect(giulia_phone.locator("#hold")).to_have_text("Hold")
        received, _sent = audio_bytes(giulia_phone)
        wait_for_more_audio(giulia_phone, received + 4000)
        received, _sent = audio_bytes(marco_phone)
        wait_for_more_audio(marco_phone, received + 4000)

        marco_phone.click("#hangup")
        assert follow(officina, token, placed["ticket"], "ended", 10) == "ended"
        expect(giulia_phone.locator("#in-call")).to_be_hidden()
        giulia_context.close()
        marco_context.close()

    record = CallRecord.objects.get()
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert (record.caller_number, record.callee_number) == ("201", "202")
    assert record.ended_by == CallRecord.EndedBy.CALLEE


@pytest.mark.skipif(not shutil.which("baresip"), reason="baresip is needed")
def test_a_click_to_call_to_a_number_outside_answered_in_the_browser_goes_through_the_trunk(
    media_browser,  # noqa: F811
    giulia,
    studio_rossi,
    settings,
    tmp_path,
):
    """Giulia's browser phone answers her click-to-call to a number outside, with no
    rtpengine: the desk's plain offer goes out through Studio Rossi's trunk to the
    provider (a baresip on the provider's address, answering), and the desk relays
    between the two; the provider hears the browser, the browser hears the provider."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser
    _key, token = do_create_api_token(giulia, "click-to-call")
    provider_ports = (port_base() + 40, port_base() + 42, port_base() + 44)
    home = tmp_path / "provider"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(home, OUTSIDE, "", provider_ports, PROVIDER, registers=False) as log,
    ):
        check_save_trunk(
            studio_rossi,
            TrunkInput(
                name="Provider", host=PROVIDER, port=provider_ports[0], mode="peer",
                username="studio", password="trunk-pw-1", peer_addresses=PROVIDER,
            ),
        )  # fmt: skip
        trunks = officina.running.server.trunks
        assert trunks is not None
        trunks.load()  # at once, not at the next refresh
        desk = officina.running.media
        context, phone = open_phone(media_browser, officina, giulia)
        status, placed = api(officina, token, "/phone/calls", {"target": "02 1234 5678"})
        assert status == 201, placed
        expect(phone.locator("#incoming")).to_be_visible()
        phone.click("#answer")
        assert follow(officina, token, placed["ticket"], "connected", 15) == "connected"
        (relay,) = desk.relays
        wait_for_more_audio(phone, 8000)  # a second of audio and more, from the provider
        phone.wait_for_timeout(1500)  # and the provider hears the browser meanwhile
        assert relay.relayed["to_onward"] > 50
        command(provider_ports[1], "hangup")  # the person outside hangs up
        assert follow(officina, token, placed["ticket"], "ended", 10) == "ended"
        expect(phone.locator("#in-call")).to_be_hidden()
        assert wait_for(lambda: not desk.relays and not desk.ports.in_use, 5)
        context.close()

    (decoded,) = decoded_calls(home)
    assert loudness(decoded) > 300, log.read_text(errors="replace")[-2000:]
    record = CallRecord.objects.get()
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert (record.caller_number, record.callee_number) == ("201", OUTSIDE)
    assert record.ended_by == CallRecord.EndedBy.CALLEE
