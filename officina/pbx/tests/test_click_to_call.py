"""Click-to-call with real peers, through ``officina serve``'s web server and PBX.

Giulia (a baresip that answers by itself) asks for a call to Marco (another such
baresip) through the API: her phone rings first, showing whom she is calling; once it
answers, the PBX calls Marco with her phone's offer and gives her phone his answer in
the ACK (RFC 3725). Each phone plays a tone and decodes the other's. Marco hangs up and
Giulia's phone is hung up too; the record is Giulia's call to Marco.

The refusals come before any phone rings: a premium-rate number her company does not
let her call (no INVITE to her phone nor to the provider), and a member whose phones are
not registered.

Stopping a call while the target rings (a SIPp phone that rings until cancelled): her
"Cancel" (the API's DELETE, the page's button) and her phone's own hang-up each CANCEL
the target, and the record is her cancelled call.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from officina.api.actions import do_create_api_token
from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.models import CallRecord
from officina.pbx.ok_retransmission import AckTimers
from officina.pbx.tests.livepbx import (
    HOST,
    LiveOfficina,
    live_officina,
    port_base,
    signed_in_context,
)
from officina.pbx.tests.sipp_provider import messages
from officina.pbx.tests.test_baresip import command, loudness, wait_for
from officina.pbx.tests.test_hold_music_desk import BOB_FIRST_SEQUENCE, HeldPhone, music_port
from officina.pbx.tests.test_on_call_live import phone
from officina.pbx.tests.test_ring_groups_sipp import start_phone, stop
from officina.pbx.tests.test_rtpengine import share_at
from officina.pbx.tests.test_sipp import finished, sipp
from officina.trunks.actions import TrunkInput, check_save_trunk

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("baresip") is None or shutil.which("sox") is None,
        reason="baresip and sox are needed",
    ),
]

PASSWORDS = {"giulia": "giulia-c2c-pw", "marco": "marco-c2c-pw"}
PHONE = {"width": 390, "height": 844}
PROVIDER = "127.0.0.2"


@pytest.fixture
def officina() -> Iterator[LiveOfficina]:
    with live_officina(web_port=port_base() + 36, sip_port=port_base() + 40) as live:
        yield live


@pytest.fixture
def numbers(giulia: Any, marco: Any) -> dict[str, str]:
    made = {}
    for name, member in (("giulia", giulia), ("marco", marco)):
        extension = do_provision_extension(member)
        do_set_sip_password(extension, PASSWORDS[name])
        made[name] = extension.number
    return made


def api(
    officina: LiveOfficina,
    token: str,
    path: str,
    body: dict[str, str] | None = None,
    method: str | None = None,
) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310 - our own server, over http
        f"{officina.url}/api{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method=method or ("POST" if body is not None else "GET"),
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def follow(officina: LiveOfficina, token: str, ticket: str, until: str, seconds: float) -> str:
    """Ask for the call's state until it is ``until`` (or final, or ``seconds`` pass)."""
    state, deadline = "ringing", time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, answer = api(officina, token, f"/phone/calls/{ticket}?known={state}")
        assert status == 200, answer
        state = str(answer["state"])
        if state == until or answer["final"]:
            return state
    return state


@contextmanager
def registered_phones(
    tmp_path: Path, officina: LiveOfficina, numbers: dict[str, str], *names: str
) -> Iterator[dict[str, Path]]:
    """baresips for ``names``, each answering by itself, once all are registered; their
    homes by name. Stopped on leaving."""
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(tmp_path / "tone.wav"),
         "synth", "30", "sine", "440", "vol", "0.5"],
        check=True,
    )  # fmt: skip
    homes = {
        name: phone(tmp_path, officina, numbers[name], PASSWORDS[name], index)
        for index, name in enumerate(names)
    }
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in homes}
    running = [
        subprocess.Popen(
            ["baresip", "-f", str(home), "-t", "60"],
            stdout=logs[name], stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        for name, home in homes.items()
    ]  # fmt: skip
    try:
        registered = lambda: len(officina.running.directory.bindings) == len(names)  # noqa: E731
        assert wait_for(registered, 20), "the phones register"
        yield homes
    finally:
        for process in running:
            process.terminate()
        for process in running:
            process.wait(10)
        for log in logs.values():
            log.close()


def assert_hung_up(log: Path) -> None:
    """The phone logging to ``log`` had its call closed by the other side (a BYE)."""
    assert wait_for(lambda: "session closed" in log.read_text(errors="replace"), 15), log.read_text(
        errors="replace"
    )[-2000:]


def test_the_members_phone_rings_then_talks_with_the_target(
    officina, numbers, giulia, marco, tmp_path
):
    officina.running.directory.load()
    _token, token = do_create_api_token(giulia, "click-to-call")
    with registered_phones(tmp_path, officina, numbers, "giulia", "marco") as homes:
        status, placed = api(
            officina, token, "/phone/calls", {"target": numbers["marco"], "name": "Marco Bianchi"}
        )
        assert status == 201, placed
        assert placed["state"] == "ringing"
        assert "Your phone is ringing" in placed["message"]
        assert follow(officina, token, placed["ticket"], "connected", 30) == "connected"
        (fork,) = officina.running.server.third_party.calls[placed["ticket"]].forks
        # What her phone was sent (baresip 1.0 does not log a caller's display name).
        assert fork.request.from_.display_name == "Calling Marco Bianchi"
        assert fork.request.body == b"", "the INVITE asks her phone for the offer"
        time.sleep(4)  # each phone's tone flows to the other
        command(officina.sip_port + 8, "hangup")  # Marco hangs up
        assert follow(officina, token, placed["ticket"], "ended", 30) == "ended"
        assert_hung_up(tmp_path / "giulia.log")

    (record,) = CallRecord.objects.all()
    assert (record.caller_number, record.callee_number) == (numbers["giulia"], numbers["marco"])
    assert record.caller is not None and record.caller.member == giulia
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert wait_for(
        lambda: CallRecord.objects.filter(pk=record.pk, ended_at__isnull=False).exists()
    ), "the record closes with the hang-up"
    record.refresh_from_db()
    assert record.ended_by == CallRecord.EndedBy.CALLEE, "Marco hung up"
    for name in ("giulia", "marco"):
        (heard,) = (homes[name] / "received").glob("*-dec.wav")
        assert loudness(heard) > 1000, f"{name} heard the other's tone"


def test_a_premium_rate_number_is_refused_before_any_phone_rings(
    officina, numbers, giulia, studio_rossi, tmp_path, request
):
    officina.running.directory.load()
    provider = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # what reaches the trunk
    request.addfinalizer(provider.close)
    provider.bind((PROVIDER, 0))
    provider.settimeout(0.2)
    check_save_trunk(
        studio_rossi,
        TrunkInput(
            name="Provider", host=PROVIDER, port=provider.getsockname()[1], mode="peer",
            username="studio", password="trunk-pw-1", peer_addresses=PROVIDER,
        ),
    )  # fmt: skip
    officina.running.server.trunks.load()
    _token, token = do_create_api_token(giulia, "click-to-call")
    with registered_phones(tmp_path, officina, numbers, "giulia"):
        status, refused = api(officina, token, "/phone/calls", {"target": "899 123456"})
        assert status == 403, refused
        assert refused["code"] == "PERMISSION_DENIED"
        assert refused["message"] == (
            "You may not call +39899123456: premium-rate numbers are not allowed for you."
        )
        time.sleep(2)
        received = []
        try:
            while True:
                received.append(provider.recv(65536))
        except TimeoutError:
            pass
    assert received == [], "no INVITE left for the provider"
    assert officina.running.server.third_party.stats["placed"] == 0
    assert "Incoming call" not in (tmp_path / "giulia.log").read_text(errors="replace")
    assert not CallRecord.objects.exists()


def test_a_member_without_a_registered_phone_is_told_so(officina, numbers, giulia):
    officina.running.directory.load()
    _token, token = do_create_api_token(giulia, "click-to-call")
    status, answer = api(officina, token, "/phone/calls", {"target": numbers["marco"]})
    assert status == 409, answer
    assert answer["message"].startswith("None of your phones is connected")
    assert not CallRecord.objects.exists()


@contextmanager
def profile_on_a_phone(browser: Any, officina: LiveOfficina, member: Any, shown: Any) -> Any:
    """``shown``'s profile page, open for ``member``, who reads Italian, on a phone's
    screen; the browser context closed on leaving."""
    member.language = "it"
    member.save(update_fields=["language"])
    context = signed_in_context(browser, officina, member, viewport=PHONE, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(f"/members/{shown.pk}/")
        yield page
    finally:
        context.close()


def call_until_shown(page: Any, label: str, text: str) -> tuple[Any, Any]:
    """Press "Chiama" on ``page`` and wait until the call's status says ``text``: the
    panel's button ``label`` (hidden before the call, and then within 390 px) and the
    status."""
    panel = page.locator("#pbx-panel")
    button = panel.get_by_role("button", name=label, exact=True)
    assert not button.is_visible(), f"no {label} before the call"
    page.get_by_role("button", name="Chiama", exact=True).click()
    status = panel.locator("[data-call-status]")
    status.filter(has_text=text).wait_for()
    box = button.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    return button, status


@pytest.mark.browser
def test_the_call_button_on_a_profile_rings_the_members_phone(
    officina, numbers, giulia, marco, tmp_path, browser
):
    """Giulia, in Italian on a phone's screen, presses "Chiama" on Marco's profile: her
    baresip rings (and answers), Marco's answers, and the page follows the call."""
    officina.running.directory.load()
    with (
        registered_phones(tmp_path, officina, numbers, "giulia", "marco"),
        profile_on_a_phone(browser, officina, giulia, marco) as page,
    ):
        button = page.get_by_role("button", name="Chiama", exact=True)
        assert button.bounding_box()["x"] + button.bounding_box()["width"] <= PHONE["width"]
        button.click()
        status = page.locator("#pbx-panel [data-call-status]")
        status.filter(has_text=f"Sei in linea con {marco.display_name}.").wait_for()
        giulia_log = tmp_path / "giulia.log"
        assert "answering call" in giulia_log.read_text(errors="replace"), "her phone rang"
        command(officina.sip_port + 8, "hangup")  # Marco hangs up
        status.filter(has_text="La chiamata è terminata.").wait_for()
    assert_record(numbers, "answered")


def test_a_target_the_pbx_does_not_know_ends_the_members_answered_call(
    officina, numbers, giulia, tmp_path
):
    """Her phone answered; the PBX's 404 for the target gets her phone an ACK refusing
    its offer (port 0) and a BYE, and the page is told."""
    officina.running.directory.load()
    _token, token = do_create_api_token(giulia, "click-to-call")
    with registered_phones(tmp_path, officina, numbers, "giulia"):
        status, placed = api(officina, token, "/phone/calls", {"target": "299"})
        assert status == 201, placed
        assert follow(officina, token, placed["ticket"], "unknown", 30) == "unknown"
        assert_hung_up(tmp_path / "giulia.log")
    assert wait_for(
        lambda: CallRecord.objects.filter(
            caller_number=numbers["giulia"], callee_number="299", outcome="not-found"
        ).exists()
    ), list(CallRecord.objects.values_list("callee_number", "outcome"))


def ringing_target(tmp_path: Path, officina: LiveOfficina, numbers: dict[str, str]) -> Any:
    """Marco's phone, a SIPp that rings (180) until it is cancelled, then answers 487."""
    pbx: Any = SimpleNamespace(port=officina.sip_port)
    port, number = officina.sip_port + 35, numbers["marco"]
    return start_phone(
        tmp_path / "marco", "uas_ring_until_cancel.xml", pbx, port, number, PASSWORDS["marco"]
    )


def assert_record(numbers: dict[str, str], outcome: str) -> None:
    """In Giulia's call history as her call to Marco, with ``outcome``."""
    assert wait_for(
        lambda: CallRecord.objects.filter(
            caller_number=numbers["giulia"], callee_number=numbers["marco"], outcome=outcome
        ).exists()
    ), list(CallRecord.objects.values_list("callee_number", "outcome"))


def test_cancel_while_the_target_rings_cancels_it(officina, numbers, giulia, marco, tmp_path):
    """Her phone answered, Marco's rings: her DELETE cancels his INVITE, her phone gets its
    ACK (every stream refused) and a BYE, and the call is cancelled; Marco cannot cancel
    her call, nor can anyone once it is over."""
    officina.running.directory.load()
    _token, token = do_create_api_token(giulia, "click-to-call")
    _token, marcos = do_create_api_token(marco, "click-to-call")
    with registered_phones(tmp_path, officina, numbers, "giulia"):
        target = ringing_target(tmp_path, officina, numbers)
        try:
            status, placed = api(officina, token, "/phone/calls", {"target": numbers["marco"]})
            assert status == 201, placed
            ticket = placed["ticket"]
            assert follow(officina, token, ticket, "connecting", 20) == "connecting"
            assert wait_for(
                lambda: any(
                    m.startswith("SIP/2.0 180") for m in messages(tmp_path / "marco", "sent")
                ),
                10,
            ), "Marco's phone rings"
            status, refused = api(officina, marcos, f"/phone/calls/{ticket}", method="DELETE")
            assert (status, refused["code"]) == (404, "NOT_FOUND"), "not his call"
            status, cancelled = api(officina, token, f"/phone/calls/{ticket}", method="DELETE")
            assert status == 200, cancelled
            assert cancelled == {
                "state": "cancelled", "message": "You cancelled the call.", "final": True,
            }  # fmt: skip
            assert finished(target, tmp_path / "marco") == 0, "Marco's phone got CANCEL"
            assert_hung_up(tmp_path / "giulia.log")
            assert follow(officina, token, ticket, "cancelled", 5) == "cancelled"
            status, again = api(officina, token, f"/phone/calls/{ticket}", method="DELETE")
            assert (status, again["state"]) == (200, "cancelled")
        finally:
            stop(target)
    assert any(m.startswith("CANCEL ") for m in messages(tmp_path / "marco", "received"))
    assert_record(numbers, "cancelled")


def test_the_members_hang_up_while_the_target_rings_cancels_it(officina, numbers, giulia, tmp_path):
    """Her phone (SIPp) answers with its offer and hangs up before its ACK, as phones that
    do not wait for it do: Marco's ringing phone is cancelled, and so is the call."""
    officina.running.directory.load()
    _token, token = do_create_api_token(giulia, "click-to-call")
    pbx: Any = SimpleNamespace(port=officina.sip_port)
    port, number = officina.sip_port + 37, numbers["giulia"]
    member = start_phone(
        tmp_path / "giulia", "uas_offer_then_bye.xml", pbx, port, number, PASSWORDS["giulia"]
    )
    target = ringing_target(tmp_path, officina, numbers)
    try:
        status, placed = api(officina, token, "/phone/calls", {"target": numbers["marco"]})
        assert status == 201, placed
        assert follow(officina, token, placed["ticket"], "cancelled", 20) == "cancelled"
        assert finished(member, tmp_path / "giulia") == 0, "her BYE was answered"
        assert finished(target, tmp_path / "marco") == 0, "Marco's phone got CANCEL"
    finally:
        stop(member)
        stop(target)
    assert any(m.startswith("CANCEL ") for m in messages(tmp_path / "marco", "received"))
    assert_record(numbers, "cancelled")


@pytest.mark.browser
def test_the_cancel_button_stops_a_call_while_the_target_rings(
    officina, numbers, giulia, marco, tmp_path, browser
):
    """In Italian on a phone's screen: "Annulla" shows while the call rings and cancels
    it; Marco's ringing phone gets CANCEL."""
    officina.running.directory.load()
    with registered_phones(tmp_path, officina, numbers, "giulia"):
        target = ringing_target(tmp_path, officina, numbers)
        try:
            with profile_on_a_phone(browser, officina, giulia, marco) as page:
                ringing = f"Chiamata a {marco.display_name}"
                cancel, status = call_until_shown(page, "Annulla", ringing)
                cancel.click()
                status.filter(has_text="Hai annullato la chiamata.").wait_for()
                cancel.wait_for(state="hidden")
                assert finished(target, tmp_path / "marco") == 0, "Marco's phone got CANCEL"
                assert_hung_up(tmp_path / "giulia.log")
        finally:
            stop(target)
    assert_record(numbers, "cancelled")


def test_the_member_holds_and_resumes_a_click_to_call(officina, numbers, giulia, tmp_path):
    """Her desk phone's hold and resume (re-INVITEs) go on to Marco's phone through the
    PBX, and his answers come back to hers (RFC 3725 §6). Marco is a SIPp phone whose
    media are a socket of the test: before the hold he hears her tone, while held the
    desk's music, after the resume her tone again; and her phone receives him again."""
    officina.running.directory.load()
    _token, token = do_create_api_token(giulia, "click-to-call")
    pbx: Any = SimpleNamespace(port=officina.sip_port)
    base = officina.sip_port
    desk = officina.running.media
    held = HeldPhone(base + 30)
    try:
        with registered_phones(tmp_path, officina, numbers, "giulia"):
            marco = start_phone(
                tmp_path / "marco", "uas_held.xml", pbx, base + 35, numbers["marco"],
                PASSWORDS["marco"], "-key", "rtp_port", str(base + 30),
            )  # fmt: skip
            status, placed = api(officina, token, "/phone/calls", {"target": numbers["marco"]})
            assert status == 201, placed
            assert follow(officina, token, placed["ticket"], "connected", 30) == "connected"
            assert wait_for(lambda: len(held.packets) > 50), "Marco receives her RTP"
            giulias = held.packets[-1][1]

            command(base + 7, "hold")
            assert wait_for(lambda: music_port(desk) is not None, 20), "the hold reached Marco"
            port = music_port(desk)
            assert port is not None
            start = time.monotonic()
            time.sleep(3)
            assert held.heard_from(start, giulias).size == 0, "her stream went to the desk"
            assert len(held.heard_from(start, (HOST, port))) > 8000, "music instead"

            command(base + 7, "resume")
            assert wait_for(lambda: not desk.holds.streams, 20), "the resume reached Marco"
            resumed = time.monotonic()
            assert wait_for(lambda: len(held.heard_from(resumed, giulias)) > 8000, 20)
            again = held.heard_from(resumed, giulias)
            assert share_at(again, (440,)) > 0.5, "Marco hears her tone again"
            held.talk(giulias, 3.0)  # and she receives him: her reports say so
            assert wait_for(
                lambda: any(n >= BOB_FIRST_SEQUENCE + 140 for n in held.reported), 20
            ), held.reported

            command(base + 7, "hold")  # held again (the scenario's third offer), hung up
            assert wait_for(lambda: bool(desk.holds.streams), 20)
            command(base + 7, "hangup")
            assert follow(officina, token, placed["ticket"], "ended", 30) == "ended"
            assert finished(marco, tmp_path / "marco") == 0
    finally:
        held.close()
    assert_record(numbers, "answered")
    answers = [m for m in messages(tmp_path / "marco", "sent") if m.startswith("SIP/2.0 200")]
    assert sum("a=recvonly" in m for m in answers) == 2, "his answers to both holds"


def test_the_target_holds_and_resumes_a_click_to_call(officina, numbers, giulia, tmp_path):
    """The other way: Marco's phone holds and resumes; each re-INVITE reaches her phone
    from the PBX, and her answer goes back to his (the desk plays her music meanwhile)."""
    officina.running.directory.load()
    _token, token = do_create_api_token(giulia, "click-to-call")
    desk = officina.running.media
    with registered_phones(tmp_path, officina, numbers, "giulia", "marco"):
        status, placed = api(officina, token, "/phone/calls", {"target": numbers["marco"]})
        assert status == 201, placed
        assert follow(officina, token, placed["ticket"], "connected", 30) == "connected"
        giulias: Path = tmp_path / "giulia.log"

        def offers() -> int:
            return giulias.read_text(errors="replace").count("got re-INVITE")

        command(officina.sip_port + 8, "hold")
        assert wait_for(lambda: offers() == 1 and bool(desk.holds.streams), 20), "held"
        command(officina.sip_port + 8, "resume")
        assert wait_for(lambda: offers() == 2 and not desk.holds.streams, 20), "resumed"
        command(officina.sip_port + 8, "hangup")
        assert follow(officina, token, placed["ticket"], "ended", 30) == "ended"
    marcos = (tmp_path / "marco.log").read_text(errors="replace")
    assert "call: hold" in marcos and "call: resume" in marcos
    # A refused offer in baresip's log is a status line (the Call-ID's random hex may
    # hold the same digits).
    assert not re.search(r"\b(?:488|491) [A-Z]", marcos), marcos[-2000:]


@contextmanager
def answered_sipp_call(
    tmp_path: Path,
    officina: LiveOfficina,
    numbers: dict[str, str],
    giulia: Any,
    member_scenario: str,
    target_scenario: str = "uas_reinvited.xml",
    *,
    ended_by: str = CallRecord.EndedBy.CALLER_ON_THE_WEB,
    member_options: tuple[str, ...] = (),
) -> Iterator[str]:
    """Giulia's click-to-call to Marco, answered, between two SIPp phones registered over
    UDP: hers plays ``member_scenario``, his ``target_scenario`` (by default he answers,
    answers one re-INVITE, and waits for the BYE). The block gets the ticket; then her
    ``DELETE`` ends the call: ``hung-up`` (and asked again, the same); or, ``ended_by``
    the phone system or the callee, the call ends by itself within 45 s (``ended``). Each
    scenario ends (a phone's with the BYE it gets, answered 200), and the record has its
    hang-up time and says who ended it. ``member_options`` go to her SIPp."""
    officina.running.directory.load()
    _token, token = do_create_api_token(giulia, "click-to-call")
    pbx: Any = SimpleNamespace(port=officina.sip_port)
    base = officina.sip_port
    lifetime = ("-timeout", "90s")  # over the 30 s a SIPp phone lives by default
    member = start_phone(
        tmp_path / "giulia", member_scenario, pbx, base + 37, numbers["giulia"],
        PASSWORDS["giulia"], *lifetime, *member_options,
    )  # fmt: skip
    target = start_phone(
        tmp_path / "marco", target_scenario, pbx, base + 35, numbers["marco"],
        PASSWORDS["marco"], *lifetime,
    )  # fmt: skip
    try:
        status, placed = api(officina, token, "/phone/calls", {"target": numbers["marco"]})
        assert status == 201, placed
        ticket = placed["ticket"]
        assert follow(officina, token, ticket, "connected", 30) == "connected"
        yield ticket

        if ended_by == CallRecord.EndedBy.CALLER_ON_THE_WEB:
            status, ended = api(officina, token, f"/phone/calls/{ticket}", method="DELETE")
            assert status == 200, ended
            assert ended == {"state": "hung-up", "message": "You ended the call.", "final": True}
            status, again = api(officina, token, f"/phone/calls/{ticket}", method="DELETE")
            assert (status, again["state"]) == (200, "hung-up"), "a call over keeps its state"
        else:
            assert follow(officina, token, ticket, "ended", 45) == "ended"
        assert finished(member, tmp_path / "giulia") == 0, "her phone's scenario ran to its end"
        assert finished(target, tmp_path / "marco") == 0, "his phone's scenario ran to its end"
    finally:
        stop(member)
        stop(target)
    assert_ended_by(numbers, ended_by)


def assert_ended_by(numbers: dict[str, str], ended_by: str) -> None:
    """Her answered call to Marco, closed with its hang-up time, ended ``ended_by``."""
    assert wait_for(
        lambda: CallRecord.objects.filter(
            caller_number=numbers["giulia"], outcome="answered", ended_at__isnull=False
        ).exists()
    ), list(CallRecord.objects.values_list("outcome", "ended_at"))
    (record,) = CallRecord.objects.filter(caller_number=numbers["giulia"])
    assert record.callee_number == numbers["marco"]
    assert record.ended_by == ended_by
    assert record.ended_at is not None and record.answered_at is not None
    assert record.ended_at > record.answered_at


def received(directory: Path, start: str) -> list[str]:
    """What the SIPp phone in ``directory`` received that starts with ``start``."""
    return [m for m in messages(directory, "received") if m.startswith(start)]


def test_a_late_offer_reinvite_gets_the_other_sides_offer_and_the_api_hangs_up(
    officina, numbers, giulia, tmp_path
):
    """Her phone's re-INVITE without SDP (RFC 3261 §14.1) reaches Marco's as one without
    SDP; his 200's offer comes to her in the PBX's 200 (her scenario checks it), and her
    ACK's answer goes on in his ACK. Then her DELETE hangs up both phones."""
    marcos = tmp_path / "marco"
    with answered_sipp_call(tmp_path, officina, numbers, giulia, "member_late_offer.xml"):
        assert wait_for(lambda: len(received(marcos, "ACK ")) == 2, 15), "his 200 is ACKed"
        (reinvite,) = received(marcos, "INVITE ")[1:]
        assert "o=member" not in reinvite and "Content-Length: 0" in reinvite, reinvite
        assert "o=member 1 2" in received(marcos, "ACK ")[1], "her answer reaches Marco"
        offers = [m for m in messages(tmp_path / "giulia", "received") if "o=target 1 2" in m]
        assert len(offers) >= 1 and offers[0].startswith("SIP/2.0 200"), "his offer, in a 200"


def test_an_update_from_either_phone_reaches_the_other(officina, numbers, giulia, tmp_path):
    """UPDATEs (RFC 3311) in an answered click-to-call, both phones listing UPDATE in
    their Allow: her new offer reaches Marco in an UPDATE and his answer comes back in the
    PBX's 200; his UPDATE without SDP (a session refresh) reaches her phone. Every INVITE
    and 200 of the PBX's lists UPDATE in its Allow (each scenario checks what it got)."""
    giulias, marcos = tmp_path / "giulia", tmp_path / "marco"
    with answered_sipp_call(
        tmp_path, officina, numbers, giulia, "member_updates.xml", "uas_takes_updates.xml"
    ):
        assert wait_for(lambda: len(received(giulias, "UPDATE ")) == 1, 15), "his UPDATE"
        (refresh,) = received(giulias, "UPDATE ")
        assert "Content-Length: 0" in refresh, refresh
        (update,) = received(marcos, "UPDATE ")
        assert "o=member 1 2" in update, update
    assert not received(giulias, "INVITE ")[1:] and not received(marcos, "INVITE ")[1:], (
        "nothing went in a re-INVITE"
    )


def test_a_new_contact_in_her_reinvite_takes_the_pbxs_bye_there(
    officina, numbers, giulia, tmp_path
):
    """Target refresh (RFC 3261 §12.2.2): her phone's re-INVITE names another port of its
    host in its Contact. When Marco hangs up, the PBX's BYE to her phone goes there, to
    the new Contact."""
    moved = tmp_path / "moved"
    moved.mkdir()
    pbx: Any = SimpleNamespace(port=officina.sip_port)
    moved_port = officina.sip_port + 39
    catcher = sipp(moved, "bye_answered.xml", pbx, moved_port, "-m", "1", "-trace_msg",
                   "-timeout", "90s", background=True)  # fmt: skip
    try:
        with answered_sipp_call(
            tmp_path, officina, numbers, giulia, "member_moves.xml", "uas_reinvited_then_bye.xml",
            ended_by=CallRecord.EndedBy.CALLEE,
            member_options=("-key", "moved_port", str(moved_port)),
        ):  # fmt: skip
            pass
        assert finished(catcher, moved) == 0, "the BYE came to the new port, answered 200"
    finally:
        stop(catcher)
    (bye,) = received(moved, "BYE ")
    assert bye.startswith(f"BYE sip:moved@{HOST}:{moved_port}"), bye
    assert not received(tmp_path / "giulia", "BYE "), "nothing to the old port"


def test_the_targets_late_offer_reinvite_gets_her_phones_offer(officina, numbers, giulia, tmp_path):
    """The other way: Marco's re-INVITE without SDP reaches her phone as one without SDP;
    her phone's offer comes to him in the 200 and his answer to her in the PBX's ACK
    (each scenario checks what it got)."""
    giulias = tmp_path / "giulia"
    with answered_sipp_call(
        tmp_path, officina, numbers, giulia, "member_offers_late.xml", "uas_late_offer_reinvite.xml"
    ):
        assert wait_for(lambda: len(received(giulias, "ACK ")) == 2, 15), "her 200 is ACKed"
        (reinvite,) = received(giulias, "INVITE ")[1:]
        assert "Content-Length: 0" in reinvite and "o=target" not in reinvite, reinvite
        assert "o=target 1 3" in received(giulias, "ACK ")[1], "his answer reaches her"


@pytest.mark.parametrize(
    ("side", "scenarios", "answer"),
    [
        ("giulia", ("member_drops_first_ack.xml", "uas_late_offer_reinvite.xml"), "o=target 1 3"),
        ("marco", ("member_late_offer.xml", "uas_drops_first_ack.xml"), "o=member 1 2"),
    ],
    ids=["her-phone", "the-targets-phone"],
)
def test_a_lost_ack_with_a_late_offers_answer_comes_again_with_the_200_again(
    officina, numbers, giulia, tmp_path, side, scenarios, answer
):
    """A re-INVITE without SDP from one side (Marco's, or hers) reaches the other side's
    phone as one without SDP; that phone's 200 brings the offer, and the answer comes to
    it in the PBX's ACK. The phone acts as if that ACK were lost and sends its 200 again
    (RFC 3261 §13.3.1.4): the PBX sends its ACK again, with the same answer (the scenario
    waits for it, and checks it), and the call stays up, past 64*T1 of the PBX's
    shortened T1 (3.2 s), with no BYE. Her phone gets the ACK straight from the PBX, his
    through the proxy."""
    officina.running.server.third_party.ack_timers = AckTimers(t1=0.05, t2=0.4)
    phone = tmp_path / side

    def acks() -> list[str]:  # of the phone's 200 with its offer, the answer in them
        return [m for m in received(phone, "ACK ") if answer in m]

    with answered_sipp_call(tmp_path, officina, numbers, giulia, *scenarios) as ticket:
        assert wait_for(lambda: len(acks()) == 2, 15), "the ACK came again"
        first, again = acks()
        assert first == again, "the very same ACK"
        time.sleep(4)
        assert officina.running.server.third_party.calls[ticket].state == "connected"
        assert not received(tmp_path / "giulia", "BYE ")
        assert not received(tmp_path / "marco", "BYE ")
        assert len(acks()) == 2, "no more ACKs than 200s"


@pytest.mark.parametrize(
    ("side", "scenarios"),
    [
        ("giulia", ("member_acks_late.xml", "uas_reinvited.xml")),
        ("marco", ("uas_reinvited.xml", "uas_reinvites_acks_late.xml")),
    ],
    ids=["her-reinvite", "the-targets-reinvite"],
)
def test_the_pbx_sends_its_200_to_a_reinvite_again_until_its_ack(
    officina, numbers, giulia, tmp_path, side, scenarios
):
    """Over UDP one side's phone (hers, or Marco's, whose 200 the proxy relays from the
    PBX's leg to him) leaves the PBX's first 200 to its re-INVITE unanswered: the PBX
    sends it again after T1 (0.5 s), the phone ACKs that one, and then no more come."""
    phone = tmp_path / side

    def oks() -> list[str]:
        return [m for m in received(phone, "SIP/2.0 200") if "10 INVITE" in m]

    def acks() -> list[str]:
        return [m for m in messages(phone, "sent") if m.startswith("ACK ") and "10 ACK" in m]

    with answered_sipp_call(tmp_path, officina, numbers, giulia, *scenarios) as ticket:
        assert wait_for(lambda: len(acks()) == 1, 15), "the phone ACKs, at last"
        assert len(oks()) >= 2, "the 200 came again before the ACK"
        assert len(set(oks())) == 1, "the very same 200"
        count = len(oks())
        time.sleep(4)  # the next one would have come 1 s after the last (T1 doubled)
        assert len(oks()) == count, "nothing more once ACKed"
        assert officina.running.server.third_party.calls[ticket].state == "connected"


def test_without_her_ack_the_pbx_gives_up_after_64_t1_and_hangs_up_both(
    officina, numbers, giulia, tmp_path
):
    """Her phone never ACKs the PBX's 200 to its re-INVITE: the 200 is sent again, the
    interval doubling up to T2, and 64*T1 after it the PBX ends the call with a BYE to each
    phone; the record says the phone system ended it. T1 is shortened to 50 ms (T2 400 ms)
    so that the test waits 3.2 s rather than 32."""
    officina.running.server.third_party.ack_timers = AckTimers(t1=0.05, t2=0.4)
    giulias = tmp_path / "giulia"

    def oks() -> list[str]:
        return [m for m in received(giulias, "SIP/2.0 200") if "10 INVITE" in m]

    started = time.monotonic()
    with answered_sipp_call(
        tmp_path, officina, numbers, giulia, "member_never_acks.xml",
        ended_by=CallRecord.EndedBy.PHONE_SYSTEM,
    ):  # fmt: skip
        assert wait_for(lambda: len(received(giulias, "BYE ")) == 1, 15), "the PBX gave up"
    assert time.monotonic() - started < 20, "at 64*T1 of the short T1, not 32 s"
    # The first and ten more (at 0.05, 0.15, 0.35, 0.75, 1.15, ... 3.15 s), the BYE at 3.2 s.
    assert len(oks()) == 11, len(oks())
    assert not [m for m in messages(giulias, "sent") if "10 ACK" in m]
    assert len(received(tmp_path / "marco", "BYE ")) == 1


def test_without_the_targets_ack_the_pbx_gives_up_after_64_t1_and_hangs_up_both(
    officina, numbers, giulia, tmp_path
):
    """Marco's phone never ACKs the PBX's 200 to its re-INVITE: with T1 shortened to
    50 ms (T2 400 ms) the 200 is sent again ten times, and 64*T1 (3.2 s) after it the PBX
    ends the call with a BYE to each phone; the record says the phone system ended it."""
    officina.running.server.third_party.ack_timers = AckTimers(t1=0.05, t2=0.4)
    marcos = tmp_path / "marco"

    def oks() -> list[str]:
        return [m for m in received(marcos, "SIP/2.0 200") if "10 INVITE" in m]

    started = time.monotonic()
    with answered_sipp_call(
        tmp_path, officina, numbers, giulia, "uas_reinvited.xml", "uas_reinvites_never_acks.xml",
        ended_by=CallRecord.EndedBy.PHONE_SYSTEM,
    ):  # fmt: skip
        assert wait_for(lambda: len(received(marcos, "BYE ")) == 1, 15), "the PBX gave up"
    assert time.monotonic() - started < 20, "at 64*T1 of the short T1, not 32 s"
    # The first and ten more (at 0.05, 0.15, 0.35, 0.75, 1.15, ... 3.15 s), the BYE at 3.2 s.
    assert len(oks()) == 11, len(oks())
    assert not [m for m in messages(marcos, "sent") if "10 ACK" in m]
    assert len(received(tmp_path / "giulia", "BYE ")) == 1


@pytest.mark.browser
def test_the_hang_up_button_ends_an_answered_call(
    officina, numbers, giulia, marco, tmp_path, browser
):
    """In Italian on a phone's screen: once Marco answers, "Riaggancia" shows beside the
    call and ends it; both baresips get a BYE, the page says so, and the record says she
    ended it on the web."""
    officina.running.directory.load()
    with (
        registered_phones(tmp_path, officina, numbers, "giulia", "marco"),
        profile_on_a_phone(browser, officina, giulia, marco) as page,
    ):
        talking = f"Sei in linea con {marco.display_name}."
        hang_up, status = call_until_shown(page, "Riaggancia", talking)
        assert not page.get_by_role("button", name="Annulla", exact=True).is_visible()
        hang_up.click()
        status.filter(has_text="Hai chiuso la chiamata.").wait_for()
        hang_up.wait_for(state="hidden")
        assert_hung_up(tmp_path / "giulia.log")
        assert_hung_up(tmp_path / "marco.log")
    assert_ended_by(numbers, CallRecord.EndedBy.CALLER_ON_THE_WEB)
