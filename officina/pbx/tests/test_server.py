"""The registrar and the proxy, driven in memory through ``SipServer.receive``."""

import asyncio
import gc

import pytest
from aioice import stun
from asgiref.sync import sync_to_async

from officina.accounts.models import Member
from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.directory import Directory
from officina.pbx.models import CallRecord, Registration
from officina.pbx.proxy import Branch, ResponseContext
from officina.pbx.tests.harness import REALM, Pbx, Phone
from officina.sip import SipRequest, SipResponse, parse_message

pytestmark = pytest.mark.django_db

SDP = (
    b"v=0\r\no=- 1 1 IN IP4 10.0.0.10\r\ns=-\r\nc=IN IP4 10.0.0.10\r\nt=0 0\r\n"
    b"m=audio 4000 RTP/AVP 0\r\n"
)


def make_extension(email: str, password: str) -> str:
    member = Member.objects.create_user(email=email, password="pw")
    extension = do_provision_extension(member)
    do_set_sip_password(extension, password)
    return extension.number


@pytest.fixture
def pbx():
    make_extension("giulia@example.it", "giulia-secret")  # 201
    make_extension("marco@example.it", "marco-secret")  # 202
    directory = Directory(node="test")
    directory.load()
    return Pbx(directory)


@pytest.fixture
def giulia(pbx):
    return Phone(pbx, "201", "giulia-secret", "10.0.0.10", 5060, user_agent="Giulia desk")


@pytest.fixture
def marco_desk(pbx):
    return Phone(pbx, "202", "marco-secret", "10.0.0.20", 5060, user_agent="Marco desk")


@pytest.fixture
def marco_mobile(pbx):
    return Phone(pbx, "202", "marco-secret", "10.0.0.21", 5070, user_agent="Marco mobile")


class RecordingConnection:
    """A TCP connection that keeps what the server sends on it."""

    key = "tcp-1"
    transport = "TCP"
    remote = ("10.0.0.30", 40000)
    opened_at = last_activity = 0.0
    messages_received = 0

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, data: bytes) -> bool:
        self.sent.append(data)
        return True

    def close(self) -> None:
        return None


def header(message: SipRequest | SipResponse, name: str) -> str:
    value = message.header(name)
    assert value is not None, name
    return value


def requests_of(messages: list[SipRequest | SipResponse], method: str) -> list[SipRequest]:
    return [m for m in messages if isinstance(m, SipRequest) and m.method == method]


def statuses(messages: list[SipRequest | SipResponse]) -> list[int]:
    return [m.status for m in messages if isinstance(m, SipResponse)]


# ---------------------------------------------------------------------- registrar
def test_register_is_challenged_then_bound(pbx, giulia):
    request = giulia.request("REGISTER", f"sip:{REALM}", f"<sip:201@{REALM}>")
    giulia.send(request)
    challenge = giulia.last_response()
    assert challenge.status == 401
    assert challenge.www_authenticate[0].params["realm"] == REALM
    giulia.send(giulia.authorized(request, challenge))
    ok = giulia.last_response()
    assert ok.status == 200
    assert ok.contacts[0].expires == 3600
    entry = pbx.directory.entry("201")
    assert entry is not None
    (binding,) = pbx.directory.live_bindings(entry.extension_id)
    assert (binding.received_host, binding.received_port) == ("10.0.0.10", 5060)
    assert binding.user_agent == "Giulia desk"


def test_the_challenge_is_stateless_and_repeated_for_a_retransmission(pbx, giulia):
    request = giulia.request("REGISTER", f"sip:{REALM}", f"<sip:201@{REALM}>")
    request.set_header("Via", "SIP/2.0/UDP 192.168.1.5:5062;branch=z9hG4bKnat1;rport")
    giulia.send(request)
    giulia.send(request)  # a retransmission: the same challenge again
    first, second = giulia.inbox()
    assert isinstance(first, SipResponse) and isinstance(second, SipResponse)
    assert first.status == 401
    assert second.serialize() == first.serialize()
    assert first.to_tag and first.www_authenticate[0].params["nonce"]
    # Answered to where it came from, with received/rport stamped (RFC 3581).
    via = first.top_via
    assert (via.received, via.rport) == ("10.0.0.10", 5060)
    assert len(pbx.server.layer.core) == 0  # no transaction kept for it
    giulia.send(giulia.authorized(request, second))
    assert giulia.last_response().status == 200
    # A new REGISTER gets a new challenge; the remembered one is forgotten in time.
    giulia.send(giulia.request("REGISTER", f"sip:{REALM}", f"<sip:201@{REALM}>"))
    assert (
        giulia.last_response().www_authenticate[0].params["nonce"]
        != (first.www_authenticate[0].params["nonce"])
    )
    pbx.advance(33)
    giulia.send(giulia.request("REGISTER", f"sip:{REALM}", f"<sip:201@{REALM}>"))
    assert len(pbx.server.registrar.answers) == 1


def test_a_retransmitted_register_gets_the_same_200_and_binds_once(pbx, giulia):
    request = giulia.request("REGISTER", f"sip:{REALM}", f"<sip:201@{REALM}>")
    giulia.send(request)
    authorized = giulia.authorized(request, giulia.last_response())
    giulia.send(authorized)
    pbx.advance(1)
    giulia.send(authorized)  # our 200 was lost: the phone sends it again
    first, second = giulia.inbox()
    assert isinstance(first, SipResponse) and isinstance(second, SipResponse)
    assert first.status == 200
    # The very same answer, though the stored expiry has moved on by a second and the
    # credentials' nonce-count would now be refused as a replay.
    assert second.serialize() == first.serialize()
    assert len(pbx.server.layer.core) == 0
    entry = pbx.directory.entry("201")
    assert entry is not None
    assert len(pbx.directory.live_bindings(entry.extension_id)) == 1
    # Once the transaction would have ended, the same bytes are a replay.
    pbx.advance(33)
    giulia.send(authorized)
    assert giulia.last_response().status == 403


def test_a_register_over_tcp_leaves_nothing_to_remember(pbx):
    connection = RecordingConnection()
    phone = Phone(pbx, "202", "marco-secret", "10.0.0.30", 40000, transport="TCP")
    phone.connection = connection
    request = phone.request("REGISTER", f"sip:{REALM}", f"<sip:202@{REALM}>")
    phone.send(request)
    challenge = parse_message(connection.sent[-1])
    assert isinstance(challenge, SipResponse) and challenge.status == 401
    phone.send(phone.authorized(request, challenge))
    ok = parse_message(connection.sent[-1])
    assert isinstance(ok, SipResponse) and ok.status == 200
    assert len(pbx.server.registrar.answers) == 0


def test_a_register_through_a_preloaded_route_is_bound(pbx, giulia):
    request = giulia.request(
        "REGISTER", f"sip:{REALM}", f"<sip:201@{REALM}>", headers=[("Route", "<sip:10.0.0.1;lr>")]
    )
    giulia.send(request)
    challenge = giulia.last_response()
    assert challenge.status == 401
    giulia.send(giulia.authorized(request, challenge))
    assert giulia.last_response().status == 200
    entry = pbx.directory.entry("201")
    assert entry is not None
    assert len(pbx.directory.live_bindings(entry.extension_id)) == 1


def test_registrations_survive_a_restart(pbx, giulia, marco_desk, marco_mobile):
    assert giulia.register().status == 200
    assert marco_desk.register().status == 200
    assert marco_mobile.register().status == 200
    pbx.directory.flush_now()
    assert Registration.objects.count() == 3
    restarted = Directory(node="test", clock=pbx.clock.wall)
    restarted.load()
    marco = restarted.entry("202")
    assert marco is not None
    assert {b.user_agent for b in restarted.live_bindings(marco.extension_id)} == {
        "Marco desk",
        "Marco mobile",
    }


async def test_wrong_password_is_forbidden_and_then_rate_limited(pbx):
    intruder = Phone(pbx, "201", "guess", "192.0.2.66", 5060)
    answers = [(await intruder.register_checked_in_database()).status for _ in range(10)]
    assert answers == [403] * 10
    # Limited for 201 from this address: still answered, and the password not checked.
    assert Phone(pbx, "201", "giulia-secret", "192.0.2.66", 5061).register().status == 403
    assert pbx.server.gatekeeper.refusals == 1
    # The other members behind the same address keep registering; 201 from elsewhere too.
    assert Phone(pbx, "202", "marco-secret", "192.0.2.66", 5062).register().status == 200
    assert Phone(pbx, "201", "giulia-secret", "10.0.0.10", 5060).register().status == 200


def test_too_brief_an_interval_gets_423(giulia):
    response = giulia.register(expires=30)
    assert response.status == 423
    assert header(response, "Min-Expires") == "60"


def test_a_member_cannot_bind_someone_elses_extension(pbx):
    giulia_as_marco = Phone(pbx, "201", "giulia-secret", "10.0.0.10", 5060)
    request = giulia_as_marco.request("REGISTER", f"sip:{REALM}", f"<sip:202@{REALM}>")
    giulia_as_marco.send(request)
    challenge = giulia_as_marco.last_response()
    giulia_as_marco.send(giulia_as_marco.authorized(request, challenge))
    assert giulia_as_marco.last_response().status == 403


def test_expires_zero_and_star_remove_bindings(pbx, marco_desk, marco_mobile):
    marco_desk.register()
    marco_mobile.register()
    marco = pbx.directory.entry("202")
    assert len(pbx.directory.live_bindings(marco.extension_id)) == 2
    assert marco_desk.register(expires=0).status == 200
    assert len(pbx.directory.live_bindings(marco.extension_id)) == 1
    assert marco_mobile.register(expires=0, contact="*").status == 200
    assert pbx.directory.live_bindings(marco.extension_id) == []


def test_bindings_expire(pbx, marco_desk):
    marco_desk.register(expires=60)
    marco = pbx.directory.entry("202")
    assert marco is not None
    pbx.clock.advance(61)
    assert pbx.directory.live_bindings(marco.extension_id) == []


def test_options_keepalive_is_answered(giulia):
    giulia.send(giulia.request("OPTIONS", f"sip:{REALM}", f"<sip:{REALM}>"))
    response = giulia.last_response()
    assert response.status == 200
    allowed = {method.strip() for method in header(response, "Allow").split(",")}
    # Phones read Allow to know they may subscribe (message waiting, busy lamps).
    assert {"INVITE", "REFER", "SUBSCRIBE", "NOTIFY"} <= allowed


# ---------------------------------------------------------------------- proxy
def place_call(
    giulia: Phone, callee: str = "202", headers: tuple[tuple[str, str], ...] = ()
) -> SipRequest:
    invite = giulia.request(
        "INVITE", f"sip:{callee}@{REALM}", f"<sip:{callee}@{REALM}>", body=SDP,
        headers=[("Content-Type", "application/sdp"), *headers],
    )  # fmt: skip
    giulia.send(invite)
    challenge = giulia.last_response()
    assert challenge.status == 407
    ack = giulia.request(
        "ACK", invite.uri_text, header(challenge, "To"), call_id=invite.call_id,
        from_tag=invite.from_tag,
    )  # fmt: skip
    ack.set_header("Via", header(invite, "Via"))  # the ACK of a 407 shares the INVITE's branch
    ack.set_header("CSeq", f"{invite.cseq.number} ACK")
    giulia.send(ack)
    authorized = giulia.authorized(invite, challenge)
    giulia.send(authorized)
    return authorized


def test_call_forks_first_answer_wins_and_the_other_device_is_cancelled(
    pbx, giulia, marco_desk, marco_mobile
):
    for phone in (giulia, marco_desk, marco_mobile):
        assert phone.register().status == 200
    invite = place_call(giulia)
    assert statuses(giulia.inbox()) == [100]
    (desk_invite,) = requests_of(marco_desk.inbox(), "INVITE")
    (mobile_invite,) = requests_of(marco_mobile.inbox(), "INVITE")
    assert desk_invite.uri_text == "sip:202@10.0.0.20:5060"
    assert desk_invite.max_forwards == 69
    assert len(desk_invite.record_routes) == 2
    assert desk_invite.proxy_authorization == []  # credentials are for us only

    marco_desk.answer(desk_invite, 180, to_tag="desk")
    marco_mobile.answer(mobile_invite, 180, to_tag="mobile")
    assert statuses(giulia.inbox()) == [180, 180]

    marco_desk.answer(desk_invite, 200, to_tag="desk")
    (ok,) = [m for m in giulia.inbox() if isinstance(m, SipResponse)]
    assert ok.status == 200 and ok.to_tag == "desk"
    assert len(ok.vias) == 1  # our Via was taken off
    (cancel,) = requests_of(marco_mobile.inbox(), "CANCEL")
    assert "cause=200" in header(cancel, "Reason")
    assert "Call completed elsewhere" in header(cancel, "Reason")
    marco_mobile.answer(cancel, 200, to_tag="mobile")
    marco_mobile.answer(mobile_invite, 487, to_tag="mobile")
    assert requests_of(marco_mobile.inbox(), "ACK")  # hop-by-hop ACK for the 487

    # The dialog: ACK and BYE follow the Record-Route set through the proxy to the desk.
    route_set = [str(r) for r in ok.record_routes][::-1]
    ack = giulia.request(
        "ACK", "sip:202@10.0.0.20:5060", header(ok, "To"), call_id=invite.call_id,
        from_tag=invite.from_tag, headers=[("Route", r) for r in route_set],
    )  # fmt: skip
    giulia.send(ack)
    assert requests_of(marco_desk.inbox(), "ACK")
    bye = giulia.request(
        "BYE", "sip:202@10.0.0.20:5060", header(ok, "To"), call_id=invite.call_id,
        from_tag=invite.from_tag, headers=[("Route", r) for r in route_set],
    )  # fmt: skip
    giulia.send(bye)
    (desk_bye,) = requests_of(marco_desk.inbox(), "BYE")
    marco_desk.answer(desk_bye, 200, to_tag="desk")
    assert statuses(giulia.inbox()) == [200]

    pbx.records.flush_now()
    record = CallRecord.objects.get()
    assert record.outcome == CallRecord.Outcome.ANSWERED
    assert record.caller_number == "201" and record.callee_number == "202"
    assert sorted(record.devices_rung) == ["Marco desk", "Marco mobile"]
    assert record.answered_by == "Marco desk"
    assert record.ended_at is not None and record.duration is not None


def answered_call(giulia: Phone, marco_desk: Phone) -> tuple[SipRequest, SipResponse]:
    """Both registered, giulia calls and the desk answers: the desk's INVITE and the 200
    that reached giulia."""
    giulia.register()
    marco_desk.register()
    place_call(giulia)
    giulia.inbox()
    (desk_invite,) = requests_of(marco_desk.inbox(), "INVITE")
    marco_desk.answer(desk_invite, 200, to_tag="desk")
    (ok,) = [m for m in giulia.inbox() if isinstance(m, SipResponse) and m.status == 200]
    return desk_invite, ok


def test_callee_can_hang_up_through_the_proxy(pbx, giulia, marco_desk):
    desk_invite, _ok = answered_call(giulia, marco_desk)
    bye = marco_desk.request(
        "BYE", "sip:201@10.0.0.10:5060", header(desk_invite, "From"),
        call_id=desk_invite.call_id, from_tag="desk",
        headers=[("Route", str(r)) for r in desk_invite.record_routes],
    )  # fmt: skip
    marco_desk.send(bye)
    assert requests_of(giulia.inbox(), "BYE")


def test_a_finished_call_is_freed_without_the_garbage_collector(pbx, giulia, marco_desk):
    """Once its transactions have ended, nothing of a call is left for the cyclic garbage
    collector: at a thousand calls a second each would otherwise wait for a full
    collection, and be walked by every one meanwhile."""
    gc.collect()  # earlier tests' garbage, so that only this call's can be found
    gc.disable()
    try:
        desk_invite, _ok = answered_call(giulia, marco_desk)
        bye = marco_desk.request(
            "BYE", "sip:201@10.0.0.10:5060", header(desk_invite, "From"),
            call_id=desk_invite.call_id, from_tag="desk",
            headers=[("Route", str(r)) for r in desk_invite.record_routes],
        )  # fmt: skip
        marco_desk.send(bye)
        (giulia_bye,) = requests_of(giulia.inbox(), "BYE")
        giulia.answer(giulia_bye, 200, to_tag=giulia_bye.to_tag or "")
        assert statuses(marco_desk.inbox()) == [200]
        pbx.advance(64 * 0.5 + 1)  # every transaction's last timer (64*T1) has fired
        assert len(pbx.server.layer.core) == 0
        # With the collector off, cyclic garbage is still listed among the live objects.
        # type(), not isinstance(): isinstance would evaluate Django's lazy objects.
        left = [o for o in gc.get_objects() if type(o) is ResponseContext]
    finally:
        gc.enable()
    assert left == []


def test_the_transactions_of_one_phone_share_its_address(pbx, giulia, marco_desk):
    """A call's transactions are kept up to 32 s after it, each with the address its
    request came from and the one its answers go to: for one phone that is one Peer
    shared by all of them, not a new one per message for the garbage collector to walk."""
    answered_call(giulia, marco_desk)
    kept = [
        transaction
        for transaction in pbx.server.layer.core.server_transactions
        if transaction.source.port == giulia.port
    ]
    assert [t.request.method for t in kept].count("INVITE") == 2  # challenged, then sent again
    assert len({id(transaction.source) for transaction in kept}) == 1
    assert all(transaction.response_peer is transaction.source for transaction in kept)


def test_a_fork_is_owned_by_one_object(pbx, giulia, marco_desk):
    """A fork's client transaction is kept up to 32 s after the call (Timer M), and
    with it what owns it: the proxy, the call and the branch, and nothing made only to
    reach them (two bound callbacks were six more objects for the collector to walk)."""
    answered_call(giulia, marco_desk)
    (fork,) = [t for t in pbx.server.layer.core.client_transactions if t.is_invite]
    owner = fork.context
    made_for_it = [
        held
        for held in gc.get_referents(owner)
        if gc.is_tracked(held)
        and held is not type(owner)
        and held is not pbx.server.proxy
        and type(held) not in (ResponseContext, Branch)
    ]
    assert made_for_it == []


def test_every_device_busy_gives_486(pbx, giulia, marco_desk, marco_mobile):
    for phone in (giulia, marco_desk, marco_mobile):
        phone.register()
    place_call(giulia)
    giulia.inbox()
    (desk_invite,) = requests_of(marco_desk.inbox(), "INVITE")
    (mobile_invite,) = requests_of(marco_mobile.inbox(), "INVITE")
    marco_desk.answer(desk_invite, 486, to_tag="desk")
    assert statuses(giulia.inbox()) == []  # still waiting for the mobile
    marco_mobile.answer(mobile_invite, 486, to_tag="mobile")
    assert statuses(giulia.inbox()) == [486]
    pbx.records.flush_now()
    assert CallRecord.objects.get().outcome == CallRecord.Outcome.BUSY


def test_unregistered_callee_gets_480_and_unknown_number_404(pbx, giulia):
    giulia.register()
    place_call(giulia, "202")
    assert statuses(giulia.inbox()) == [480]
    place_call(giulia, "999")
    assert statuses(giulia.inbox()) == [404]
    pbx.records.flush_now()
    outcomes = set(CallRecord.objects.values_list("outcome", flat=True))
    assert outcomes == {CallRecord.Outcome.UNREGISTERED, CallRecord.Outcome.NOT_FOUND}


async def test_unauthenticated_caller_never_reaches_the_callee(pbx, giulia, marco_desk):
    marco_desk.register()
    stranger = Phone(pbx, "201", "wrong", "192.0.2.7", 5060)
    invite = stranger.request("INVITE", f"sip:202@{REALM}", f"<sip:202@{REALM}>")
    stranger.send(invite)
    challenge = stranger.last_response()
    assert challenge.status == 407
    stranger.send(stranger.authorized(invite, challenge))
    assert (await stranger.awaited_response()).status == 403
    assert requests_of(marco_desk.inbox(), "INVITE") == []


def test_an_unanswered_challenge_is_not_retransmitted_towards_its_source(pbx, giulia):
    # The source of an unauthenticated INVITE may be forged: it gets the 407 once, and
    # again only when the INVITE itself comes again.
    invite = giulia.request("INVITE", f"sip:202@{REALM}", f"<sip:202@{REALM}>")
    giulia.send(invite)
    pbx.advance(40)
    assert statuses(giulia.inbox()) == [407]
    another = giulia.request("INVITE", f"sip:202@{REALM}", f"<sip:202@{REALM}>")
    giulia.send(another)
    giulia.send(another)
    assert statuses(giulia.inbox()) == [407, 407]


def test_caller_cancel_reaches_every_ringing_device(pbx, giulia, marco_desk, marco_mobile):
    for phone in (giulia, marco_desk, marco_mobile):
        phone.register()
    invite = place_call(giulia)
    giulia.inbox()
    desk_invite = requests_of(marco_desk.inbox(), "INVITE")[0]
    mobile_invite = requests_of(marco_mobile.inbox(), "INVITE")[0]
    marco_desk.answer(desk_invite, 180, to_tag="desk")
    marco_mobile.answer(mobile_invite, 180, to_tag="mobile")
    giulia.inbox()
    cancel = SipRequest(
        "CANCEL", invite.uri_text,
        [("Via", header(invite, "Via")), ("Max-Forwards", "70"), ("From", header(invite, "From")),
         ("To", header(invite, "To")), ("Call-ID", invite.call_id),
         ("CSeq", f"{invite.cseq.number} CANCEL")],
    )  # fmt: skip
    giulia.send(cancel)
    assert sorted(statuses(giulia.inbox())) == [200, 487]
    for phone in (marco_desk, marco_mobile):
        (device_cancel,) = requests_of(phone.inbox(), "CANCEL")
        assert "cause=487" in header(device_cancel, "Reason")
    pbx.records.flush_now()
    assert CallRecord.objects.get().outcome == CallRecord.Outcome.CANCELLED


def test_nobody_answering_ends_with_480_after_the_ring_timeout(pbx, giulia, marco_desk):
    giulia.register()
    marco_desk.register()
    place_call(giulia)
    giulia.inbox()
    desk_invite = requests_of(marco_desk.inbox(), "INVITE")[0]
    marco_desk.answer(desk_invite, 180, to_tag="desk")
    giulia.inbox()
    pbx.advance(31)
    assert 480 in statuses(giulia.inbox())
    assert requests_of(marco_desk.inbox(), "CANCEL")
    pbx.records.flush_now()
    assert CallRecord.objects.get().outcome == CallRecord.Outcome.NO_ANSWER


def test_too_many_hops_gets_483(pbx, giulia, marco_desk):
    giulia.register()
    marco_desk.register()
    invite = giulia.request("INVITE", f"sip:202@{REALM}", f"<sip:202@{REALM}>")
    invite.set_header("Max-Forwards", "0")
    giulia.send(invite)
    assert giulia.last_response().status == 483


# ---------------------------------------------------------------------- bad input
def test_broken_requests_get_400_and_garbage_is_dropped(pbx, giulia):
    bad_max_forwards = giulia.request("OPTIONS", f"sip:{REALM}", f"<sip:{REALM}>")
    bad_max_forwards.set_header("Max-Forwards", "ten")
    giulia.send(bad_max_forwards)
    assert giulia.last_response().status == 400
    unparseable = giulia.request("OPTIONS", f"sip:{REALM}", f"<sip:{REALM}>").serialize()
    unparseable = unparseable.replace(b"Content-Length: 0", b"Content-Length: 50")
    giulia.send(unparseable)  # a body shorter than announced: refused by the parser
    assert giulia.last_response().status == 400
    giulia.send(unparseable.replace(b"CSeq: ", b"CSeq: x"))  # cannot even be answered
    assert giulia.inbox() == []
    giulia.send(b"\x00\xff garbage \r\n\r\n")
    giulia.send(b"")
    assert giulia.inbox() == []
    giulia.send(giulia.request("OPTIONS", f"sip:{REALM}", f"<sip:{REALM}>"))
    assert giulia.last_response().status == 200


def test_an_unsupported_version_is_answered_505_with_its_own_reason(pbx, giulia):
    request = giulia.request("OPTIONS", f"sip:{REALM}", f"<sip:{REALM}>")
    request.set_header("Via", "SIP/3.0/UDP 10.0.0.10:5060;branch=z9hG4bKv3")
    giulia.send(request)
    response = giulia.last_response()
    assert response.status == 505
    assert response.reason.startswith("Version Not Supported")


def test_header_flood_is_refused(pbx, giulia):
    request = giulia.request("OPTIONS", f"sip:{REALM}", f"<sip:{REALM}>")
    for index in range(400):
        request.add_header("X-Flood", str(index))
    giulia.send(request)
    assert giulia.last_response().status == 513


def test_a_flood_keeps_memory_bounded_and_the_server_answering(pbx, giulia):
    pbx.server.limiter.max_sources = 1000
    for index in range(5000):
        source = Phone(pbx, "201", "x", f"198.51.{index // 250}.{index % 250}", 5060)
        source.send(b"INVITE sip:x SIP/2.0\r\nVia: nonsense\r\n\r\n")
        source.send(source.request("REGISTER", f"sip:{REALM}", f"<sip:201@{REALM}>"))
    pbx.network.sent.clear()
    assert len(pbx.server.limiter) <= 1000
    pbx.advance(40)  # every unanswered transaction times out
    assert len(pbx.server.layer.core) == 0
    assert pbx.server.layer.flows == {}
    giulia.send(giulia.request("OPTIONS", f"sip:{REALM}", f"<sip:{REALM}>"))
    assert giulia.last_response().status == 200


def test_remembered_answers_are_bounded_and_the_newest_kept(pbx):
    pbx.server.registrar.answers.limit = 100
    phones = [Phone(pbx, "201", "x", f"198.51.{i // 250}.{i % 250}", 5060) for i in range(500)]
    requests = []
    for phone in phones:
        request = phone.request("REGISTER", f"sip:{REALM}", f"<sip:201@{REALM}>")
        phone.send(request)
        requests.append(request)
    assert len(pbx.server.registrar.answers) == 100
    newest, newest_request = phones[-1], requests[-1]
    (challenge,) = newest.inbox()
    newest.send(newest_request)  # a retransmission of one of the newest: the same 401
    (again,) = newest.inbox()
    assert again.serialize() == challenge.serialize()


def test_refreshes_reach_the_database_only_when_its_copy_runs_low(pbx, marco_desk):
    assert marco_desk.register(expires=600).status == 200
    pbx.directory.flush_now()
    stored = Registration.objects.get()
    pbx.clock.advance(60)
    assert marco_desk.register(expires=600).status == 200
    saved, _removed = pbx.directory.take_pending()
    assert saved == []  # the stored copy still has 540 s to go
    pbx.clock.advance(300)
    assert marco_desk.register(expires=600).status == 200
    pbx.directory.flush_now()
    assert Registration.objects.get().expires_at > stored.expires_at
    # A device that moved is written at once.
    moved = Phone(pbx, "202", "marco-secret", "10.0.0.99", 5060, user_agent="Marco desk")
    moved.register(expires=600, contact="<sip:202@10.0.0.20:5060>")
    saved, _removed = pbx.directory.take_pending()
    assert [row.received_host for row in saved] == ["10.0.0.99"]


def test_a_decline_everywhere_cancels_the_other_devices(pbx, giulia, marco_desk, marco_mobile):
    for phone in (giulia, marco_desk, marco_mobile):
        phone.register()
    place_call(giulia)
    giulia.inbox()
    (desk_invite,) = requests_of(marco_desk.inbox(), "INVITE")
    (mobile_invite,) = requests_of(marco_mobile.inbox(), "INVITE")
    marco_mobile.answer(mobile_invite, 180, to_tag="mobile")
    marco_desk.answer(desk_invite, 603, to_tag="desk")  # 6xx: nobody else should ring
    (cancel,) = requests_of(marco_mobile.inbox(), "CANCEL")
    marco_mobile.answer(cancel, 200, to_tag="mobile")
    marco_mobile.answer(mobile_invite, 487, to_tag="mobile")
    assert statuses(giulia.inbox()) == [180, 603]
    pbx.records.flush_now()
    assert CallRecord.objects.get().outcome == CallRecord.Outcome.DECLINED


def test_reinvite_and_info_inside_a_dialog_follow_the_route_set(pbx, giulia, marco_desk):
    giulia.register()
    marco_desk.register()
    invite = place_call(giulia)
    giulia.inbox()
    (desk_invite,) = requests_of(marco_desk.inbox(), "INVITE")
    marco_desk.answer(desk_invite, 200, to_tag="desk")
    (ok,) = [m for m in giulia.inbox() if isinstance(m, SipResponse)]
    routes = [("Route", str(r)) for r in ok.record_routes][::-1]
    for method in ("INVITE", "INFO"):
        request = giulia.request(
            method, "sip:202@10.0.0.20:5060", header(ok, "To"), call_id=invite.call_id,
            from_tag=invite.from_tag, headers=routes,
        )  # fmt: skip
        giulia.send(request)
        (forwarded,) = requests_of(marco_desk.inbox(), method)
        assert forwarded.header("Route") is None  # our routes were consumed
        marco_desk.answer(forwarded, 200, to_tag="desk")
        assert 200 in statuses(giulia.inbox())


def test_a_second_node_learns_the_first_nodes_devices_from_the_database(pbx, marco_desk):
    from datetime import UTC, datetime

    from officina.pbx.selectors import live_registrations

    marco_desk.register()
    pbx.directory.flush_now()
    other = Directory(node="second", clock=pbx.clock.wall)
    other.load()
    other.bindings.clear()  # as if it had started before the device registered
    now = datetime.fromtimestamp(pbx.clock.wall(), UTC)
    other.merge_other_nodes(live_registrations(now, except_node="second"))
    marco = other.entry("202")
    assert marco is not None
    (binding,) = other.live_bindings(marco.extension_id)
    assert binding.node == "test" and binding.received_host == "10.0.0.20"
    # What the other node cannot reach it forgets in memory only: the row stays.
    other.forget_binding(binding)
    assert other.live_bindings(marco.extension_id) == []
    assert other.take_pending() == ([], [])
    assert Registration.objects.count() == 1


@pytest.mark.django_db(transaction=True)
async def test_an_extension_made_after_start_up_registers_at_once(pbx):
    number = await sync_to_async(make_extension)("sara@example.it", "sara-secret")
    assert pbx.directory.entry(number) is None  # made after the directory was loaded
    sara = Phone(pbx, number, "sara-secret", "10.0.0.40", 5060)
    request = sara.request("REGISTER", f"sip:{REALM}", f"<sip:{number}@{REALM}>")
    sara.send(request)
    authorized = sara.authorized(request, sara.last_response())
    sara.send(authorized)
    sara.send(authorized)  # retransmitted while the extension is looked up: absorbed
    answers: list[SipRequest | SipResponse] = []
    for _ in range(100):
        await asyncio.sleep(0.02)
        answers += sara.inbox()
        if answers:
            break
    assert statuses(answers) == [200]
    assert pbx.directory.entry(number) is not None
    sara.send(authorized)  # and a later retransmission gets that 200 again
    assert statuses(sara.inbox()) == [200]


async def answers_after_a_look_up(phone: Phone) -> list[SipRequest | SipResponse]:
    """What ``phone`` receives once the server has read an extension from the database."""
    for _ in range(100):
        await asyncio.sleep(0.02)
        messages = phone.inbox()
        if messages:
            return messages
    return []


@pytest.mark.django_db(transaction=True)
async def test_an_extension_made_after_start_up_registers_through_a_route_at_once(pbx):
    number = await sync_to_async(make_extension)("sara@example.it", "sara-secret")
    sara = Phone(pbx, number, "sara-secret", "10.0.0.40", 5060)
    request = sara.request(
        "REGISTER", f"sip:{REALM}", f"<sip:{number}@{REALM}>",
        headers=[("Route", "<sip:10.0.0.1;lr>")],
    )  # fmt: skip
    sara.send(request)
    sara.send(sara.authorized(request, sara.last_response()))
    assert statuses(await answers_after_a_look_up(sara)) == [200]
    entry = pbx.directory.entry(number)
    assert entry is not None
    assert len(pbx.directory.live_bindings(entry.extension_id)) == 1


@pytest.mark.django_db(transaction=True)
async def test_an_extension_made_after_start_up_calls_at_once(pbx, marco_desk):
    assert marco_desk.register().status == 200
    number = await sync_to_async(make_extension)("sara@example.it", "sara-secret")
    sara = Phone(pbx, number, "sara-secret", "10.0.0.40", 5060)
    place_call(sara)
    assert requests_of(await answers_after_a_look_up(marco_desk), "INVITE")
    assert 100 in statuses(sara.inbox())


async def test_a_wrong_password_takes_as_long_as_a_missing_extension(pbx):
    # Both are read from the database before the 403: the answer's timing does not tell
    # a scanner which extensions exist.
    for phone in (
        Phone(pbx, "201", "wrong", "10.0.0.10", 5060),
        Phone(pbx, "299", "wrong", "10.0.0.10", 5062),
    ):
        request = phone.request("REGISTER", f"sip:{REALM}", f"<sip:{phone.user}@{REALM}>")
        phone.send(request)
        phone.send(phone.authorized(request, phone.last_response()))
        assert phone.inbox() == []  # not answered before the look-up
        assert pbx.directory._looking_up == {phone.user}
        assert (await phone.awaited_response()).status == 403


async def test_guesses_sent_during_a_look_up_count_as_failures(pbx):
    guesser = Phone(pbx, "201", "wrong", "192.0.2.66", 5060)
    request = guesser.request("REGISTER", f"sip:{REALM}", f"<sip:201@{REALM}>")
    guesser.send(request)
    challenge = guesser.last_response()
    for _ in range(12):  # all sent before the first look-up has come back
        guesser.send(guesser.authorized(request, challenge))
    # The first waits for its look-up; the next ten are judged at once and counted, and
    # they use the pair's ten failures up: the twelfth is refused unchecked.
    assert pbx.directory._looking_up == {"201"}
    assert pbx.server.gatekeeper.failures == 10
    assert pbx.server.gatekeeper.refusals == 1
    assert statuses(guesser.inbox()) == [403] * 11
    assert statuses(await answers_after_a_look_up(guesser)) == [403]
    assert pbx.server.gatekeeper.refusals == 2  # the first, judged after its look-up


@pytest.mark.django_db(transaction=True)  # the look-up reads from another thread
async def test_a_password_changed_since_the_last_refresh_is_accepted(pbx):
    member = await sync_to_async(Member.objects.get)(email="giulia@example.it")
    extension = await sync_to_async(lambda: member.extension)()
    await sync_to_async(do_set_sip_password)(extension, "a-new-secret")
    phone = Phone(pbx, "201", "a-new-secret", "10.0.0.10", 5060)
    assert (await phone.register_checked_in_database()).status == 200


def test_stun_keepalives_over_udp_are_answered_and_never_count_as_failures(pbx, giulia):
    for _ in range(30):  # well past the failure bucket's burst
        request = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
        request.add_fingerprint()
        giulia.send(bytes(request))
        (peer, data), *_ = pbx.network.sent
        pbx.network.sent.clear()
        answer = stun.parse_message(data)
        assert answer.transaction_id == request.transaction_id
        assert answer.attributes["XOR-MAPPED-ADDRESS"] == ("10.0.0.10", 5060)
        assert (peer.host, peer.port) == ("10.0.0.10", 5060)
    indication = stun.Message(
        message_method=stun.Method.BINDING, message_class=stun.Class.INDICATION
    )
    giulia.send(bytes(indication))
    assert pbx.network.sent == []
    assert giulia.register().status == 200


def test_an_outbound_registration_is_told_its_flow_is_kept(pbx, giulia):
    instance = "urn:uuid:00000000-aaaa-bbbb-cccc-111111111111"
    contact = f'<sip:201@10.0.0.10:5060>;+sip.instance="<{instance}>";reg-id=1'
    request = giulia.request(
        "REGISTER",
        f"sip:{REALM}",
        f"<sip:201@{REALM}>",
        headers=[("Supported", "path, outbound")],
    )
    request.set_header("Contact", contact)
    giulia.send(request)
    giulia.send(giulia.authorized(request, giulia.last_response()))
    ok = giulia.last_response()
    assert ok.status == 200
    assert "outbound" in (ok.header("Require") or "")
    assert ok.contacts[0].reg_id == 1
    # A phone that does not speak Outbound is not told to.
    assert marco_plain_register(pbx).header("Require") is None


def marco_plain_register(pbx: Pbx) -> SipResponse:
    marco = Phone(pbx, "202", "marco-secret", "10.0.0.20", 5060)
    response = marco.register()
    assert response.status == 200
    return response


def test_a_phone_writing_latin1_registers_and_is_known_by_its_name(pbx, giulia):
    def in_latin1(message: SipRequest) -> bytes:
        return message.serialize().replace(
            b"User-Agent: Giulia desk", "User-Agent: Telefono di Niccolò".encode("latin-1")
        )

    request = giulia.request("REGISTER", f"sip:{REALM}", f"<sip:201@{REALM}>")
    giulia.send(in_latin1(request))
    challenge = giulia.last_response()
    assert challenge.status == 401
    giulia.send(in_latin1(giulia.authorized(request, challenge)))
    assert giulia.last_response().status == 200
    entry = pbx.directory.entry("201")
    assert entry is not None
    (binding,) = pbx.directory.live_bindings(entry.extension_id)
    assert binding.user_agent == "Telefono di Niccolò"
    pbx.directory.flush_now()
    assert Registration.objects.get().user_agent == "Telefono di Niccolò"
