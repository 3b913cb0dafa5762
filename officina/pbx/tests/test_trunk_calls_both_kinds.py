"""A call in from a provider through a peer trunk, without rtpengine, rings a member's
phones of both media kinds as a member's own call does: the plain ones with the
provider's offer, the browser through the desk's branch of the same fork
(``Proxy._with_desk_branches``, ``BridgedBrowserCalls.branch``); a browser's call out
goes through the desk's own call to the provider. Real peers: Chromium
(JsSIP, DTLS-SRTP, Opus) for the browser phones, SIPp desk phones, and a baresip or a
SIPp on the provider's address (127.0.0.2) as the provider."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from officina.contacts.actions import ContactInput, check_save_contact
from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.models import CallRecord
from officina.pbx.selectors import start_of_today
from officina.pbx.tests.livepbx import HOST, LivePbx, port_base, signed_in_context
from officina.pbx.tests.sipp_provider import (
    COMPANY_NUMBER,
    PROVIDER,
    TRUNK_PASSWORD,
    TRUNK_USER,
    credentials,
    messages,
    provider,
)
from officina.pbx.tests.test_baresip import command, loudness, wait_for
from officina.pbx.tests.test_browser_calls_both_kinds import (
    BROWSER_AGENT,
    GIULIA_DESK_PASSWORD,
    SIPP_AGENT,
    _desk_phone,
)
from officina.pbx.tests.test_click_to_call_browser import officina_without_rtpengine
from officina.pbx.tests.test_ring_groups_sipp import stop
from officina.pbx.tests.test_rtpengine_calls import (
    SIP_PORT,
    baresip_phone,
    decoded_calls,
    open_phone,
)
from officina.pbx.tests.test_sipp import finished
from officina.pbx.tests.test_softphone_browser import (
    media_browser,  # noqa: F401 (a fixture)
    wait_for_more_audio,
)
from officina.trunks.actions import (
    NumberInput,
    PermissionInput,
    TrunkInput,
    check_save_number,
    check_save_trunk,
    check_set_permission,
)

if TYPE_CHECKING:
    from officina.accounts.models import Company
    from officina.pbx.tests.livepbx import LiveOfficina

pytestmark = [
    pytest.mark.browser,
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not shutil.which("baresip") or not shutil.which("sipp"), reason="baresip and SIPp"
    ),
]

CALLER = "+393331234567"  # the person outside, as the provider presents them
MILAN_NUMBER = "+390212345678"  # whom Giulia calls out, as the provider expects it
PROVIDER_PORTS = (port_base() + 40, port_base() + 42, port_base() + 44)  # SIP, ctrl, RTP


def _trunk_with_the_number(
    officina: LiveOfficina,
    studio_rossi: Company,
    route_kind: str,
    route_target: str,
    **forwarding: Any,
) -> None:
    """Studio Rossi's peer trunk to the provider on 127.0.0.2, its number ringing
    ``route_target`` (and forwarding as ``forwarding``, ``NumberInput``'s fields); the PBX
    reads both (and the contacts' names) at once."""
    trunk = check_save_trunk(
        studio_rossi,
        TrunkInput(
            name="Provider", host=PROVIDER, port=PROVIDER_PORTS[0], mode="peer",
            username=TRUNK_USER, password=TRUNK_PASSWORD, peer_addresses=PROVIDER,
        ),
    )  # fmt: skip
    check_save_number(
        studio_rossi,
        NumberInput(
            number=COMPANY_NUMBER, trunk_id=trunk.pk, route_kind=route_kind,
            route_target=route_target, **forwarding,
        ),
    )  # fmt: skip
    trunks = officina.running.server.trunks
    names = officina.running.server.proxy.caller_names
    assert trunks is not None and names is not None
    trunks.load()
    names.load()


def test_a_call_in_from_the_provider_rings_both_phones_and_the_browser_answers(
    media_browser,  # noqa: F811
    giulia,
    studio_rossi,
    settings,
    tmp_path,
):
    """The provider (a baresip on 127.0.0.2, sending a tone) calls Studio Rossi's number,
    which rings Giulia: her SIPp desk phone directly and her browser phone through the
    desk, both showing the caller by the name in the company's contacts. The browser
    answers: the desk phone gets the CANCEL, the provider and the browser hear each other
    through the desk's bridge, and Giulia hangs up. One record: an inbound call from the
    number as the provider presented it, answered by the browser phone."""
    from playwright.sync_api import expect

    check_save_contact(
        studio_rossi,
        ContactInput(
            name="Elena Ferri", relation="client", organisation="Cliente Srl",
            numbers=[("mobile", "333 123 4567")],
        ),
    )  # fmt: skip
    do_set_sip_password(do_provision_extension(giulia), GIULIA_DESK_PASSWORD)  # 201
    home = tmp_path / "provider"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(home, CALLER, "", PROVIDER_PORTS, PROVIDER, registers=False) as log,
    ):
        _trunk_with_the_number(officina, studio_rossi, "extension", "201")
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_ring_until_cancel.xml", "201", GIULIA_DESK_PASSWORD
        )
        try:
            desk = officina.running.media
            context, phone = open_phone(media_browser, officina, giulia)
            command(PROVIDER_PORTS[1], "dial", f"sip:{COMPANY_NUMBER}@{HOST}:{SIP_PORT}")
            expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
            expect(phone.locator("#incoming-number")).to_have_text(CALLER)
            expect(phone.locator("#incoming-name")).to_contain_text("Elena Ferri")
            assert desk_phone.poll() is None, "the desk phone rings on"
            phone.click("#answer")
            expect(phone.locator("#call-state")).to_have_text("Connected")
            assert desk_phone.wait(15) == 0, "the desk phone got its CANCEL"
            assert wait_for(lambda: len(desk.relays) == 1, 10)
            (relay,) = desk.relays
            wait_for_more_audio(phone, 8000)  # a second of the provider's tone and more
            phone.wait_for_timeout(1500)  # and the provider hears the browser meanwhile
            assert relay.relayed["to_onward"] > 50 and relay.relayed["to_caller"] > 50
            phone.click("#hangup")
            expect(phone.locator("#in-call")).to_be_hidden()
            assert wait_for(lambda: not desk.relays and not desk.ports.in_use, 5)
            ended = lambda: "terminated" in log.read_text(errors="replace")  # noqa: E731
            assert wait_for(ended, 5), log.read_text(errors="replace")[-2000:]
            context.close()
        finally:
            stop(desk_phone)

    invite = next(m for m in messages(tmp_path / "desk-201", "received") if m.startswith("INVITE"))
    assert re.search(rf'^From: "Elena Ferri[^"]*" <sip:\{CALLER}@', invite, re.MULTILINE), invite
    (decoded,) = decoded_calls(home)
    assert loudness(decoded) > 300, log.read_text(errors="replace")[-2000:]
    record = CallRecord.objects.get()
    assert record.direction == CallRecord.Direction.INBOUND
    assert record.caller is None and record.caller_number == CALLER
    assert record.callee_number == COMPANY_NUMBER
    assert record.callee is not None and record.callee.member == giulia
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.answered_by == BROWSER_AGENT
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, SIPP_AGENT])
    assert record.ended_by == CallRecord.EndedBy.CALLEE


def test_a_call_in_to_a_ring_group_answered_on_a_desk_phone_takes_the_browsers_popup_away(
    media_browser,  # noqa: F811
    giulia,
    marco,
    studio_rossi,
    settings,
    tmp_path,
):
    """The provider (SIPp on 127.0.0.2) calls Studio Rossi's number, which rings the group
    of Giulia (the browser phone only) and Marco (a SIPp desk phone) at once. Giulia's
    browser shows the call through the desk's branch while Marco's desk phone rings and
    answers: her popup goes, nothing is left bridging; the provider hangs up and the desk
    phone gets the BYE. One record: the group's call, answered by Marco's desk phone."""
    from playwright.sync_api import expect

    from officina.ringgroups.actions import RingGroupInput, check_save_ring_group

    do_provision_extension(giulia)  # 201, the browser only
    do_set_sip_password(do_provision_extension(marco), "marco-desk-pw")  # 202, SIPp
    check_save_ring_group(
        studio_rossi,
        RingGroupInput(name="Reception", number="600", member_ids=[giulia.pk, marco.pk]),
    )
    with officina_without_rtpengine(settings) as officina:
        _trunk_with_the_number(officina, studio_rossi, "ring_group", "600")
        desk_phone = _desk_phone(
            officina, tmp_path, "uas_answer_after_ringing.xml", "202", "marco-desk-pw",
            "-d", "4000",
        )  # fmt: skip
        try:
            desk = officina.running.media
            bridges = officina.running.server.proxy.browser_bridges
            assert bridges is not None
            context, phone = open_phone(media_browser, officina, giulia)
            pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
            the_provider = provider(
                tmp_path / "provider", "provider_calls_number.xml", pbx, PROVIDER_PORTS[0],
                "-key", "did", COMPANY_NUMBER, "-key", "caller", CALLER, "-d", "3000", send=True,
            )  # fmt: skip
            expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
            expect(phone.locator("#incoming-number")).to_have_text(CALLER)
            expect(phone.locator("#incoming")).to_be_hidden(timeout=10_000)  # answered there
            expect(phone.locator("#in-call")).to_be_hidden()
            assert wait_for(lambda: not bridges.calls and not desk.ports.in_use, 5)
            assert finished(the_provider, tmp_path / "provider") == 0
            assert desk_phone.wait(15) == 0, "the desk phone got the provider's BYE"
            context.close()
        finally:
            stop(desk_phone)

    record = CallRecord.objects.get()
    assert record.direction == CallRecord.Direction.INBOUND
    assert (record.caller_number, record.callee_number) == (CALLER, COMPANY_NUMBER)
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.callee is not None and record.callee.number == "202"
    assert record.answered_by == SIPP_AGENT
    assert sorted(record.devices_rung) == sorted([BROWSER_AGENT, SIPP_AGENT])
    assert record.ended_by == CallRecord.EndedBy.CALLER


def test_a_call_in_to_a_member_on_the_browser_only_shows_the_caller_by_the_books_name(
    media_browser,  # noqa: F811
    giulia,
    studio_rossi,
    settings,
    tmp_path,
):
    """The provider (a baresip on 127.0.0.2) calls Studio Rossi's number, which rings
    Giulia, on the browser phone only: the desk takes the whole call and its call to the
    browser shows the caller by the name in the company's contacts. She answers and hears
    the provider's tone, and hangs up."""
    from playwright.sync_api import expect

    check_save_contact(
        studio_rossi,
        ContactInput(name="Elena Ferri", relation="client", numbers=[("mobile", "333 123 4567")]),
    )
    do_provision_extension(giulia)  # 201, the browser only
    home = tmp_path / "provider"
    with (
        officina_without_rtpengine(settings) as officina,
        baresip_phone(home, CALLER, "", PROVIDER_PORTS, PROVIDER, registers=False) as log,
    ):
        _trunk_with_the_number(officina, studio_rossi, "extension", "201")
        desk = officina.running.media
        context, phone = open_phone(media_browser, officina, giulia)
        command(PROVIDER_PORTS[1], "dial", f"sip:{COMPANY_NUMBER}@{HOST}:{SIP_PORT}")
        expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
        expect(phone.locator("#incoming-number")).to_have_text(CALLER)
        expect(phone.locator("#incoming-name")).to_contain_text("Elena Ferri")
        phone.click("#answer")
        expect(phone.locator("#call-state")).to_have_text("Connected")
        assert wait_for(lambda: len(desk.relays) == 1, 10)
        wait_for_more_audio(phone, 8000)  # a second of the provider's tone and more
        phone.click("#hangup")
        expect(phone.locator("#in-call")).to_be_hidden()
        assert wait_for(lambda: not desk.relays and not desk.ports.in_use, 5)
        ended = lambda: "terminated" in log.read_text(errors="replace")  # noqa: E731
        assert wait_for(ended, 5), log.read_text(errors="replace")[-2000:]
        context.close()

    record = CallRecord.objects.get()
    assert record.caller_number == CALLER
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.answered_by == BROWSER_AGENT


def test_a_call_in_the_desk_takes_whole_is_recorded_as_the_call_to_the_company_number(
    media_browser,  # noqa: F811
    giulia,
    studio_rossi,
    settings,
    tmp_path,
):
    """The provider (SIPp on 127.0.0.2) calls Studio Rossi's number, which rings Giulia,
    on the browser phone only: the desk takes the whole call and places it again to her
    browser. She answers, and the provider hangs up. The one record reads as the record
    of a call in to a member's plain phone does: inbound, from the number as the provider
    presented it, to the company's number dialled, answered by Giulia's browser."""
    from playwright.sync_api import expect

    check_save_contact(
        studio_rossi,
        ContactInput(name="Elena Ferri", relation="client", numbers=[("mobile", "333 123 4567")]),
    )
    do_provision_extension(giulia)  # 201, the browser only
    with officina_without_rtpengine(settings) as officina:
        _trunk_with_the_number(officina, studio_rossi, "extension", "201")
        desk = officina.running.media
        context, phone = open_phone(media_browser, officina, giulia)
        pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
        the_provider = provider(
            tmp_path / "provider", "provider_calls_number.xml", pbx, PROVIDER_PORTS[0],
            "-key", "did", COMPANY_NUMBER, "-key", "caller", CALLER, "-d", "2000", send=True,
        )  # fmt: skip
        try:
            expect(phone.locator("#incoming")).to_be_visible(timeout=10_000)
            expect(phone.locator("#incoming-name")).to_contain_text("Elena Ferri")
            phone.click("#answer")
            expect(phone.locator("#call-state")).to_have_text("Connected")
            assert finished(the_provider, tmp_path / "provider") == 0
            expect(phone.locator("#in-call")).to_be_hidden(timeout=10_000)
            assert wait_for(lambda: not desk.relays and not desk.ports.in_use, 5)
            context.close()
        finally:
            stop(the_provider)

    record = CallRecord.objects.get()
    assert record.direction == CallRecord.Direction.INBOUND
    assert record.caller is None and record.caller_number == CALLER
    assert record.callee_number == COMPANY_NUMBER
    assert record.callee is not None and record.callee.member == giulia
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.answered_by == BROWSER_AGENT
    assert record.devices_rung == [BROWSER_AGENT]
    assert record.ended_by == CallRecord.EndedBy.CALLER


@pytest.mark.parametrize("typed", ["+39 02 1234 5678", "+39 (02) 1234-5678"])
def test_a_number_typed_the_international_way_goes_out_through_the_trunk(
    media_browser,  # noqa: F811
    giulia,
    studio_rossi,
    settings,
    tmp_path,
    typed,
):
    """Giulia, on the browser phone only, dials a Milan number as her contacts write it
    (+39, spaces, brackets, a dash). The browser sends it without the separators, the
    desk calls it out through Studio Rossi's trunk, and the provider (SIPp on 127.0.0.2,
    which challenges the call) gets an INVITE for the E.164 number and answers; Giulia is
    connected and hangs up. One record: Giulia's call out to the E.164 number, answered."""
    from playwright.sync_api import expect

    do_provision_extension(giulia)  # 201, the browser only
    directory = tmp_path / "provider"
    with officina_without_rtpengine(settings) as officina:
        _trunk_with_the_number(officina, studio_rossi, "extension", "201")
        pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
        the_provider = provider(
            directory, "provider_answers_after_challenge.xml", pbx, PROVIDER_PORTS[0],
            *credentials(tmp_path),
        )  # fmt: skip
        try:
            desk = officina.running.media
            context, phone = open_phone(media_browser, officina, giulia)
            phone.fill("#dial-number", typed)
            phone.click("#call")
            expect(phone.locator("#call-state")).to_have_text("Connected", timeout=15_000)
            expect(phone.locator("#softphone-error")).to_be_hidden()
            phone.click("#hangup")
            expect(phone.locator("#in-call")).to_be_hidden()
            assert finished(the_provider, directory) == 0, "the provider got the BYE"
            assert wait_for(lambda: not desk.relays and not desk.ports.in_use, 5)
            context.close()
        finally:
            stop(the_provider)

    invites = [m for m in messages(directory, "received") if m.startswith("INVITE ")]
    assert invites, "the provider got no INVITE"
    for invite in invites:  # the first, then again with the trunk's credentials
        assert invite.startswith(f"INVITE sip:{MILAN_NUMBER}@{PROVIDER}:"), invite
    record = CallRecord.objects.get()
    assert record.direction == CallRecord.Direction.OUTBOUND
    assert record.caller is not None and record.caller.member == giulia
    assert record.callee_number == MILAN_NUMBER
    assert record.outcome == CallRecord.Outcome.ANSWERED


@pytest.mark.parametrize(
    ("locale", "premium", "minutes"),
    [
        (
            "en-US",
            "Premium-rate numbers are not allowed for you",
            "Your minutes for calls out today are used up",
        ),
        (
            "it-IT",
            "Non ti sono permessi i numeri a tariffa maggiorata",
            "Hai finito i minuti di oggi per le chiamate in uscita",
        ),
    ],
)
def test_the_guards_reason_for_a_refused_call_out_reaches_the_browser_phone(
    media_browser,  # noqa: F811
    giulia,
    studio_rossi,
    settings,
    tmp_path,
    locale,
    premium,
    minutes,
):
    """Giulia, on the browser phone only, dials a premium-rate number out through Studio
    Rossi's trunk (the provider: SIPp on 127.0.0.2): the company's guard refuses the desk's
    call with 403 and the reason in a Warning, which the desk's bridge passes on to her
    browser, and the page says the reason in her language. Then her minutes of the day
    are used up, and a Milan number is refused for that, said so too. The provider never
    gets an INVITE."""
    from playwright.sync_api import expect

    extension = do_provision_extension(giulia)  # 201, the browser only
    directory = tmp_path / "provider"
    with officina_without_rtpengine(settings) as officina:
        _trunk_with_the_number(officina, studio_rossi, "extension", "201")
        pbx = LivePbx(officina.sip_port, officina.running, None)  # type: ignore[arg-type]
        the_provider = provider(
            directory, "provider_answers_after_challenge.xml", pbx, PROVIDER_PORTS[0],
            *credentials(tmp_path),
        )  # fmt: skip
        try:
            context = signed_in_context(media_browser, officina, giulia, locale=locale)
            phone = context.new_page()
            phone.goto("/phone/browser/")
            state = phone.locator("#softphone-state")
            expect(state).to_have_attribute("data-state", "registered")
            phone.fill("#dial-number", "+39 899 123456")
            phone.click("#call")
            expect(state).to_have_text(premium)
            # A minute a day, and 61 seconds of it spent already today.
            check_set_permission(studio_rossi, giulia, PermissionInput(daily_minutes=1))
            started = max(start_of_today(), timezone.now() - timedelta(minutes=5))
            CallRecord.objects.create(
                call_id="earlier-today", caller=extension, caller_number="201",
                callee_number=MILAN_NUMBER, started_at=started, answered_at=started,
                ended_at=started + timedelta(seconds=61), outcome=CallRecord.Outcome.ANSWERED,
                final_status=200, direction=CallRecord.Direction.OUTBOUND, charged_to=extension,
            )  # fmt: skip
            trunks = officina.running.server.trunks
            assert trunks is not None
            trunks.load()
            phone.fill("#dial-number", MILAN_NUMBER)
            phone.click("#call")
            expect(state).to_have_text(minutes)
            expect(phone.locator("#in-call")).to_be_hidden()
            context.close()
        finally:
            stop(the_provider)

    assert not messages(directory, "received"), "nothing reached the provider"
    refused = CallRecord.objects.filter(outcome=CallRecord.Outcome.REFUSED).order_by("id")
    assert [(r.reason, r.callee_number) for r in refused] == [
        ("premium", "+39899123456"),
        ("daily-minutes", MILAN_NUMBER),
    ]
