"""Without rtpengine a browser's call and a plain phone meet through the desk
(``bridged_calls.py``): Chromium (fake media) calling a member whose phone is a SIPp desk
phone (plain RTP) through his colleague's forwarding reaches it, bridged. With no desk to
bridge them (``Proxy.browser_bridges`` None), a browser's call rings only phones that can
take WebRTC: directly, through forwarding (always, and when not answered) and through a
ring group the desk phone never receives an INVITE, and the browser phone says why nobody
can answer; a member with a browser phone too has that one rung."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from officina.accounts.actions import check_add_company_member, check_answer_company_invitation
from officina.pbx.actions import (
    ForwardingInput,
    check_set_forwarding,
    do_provision_extension,
    do_set_sip_password,
)
from officina.pbx.tests.livepbx import LiveOfficina, LivePbx, live_officina, port_base
from officina.pbx.tests.test_desk_browser import open_phone
from officina.pbx.tests.test_ring_groups_sipp import invites_received, start_phone, stop
from officina.pbx.tests.test_softphone_browser import media_browser
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group
from officina.voicemail.actions import check_update_box, do_open_box
from officina.voicemail.kinds import RING_SECONDS_DEFAULT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed"),
]

__all__ = ["media_browser"]  # the fixture, used by name

NO_BRIDGE_IT = "I suoi telefoni non possono ricevere ora una chiamata dal browser"
GROUP = "600"


@pytest.fixture
def callees(
    make_member: Any, giulia: Any, marco: Any, sara: Any, studio_rossi: Any
) -> dict[str, Any]:
    """Set up before the PBX starts, which reads them then: Marco (only a SIPp desk phone,
    no voicemail), Sara forwarding every call to him, Pia (a browser phone) forwarding
    to him when she does not answer, and a group of Marco alone."""
    pia = make_member("pia@officina.test", first_name="Pia", last_name="Greco")
    check_add_company_member(giulia, studio_rossi, email=pia.email)
    check_answer_company_invitation(pia, studio_rossi, accept=True)
    do_provision_extension(giulia)
    desk = do_provision_extension(marco)
    do_set_sip_password(desk, "marco-desk-pw")
    check_update_box(
        do_open_box(desk),
        enabled=False, ring_seconds=RING_SECONDS_DEFAULT, email_messages=False,
    )  # fmt: skip
    forwarded = do_provision_extension(sara)
    check_set_forwarding(forwarded, ForwardingInput(always=desk.number))
    unanswered = do_provision_extension(pia)
    check_set_forwarding(unanswered, ForwardingInput(no_answer=desk.number, no_answer_seconds=5))
    check_save_ring_group(
        studio_rossi,
        RingGroupInput(
            name="Reception", number=GROUP, strategy="ring_all", ring_seconds=10,
            member_ids=[marco.pk],
        ),
    )  # fmt: skip
    return {"desk": desk.number, "forwarded": forwarded.number,
            "unanswered": unanswered.number, "pia": pia}  # fmt: skip


@pytest.fixture
def officina(callees: dict[str, Any]) -> Iterator[LiveOfficina]:
    with live_officina(web_port=port_base() + 36, sip_port=port_base() + 40) as live:
        yield live


def test_a_browsers_call_forwarded_to_a_plain_phone_is_bridged_by_the_desk(
    tmp_path, callees, officina, media_browser, giulia, marco
):
    """Giulia's browser calls Sara, who forwards every call to Marco's desk phone: the
    forward applies to the desk's own call, the desk phone rings and answers, and the
    browser is connected; her hang-up reaches the desk phone."""
    from playwright.sync_api import expect

    pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
    phone_dir = tmp_path / "marco"
    marco_desk: subprocess.Popen[bytes] = start_phone(
        phone_dir, "uas_answer.xml", pbx, officina.sip_port + 4, callees["desk"],
        "marco-desk-pw", "-timeout", "60s",
    )  # fmt: skip
    try:
        context, phone = open_phone(media_browser, officina, giulia, "en-US")
        phone.fill("#dial-number", callees["forwarded"])
        phone.click("#call")
        expect(phone.locator("#call-state")).to_have_text("Connected", timeout=15_000)
        assert len(officina.running.media.relays) == 1
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        context.close()
        assert marco_desk.wait(15) == 0, "the desk phone got its BYE"
    finally:
        stop(marco_desk)
    assert invites_received(phone_dir) == 1


def test_with_no_desk_to_bridge_a_browsers_call_never_rings_a_plain_phone(
    tmp_path, callees, officina, media_browser, giulia, marco
):
    from playwright.sync_api import expect

    officina.running.server.proxy.browser_bridges = None  # a node with nothing to bridge

    desk, forwarded, unanswered = callees["desk"], callees["forwarded"], callees["unanswered"]
    pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
    phone_dir = tmp_path / "marco"
    marco_desk: subprocess.Popen[bytes] = start_phone(
        phone_dir, "uas_answer.xml", pbx, officina.sip_port + 4, desk, "marco-desk-pw",
        "-timeout", "300s",
    )  # fmt: skip
    contexts = []
    try:
        giulia_context, giulia_phone = open_phone(media_browser, officina, giulia, "it-IT")
        pia_context, pia_phone = open_phone(media_browser, officina, callees["pia"], "it-IT")
        contexts += [giulia_context, pia_context]
        state = giulia_phone.locator("#softphone-state")
        # Marco directly; Sara, who forwards every call to him; the group of Marco alone.
        for number in (desk, forwarded, GROUP):
            giulia_phone.fill("#dial-number", number)
            giulia_phone.click("#call")
            expect(state).to_have_text(NO_BRIDGE_IT)
            expect(giulia_phone.locator("#in-call")).to_be_hidden()
        # Pia's browser rings (browser to browser needs no bridge); unanswered, her
        # forward to Marco finds no phone of his that can take it.
        giulia_phone.fill("#dial-number", unanswered)
        giulia_phone.click("#call")
        expect(pia_phone.locator("#incoming")).to_be_visible()
        expect(state).to_have_text(NO_BRIDGE_IT, timeout=15_000)
        expect(pia_phone.locator("#incoming")).to_be_hidden()

        # Marco opens the browser phone too: that one rings, the desk phone still not.
        marco_context, marco_phone = open_phone(media_browser, officina, marco, "it-IT")
        contexts.append(marco_context)
        giulia_phone.fill("#dial-number", desk)
        giulia_phone.click("#call")
        expect(marco_phone.locator("#incoming")).to_be_visible()
        expect(marco_phone.locator("#incoming-number")).to_have_text("201")
        giulia_phone.click("#hangup")
        expect(marco_phone.locator("#incoming")).to_be_hidden()
    finally:
        for context in contexts:
            context.close()
        stop(marco_desk)
    assert invites_received(phone_dir) == 0
