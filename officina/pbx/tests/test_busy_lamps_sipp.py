"""Busy lamps (the dialog event package, RFC 4235) against the running PBX: SIPp watches a
colleague's extension while a call rings and is answered there; phones written here send
what a desk phone should not.

Alice (201), Bob (202) and Carol (203) work at one company, whose ring group 600 rings
Bob and Carol at once and 601 one after the other (five seconds each); Mallory (204)
works at another.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

from officina.accounts.actions import (
    check_add_company_member,
    check_answer_company_invitation,
    check_create_company,
)
from officina.accounts.models import Member
from officina.pbx.dialog_events import CallState, DialogEvents
from officina.pbx.models import CallRecord
from officina.pbx.tests.livepbx import HOST, LivePbx, live_pbx, make_extensions, port_base
from officina.pbx.tests.test_sipp import SCENARIOS, eventually, finished, register, sipp
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group
from officina.sip import DigestClient, SipRequest, SipResponse, parse_message

pytestmark = [
    pytest.mark.realpeer,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("sipp") is None, reason="SIPp is not installed"),
]

PASSWORDS = {
    "201": "alice-lamp-secret",
    "202": "bob-lamp-secret",
    "203": "carol-lamp-secret",
    "204": "mallory-lamp-secret",
}
NS = "{urn:ietf:params:xml:ns:dialog-info}"
GROUP = "600"
HUNT = "601"


@pytest.fixture
def pbx(monkeypatch: pytest.MonkeyPatch) -> Iterator[LivePbx]:
    # register() reads the passwords of test_sipp's module.
    monkeypatch.setattr("officina.pbx.tests.test_sipp.PASSWORDS", PASSWORDS)
    make_extensions(PASSWORDS)
    alice, bob, carol, mallory = (
        Member.objects.get(email=f"peer{index}@example.it") for index in range(4)
    )
    studio = check_create_company(alice, name="Studio Lampade")
    for colleague in (bob, carol):
        check_add_company_member(alice, studio, email=colleague.email)
        check_answer_company_invitation(colleague, studio, accept=True)
    check_save_ring_group(
        studio, RingGroupInput(name="Banco", number=GROUP, member_ids=[bob.pk, carol.pk])
    )
    check_save_ring_group(
        studio,
        RingGroupInput(
            name="Turno", number=HUNT, strategy="hunt", ring_seconds=5,
            member_ids=[bob.pk, carol.pk],
        ),
    )  # fmt: skip
    check_create_company(mallory, name="Altrove")
    with live_pbx(port_base() + 50) as running:
        yield running


def dialog_events(pbx: LivePbx) -> DialogEvents:
    package = pbx.running.server.event_packages["dialog"]
    assert isinstance(package, DialogEvents)
    return package


def row(user: str, other: str) -> str:
    return f"{user};[authentication username={user} password={PASSWORDS[user]}];{other}"


def notify_bodies(tmp_path: Path, watcher: str = "*") -> list[bytes]:
    """The bodies of the NOTIFYs SIPp received, in order, from its message log (that of
    the SIPp whose process id is ``watcher``, when several watch)."""
    logs = tmp_path.glob(f"blf_watch*_{watcher}_messages.log")
    log = b"".join(path.read_bytes() for path in logs)
    bodies = []
    for message in re.split(rb"\n\s*UDP message received \[\d+\] bytes :\n\n", log)[1:]:
        if message.startswith(b"NOTIFY "):
            head, _, rest = message.partition(b"\r\n\r\n")
            length = int(re.search(rb"Content-Length: *(\d+)", head, re.IGNORECASE)[1])  # type: ignore[index]
            bodies.append(rest[:length])
    return bodies


def lamp_states(
    tmp_path: Path, watched: str, caller_tag: str, callee_tag: str, watcher: str = "*"
) -> list[str | None]:
    """Check the NOTIFYs one SIPp busy lamp received as RFC 4235 asks, and give the state
    of the one call each told (None: a document with no call).

    The first document and the last (the subscription's end) are the full state; the
    ones between tell the call's changes alone (partial); versions count up by one; the
    call is told from the watched number's side, its tags once the callee's phone gave
    one (caller's From tag remote, the phone's To tag local)."""
    # Our own PBX's NOTIFYs, no stranger's document: the standard parser is enough here.
    documents = [
        ElementTree.fromstring(body)  # noqa: S314
        for body in notify_bodies(tmp_path, watcher)
    ]
    versions = [int(document.get("version", "-1")) for document in documents]
    assert versions == list(range(versions[0], versions[0] + len(documents)))
    kinds = [document.get("state") for document in documents]
    assert kinds == ["full"] + ["partial"] * (len(documents) - 2) + ["full"]
    states: list[str | None] = []
    for document in documents:
        assert document.tag == f"{NS}dialog-info"
        assert document.get("entity", "").startswith(f"sip:{watched}@")
        dialogs = document.findall(f"{NS}dialog")
        assert len(dialogs) <= 1
        if not dialogs:
            states.append(None)
            continue
        dialog = dialogs[0]
        state = dialog.findtext(f"{NS}state")
        assert dialog.get("direction") == "recipient"
        assert dialog.get("call-id") == dialog.get("id") and dialog.get("id")
        assert dialog.findtext(f"{NS}local/{NS}identity", "").startswith(f"sip:{watched}@")
        assert dialog.findtext(f"{NS}remote/{NS}identity", "").startswith("sip:201@")
        if state == "trying":
            assert dialog.get("local-tag") is None and dialog.get("remote-tag") is None
        else:
            assert (dialog.get("local-tag"), dialog.get("remote-tag")) == (callee_tag, caller_tag)
        states.append(state)
    return states


def test_a_colleague_sees_a_call_ring_be_answered_and_end(pbx, tmp_path):
    base = pbx.port
    carol = sipp(
        tmp_path, "blf_watch.xml", pbx, base + 1, "-m", "1", "-trace_msg",
        rows=[row("203", "202")],
    )  # fmt: skip
    assert eventually(lambda: len(dialog_events(pbx).subscriptions) == 1, 10)
    bob = sipp(tmp_path, "uas_answer.xml", pbx, base + 2, "-m", "1", background=True)
    assert register(tmp_path, pbx, "202", base + 2, base + 3) == 0
    alice = sipp(tmp_path, "uac_call.xml", pbx, base + 4, "-m", "1", "-d", "300",
                 rows=[row("201", "202")])  # fmt: skip
    assert finished(alice, tmp_path) == 0
    assert finished(bob, tmp_path) == 0
    assert finished(carol, tmp_path) == 0, "every NOTIFY came, and the unsubscription's"

    states = lamp_states(tmp_path, "202", f"{alice.pid}uac1", f"{bob.pid}uas1")
    # Idle when subscribed, the call's four steps, nothing when unsubscribed.
    assert states == [None, "trying", "early", "confirmed", "terminated", None]
    assert dialog_events(pbx).subscriptions == {}
    assert dialog_events(pbx).calls == {}


def test_a_ring_groups_lamp_is_lit_while_it_rings_and_is_answered(pbx, tmp_path):
    base = pbx.port
    alice_watches = sipp(
        tmp_path, "blf_watch.xml", pbx, base + 1, "-m", "1", "-trace_msg",
        rows=[row("201", GROUP)],
    )  # fmt: skip
    assert eventually(lambda: len(dialog_events(pbx).subscriptions) == 1, 10)
    bob = sipp(tmp_path, "uas_answer.xml", pbx, base + 2, "-m", "1", background=True)
    assert register(tmp_path, pbx, "202", base + 2, base + 3) == 0
    alice = sipp(tmp_path, "uac_call.xml", pbx, base + 4, "-m", "1", "-d", "300",
                 rows=[row("201", GROUP)])  # fmt: skip
    assert finished(alice, tmp_path) == 0
    assert finished(bob, tmp_path) == 0, "Bob, of the group, answers"
    assert finished(alice_watches, tmp_path) == 0

    states = lamp_states(tmp_path, GROUP, f"{alice.pid}uac1", f"{bob.pid}uas1")
    assert states == [None, "trying", "early", "confirmed", "terminated", None]
    assert dialog_events(pbx).calls == {}


def test_a_hunt_puts_out_the_lamp_of_whom_it_stops_ringing(pbx, tmp_path, stopped_after):
    """Bob's phone rings its five seconds and the hunt moves on to Carol: Bob's lamp goes
    from early to terminated then, while Carol's is lit, not when the call ends."""
    base = pbx.port
    lamps = {
        watched: sipp(
            tmp_path,
            "blf_watch_unanswered.xml",
            pbx,
            port,
            "-m",
            "1",
            "-trace_msg",
            rows=[row("201", watched)],
        )
        for watched, port in (("202", base + 1), ("203", base + 2))
    }
    stopped_after += lamps.values()
    assert eventually(lambda: len(dialog_events(pbx).subscriptions) == 2, 10)
    bob = sipp(tmp_path, "uas_ring_until_cancel.xml", pbx, base + 3, "-m", "1", background=True)
    carol = sipp(tmp_path, "uas_ring_until_cancel.xml", pbx, base + 5, "-m", "1", background=True)
    stopped_after += [bob, carol]
    assert register(tmp_path, pbx, "202", base + 3, base + 4) == 0
    assert register(tmp_path, pbx, "203", base + 5, base + 6) == 0
    # Alice gives up 8 s after the first ringing: Bob's 5 s, then 3 s of Carol's (whose
    # ringing comes to her meanwhile).
    alice = sipp(tmp_path, "uac_cancel.xml", pbx, base + 7, "-m", "1", "-d", "8000",
                 "-pause_msg_ign", rows=[row("201", HUNT)])  # fmt: skip
    stopped_after.append(alice)

    def lamp(number: str) -> str | None:
        calls = list(dialog_events(pbx).calls.get(number, {}).values())
        return calls[0].state if calls else None

    assert eventually(lambda: lamp("202") == "early", 5), "Bob's phone rings first"
    assert lamp("203") is None, "Carol's does not yet"
    assert eventually(lambda: lamp("203") == "early", 10), "the hunt moves on to Carol"
    assert lamp("202") is None, "Bob's lamp went out as the hunt left him"
    assert finished(alice, tmp_path) == 0
    assert finished(bob, tmp_path) == 0, "Bob's phone was cancelled"
    assert finished(carol, tmp_path) == 0, "so was Carol's, when Alice gave up"
    for process in lamps.values():
        assert finished(process, tmp_path) == 0, "each lamp was told terminated"

    caller_tag = f"{alice.pid}uac1"
    for watched, phone in (("202", bob), ("203", carol)):
        states = lamp_states(
            tmp_path, watched, caller_tag, f"{phone.pid}ring1", str(lamps[watched].pid)
        )
        assert states == [None, "trying", "early", "terminated", None], watched
    assert dialog_events(pbx).calls == {}


# ---------------------------------------------------------------------- bad input
class Phone:
    """A phone on a UDP socket that sends one SUBSCRIBE, with credentials, and reads the
    final answer."""

    def __init__(self, user: str, port: int, pbx: LivePbx) -> None:
        self.user = user
        self.port = port
        self.pbx = pbx
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind((HOST, port))
        self.socket.settimeout(5)
        self.sent = 0

    def close(self) -> None:
        self.socket.close()

    def subscribe(self, watched: str, **headers: str) -> SipResponse:
        self.sent += 1
        fields = {
            "Via": f"SIP/2.0/UDP {HOST}:{self.port};branch=z9hG4bKlamp{self.sent}a;rport",
            "Max-Forwards": "70",
            "From": f"<sip:{self.user}@{HOST}>;tag=lamp{self.sent}",
            "To": f"<sip:{watched}@{HOST}>",
            "Call-ID": f"lamp-{self.user}-{self.port}-{self.sent}",
            "CSeq": "1 SUBSCRIBE",
            "Contact": f"<sip:{self.user}@{HOST}:{self.port}>",
            "Event": "dialog",
            "Expires": "600",
        } | {name.replace("_", "-"): value for name, value in headers.items()}
        request = SipRequest("SUBSCRIBE", f"sip:{watched}@{HOST}", list(fields.items()))
        challenge = self._final(request)
        if challenge.status != 401:
            return challenge
        authorized = DigestClient(self.user, PASSWORDS[self.user]).authorize(request, challenge)
        assert authorized is not None
        authorized.set_header(
            "Via", f"SIP/2.0/UDP {HOST}:{self.port};branch=z9hG4bKlamp{self.sent}b;rport"
        )
        authorized.set_header("CSeq", "2 SUBSCRIBE")
        return self._final(authorized)

    def _final(self, request: SipRequest) -> SipResponse:
        self.socket.sendto(request.serialize(), (HOST, self.pbx.port))
        while True:
            data, address = self.socket.recvfrom(65536)
            message = parse_message(data)
            if isinstance(message, SipRequest):  # a NOTIFY: acknowledged, not our answer
                reply = f"SIP/2.0 200 OK\r\n{_echo(message)}Content-Length: 0\r\n\r\n"
                self.socket.sendto(reply.encode(), address)
                continue
            if message.status >= 200:
                return message


def _echo(request: SipRequest) -> str:
    return "".join(
        f"{name}: {request.header(name)}\r\n" for name in ("Via", "From", "To", "Call-ID", "CSeq")
    )


@pytest.fixture
def phone(pbx: LivePbx) -> Iterator[Phone]:
    alice = Phone("201", pbx.port + 10, pbx)
    yield alice
    alice.close()


def test_watching_someone_outside_the_company_is_forbidden(pbx, phone):
    answer = phone.subscribe("204")
    assert answer.status == 403
    assert "not an extension of your company" in answer.reason
    assert phone.subscribe("299").status == 403  # no such extension: told the same
    mallory = Phone("204", pbx.port + 12, pbx)
    try:
        assert mallory.subscribe(GROUP).status == 403, "another company's ring group"
    finally:
        mallory.close()
    assert dialog_events(pbx).subscriptions == {}


def test_bad_subscriptions_get_a_clear_answer(pbx, phone):
    unknown = phone.subscribe("202", Event="presence")
    assert unknown.status == 489
    assert "dialog" in (unknown.header("Allow-Events") or "")
    malformed = phone.subscribe("202", Expires="soon")
    assert (malformed.status, malformed.reason) == (400, "Bad Request (Expires)")
    brief = phone.subscribe("202", Expires="10")
    assert brief.status == 423 and brief.header("Min-Expires") == "60"
    refused = phone.subscribe("202", Accept="text/plain")
    assert refused.status == 406
    assert refused.header("Accept") == "application/dialog-info+xml"
    assert dialog_events(pbx).subscriptions == {}


def test_subscriptions_are_bounded_per_phone(pbx, phone, monkeypatch):
    monkeypatch.setattr(DialogEvents, "max_per_subscriber", 2)
    assert phone.subscribe("202").status == 200
    assert phone.subscribe("203").status == 200
    too_many = phone.subscribe("201")
    assert too_many.status == 403
    assert "at most 2 subscriptions per phone" in too_many.reason
    carol = Phone("203", pbx.port + 11, pbx)
    try:
        assert carol.subscribe("202").status == 200, "another phone has its own bound"
    finally:
        carol.close()
    monkeypatch.setattr(DialogEvents, "max_subscriptions", 3)
    mallory = Phone("204", pbx.port + 12, pbx)
    try:
        assert mallory.subscribe("204").status == 503, "and all phones together have one"
    finally:
        mallory.close()


# ---------------------------------------------------------------------- pickup
def ringing_on(pbx: LivePbx, number: str) -> bool:
    extension_id = next(
        entry.extension_id
        for entry in pbx.running.server.directory.by_id.values()
        if entry.number == number
    )
    return any(
        branch.provisional and branch.binding.extension_id == extension_id
        for context in list(pbx.running.server.proxy.contexts.values())
        for branch in context.branches
    )


Phones = tuple[subprocess.Popen[bytes], subprocess.Popen[bytes], subprocess.Popen[bytes]]


def alice_rings_bob(pbx: LivePbx, tmp_path: Path, port: int) -> Phones:
    """Bob's phone (202, SIPp) rings with Alice's call (201), until cancelled; Carol's
    (203) is registered and answers whatever reaches it. (Bob's, Carol's, Alice's.)"""
    bob = sipp(tmp_path, "uas_ring_answered_elsewhere.xml", pbx, port, "-m", "1", background=True)
    assert register(tmp_path, pbx, "202", port, port + 1) == 0
    carol_desk = sipp(tmp_path, "uas_answer.xml", pbx, port + 2, "-m", "1", background=True)
    assert register(tmp_path, pbx, "203", port + 2, port + 3) == 0
    alice = sipp(tmp_path, "uac_call.xml", pbx, port + 4, "-m", "1", "-d", "300",
                 rows=[row("201", "202")])  # fmt: skip
    return bob, carol_desk, alice


def carol_took_the_call(tmp_path: Path, phones: Phones) -> None:
    bob, carol_desk, alice = phones
    assert finished(carol_desk, tmp_path) == 0, "Carol's phone answers Alice's call"
    assert finished(bob, tmp_path) == 0, "Bob's phone stops ringing: CANCEL, cause 200"
    assert finished(alice, tmp_path) == 0, "Alice talks, then hangs up"
    assert eventually(
        lambda: CallRecord.objects.filter(caller_number="201", ended_at__isnull=False).exists()
    )
    record = CallRecord.objects.get(caller_number="201")
    assert record.outcome == CallRecord.Outcome.PICKED_UP
    assert record.callee_number == "202"
    assert record.callee is not None and record.callee.number == "203"
    assert len(record.devices_rung) == 2


@pytest.mark.parametrize("code", ["**202", "*8"])
def test_a_colleague_picks_up_a_ringing_call(pbx, tmp_path, code):
    base = pbx.port
    phones = alice_rings_bob(pbx, tmp_path, base + 20)
    assert eventually(lambda: ringing_on(pbx, "202"), 10), "Bob's phone rings"
    carol = sipp(tmp_path, "uac_pickup.xml", pbx, base + 25, "-m", "1", rows=[row("203", code)])
    assert finished(carol, tmp_path) == 0, "Carol's code is taken"
    carol_took_the_call(tmp_path, phones)


def test_picking_up_outside_the_company_is_forbidden(pbx, tmp_path):
    base = pbx.port
    bob = sipp(tmp_path, "uas_ring_until_cancel.xml", pbx, base + 30, "-m", "1", background=True)
    assert register(tmp_path, pbx, "202", base + 30, base + 31) == 0
    alice = sipp(tmp_path, "uac_cancel.xml", pbx, base + 32, "-m", "1", "-d", "3000",
                 rows=[row("201", "202")])  # fmt: skip
    assert eventually(lambda: ringing_on(pbx, "202"), 10)
    mallory = sipp(tmp_path, "uac_refused.xml", pbx, base + 33, "-m", "1",
                   rows=[row("204", "**202")])  # fmt: skip
    assert finished(mallory, tmp_path) == 0, "403 to another company's pickup"
    assert finished(alice, tmp_path) == 0
    assert finished(bob, tmp_path) == 0


def test_a_blf_key_picks_up_the_early_dialog_its_lamp_told_of(pbx, tmp_path):
    base = pbx.port
    phones = alice_rings_bob(pbx, tmp_path, base + 40)
    bob, _carol_desk, alice = phones

    def told() -> list[CallState]:
        return [c for c in dialog_events(pbx).calls.get("202", {}).values() if c.local_tag]

    assert eventually(lambda: bool(told()), 10), "Bob's phone rings, with its tag"
    (early,) = told()
    assert early.state == "early"
    # The dialog as Bob's lamp tells it, from Bob's side; for Replaces, the to-tag is the
    # tag of the phone the INVITE would reach (Bob's), the from-tag the caller's.
    assert (early.local_tag, early.remote_tag) == (f"{bob.pid}ring1", f"{alice.pid}uac1")
    replaces = f"{early.call_id};to-tag={early.local_tag};from-tag={early.remote_tag}"

    mallory = sipp(
        tmp_path, "uac_replaces_refused.xml", pbx, base + 45, "-m", "1",
        "-key", "replaces", replaces, rows=[row("204", "202")],
    )  # fmt: skip
    assert finished(mallory, tmp_path) == 0, "another company's phone gets 403"
    carol = sipp(
        tmp_path, "uac_pickup_replaces.xml", pbx, base + 46, "-m", "1",
        "-key", "replaces", replaces, rows=[row("203", "202")],
    )  # fmt: skip
    assert finished(carol, tmp_path) == 0, "Carol's Replaces is taken"
    carol_took_the_call(tmp_path, phones)


@pytest.fixture
def stopped_after() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Phones to stop when the test ends, so that a failed test leaves no phone on its
    port for the next."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("key", ["**202", "blf"])
def test_only_the_phone_that_picks_up_gets_the_call(pbx, tmp_path, stopped_after, key):
    """Carol has two phones registered; the one she picks up with gets the call, the other
    (which would answer anything that reached it) does not ring at all."""
    base = pbx.port
    bob = sipp(
        tmp_path, "uas_ring_answered_elsewhere.xml", pbx, base + 13, "-m", "1", background=True
    )
    carol_desk = sipp(
        tmp_path, "uas_answer.xml", pbx, base + 15, "-m", "1", "-trace_msg", background=True
    )
    stopped_after += [bob, carol_desk]
    assert register(tmp_path, pbx, "202", base + 13, base + 14) == 0
    assert register(tmp_path, pbx, "203", base + 15, base + 16) == 0
    assert register(tmp_path, pbx, "203", base + 17, base + 16) == 0, "her second phone"
    alice = sipp(tmp_path, "uac_call.xml", pbx, base + 18, "-m", "1", "-d", "300",
                 rows=[row("201", "202")])  # fmt: skip
    stopped_after.append(alice)

    def told() -> list[CallState]:
        return [c for c in dialog_events(pbx).calls.get("202", {}).values() if c.local_tag]

    assert eventually(lambda: bool(told()), 10), "Bob's phone rings"
    if key == "blf":
        (early,) = told()
        dialled = "202"
        header = f"Replaces: {early.call_id};to-tag={early.local_tag};from-tag={early.remote_tag}"
    else:
        dialled, header = key, "User-Agent: SIPp pickup"
    # The phone registered on base + 17 asks, and answers the call it is sent there.
    carol_phone = sipp(
        tmp_path, "uac_pickup_here.xml", pbx, base + 17, "-m", "1",
        "-oocsf", str(SCENARIOS / "uas_answer.xml"), "-key", "header", header,
        rows=[row("203", dialled)],
    )  # fmt: skip
    stopped_after.append(carol_phone)
    assert finished(carol_phone, tmp_path) == 0, "the phone that asked answers and talks"
    assert finished(bob, tmp_path) == 0, "Bob's phone stops ringing: CANCEL, cause 200"
    assert finished(alice, tmp_path) == 0
    assert eventually(
        lambda: CallRecord.objects.filter(caller_number="201", ended_at__isnull=False).exists()
    )
    record = CallRecord.objects.get(caller_number="201")
    assert record.outcome == CallRecord.Outcome.PICKED_UP
    assert record.callee is not None and record.callee.number == "203"
    assert len(record.devices_rung) == 2, "Bob's phone and the one Carol picked up with"

    assert carol_desk.poll() is None, "Carol's other phone is still waiting for a call"
    carol_desk.terminate()
    carol_desk.wait(5)
    desk_log = b"".join(
        p.read_bytes() for p in tmp_path.glob(f"uas_answer_{carol_desk.pid}_messages.log")
    )
    assert b"INVITE sip:" not in desk_log, "nothing reached Carol's other phone"


def test_a_call_picked_up_during_a_hunt_is_not_cancelled_when_the_step_ends(
    pbx, tmp_path, stopped_after
):
    """Alice calls the hunting group 601 (Bob, then Carol, five seconds each). While Bob's
    phone rings, Carol picks the call up with **202; her phone rings six seconds before it
    answers, past the end of Bob's step. The hunt stops at the pickup: her ringing phone
    is not cancelled (her scenario would fail on a CANCEL), nor rung a second time as the
    group's next person; Bob's stops when she answers, and the record is her pickup."""
    base = pbx.port
    bob = sipp(
        tmp_path, "uas_ring_answered_elsewhere.xml", pbx, base + 60, "-m", "1", background=True
    )
    stopped_after.append(bob)
    assert register(tmp_path, pbx, "202", base + 60, base + 61) == 0
    assert register(tmp_path, pbx, "203", base + 62, base + 63) == 0
    alice = sipp(tmp_path, "uac_call.xml", pbx, base + 64, "-m", "1", "-d", "300",
                 rows=[row("201", HUNT)])  # fmt: skip
    stopped_after.append(alice)
    assert eventually(lambda: ringing_on(pbx, "202"), 10), "the hunt rings Bob first"
    carol = sipp(
        tmp_path, "uac_pickup_here.xml", pbx, base + 62, "-m", "1", "-d", "6000",
        "-oocsf", str(SCENARIOS / "uas_answer_after_ringing.xml"), "-trace_msg",
        "-key", "header", "User-Agent: SIPp pickup", rows=[row("203", "**202")],
    )  # fmt: skip
    stopped_after.append(carol)
    assert finished(carol, tmp_path) == 0, "her phone rang, answered and talked"
    assert finished(bob, tmp_path) == 0, "Bob's phone stops ringing: CANCEL, cause 200"
    assert finished(alice, tmp_path) == 0, "Alice talked to Carol, then hung up"
    logs = tmp_path.glob(f"uac_pickup_here_{carol.pid}_messages.log")
    log = b"".join(path.read_bytes() for path in logs)
    received = re.findall(rb"message received \[\d+\] bytes :\s+([A-Z]+) sip:", log)
    assert received.count(b"INVITE") == 1, "the picked-up call, once: not the hunt's next step"
    assert b"CANCEL" not in received
    assert eventually(
        lambda: CallRecord.objects.filter(caller_number="201", ended_at__isnull=False).exists()
    )
    record = CallRecord.objects.get(caller_number="201")
    assert record.outcome == CallRecord.Outcome.PICKED_UP
    assert record.callee is not None and record.callee.number == "203"
    assert record.answered_at is not None
    assert (record.answered_at - record.started_at).total_seconds() > 5, "past Bob's step"
