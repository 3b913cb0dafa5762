"""The registration client against a registrar made of the core's own digest server:
challenged, registered for what the registrar grants, refreshed at half of it,
refused, retried later, and a stale nonce answered again."""

from __future__ import annotations

from officina.sip import SipRequest, SipResponse, make_response, parse_message
from officina.sip.digest import DigestServer, compute_ha1
from officina.sip.registration import RETRY_FIRST, RegistrationClient, RegistrationState

REALM = "provider.test"
PASSWORD = "trunk-secret"


class Registrar:
    """Challenges every REGISTER without valid credentials; grants ``granted`` seconds."""

    def __init__(self, granted: int = 120, password: str = PASSWORD) -> None:
        self.server = DigestServer(REALM, b"k" * 32, algorithms=("MD5",), check_uri=False)
        self.granted = granted
        self.ha1 = compute_ha1("studio", REALM, password)
        self.seen: list[SipRequest] = []

    def answer(self, request: SipRequest, now: float) -> SipResponse:
        arrived = parse_message(request.serialize())  # as it would arrive
        assert isinstance(arrived, SipRequest)
        request = arrived
        self.seen.append(request)
        result = self.server.verify(request, lambda user, realm, algorithm: self.ha1, now)
        if not result.ok:
            if request.authorization and not result.stale:
                return make_response(request, 403)
            return make_response(
                request,
                401,
                headers=[
                    ("WWW-Authenticate", v) for v in self.server.challenges(now, stale=result.stale)
                ],
            )
        contact = request.header("Contact")
        return make_response(
            request, 200, to_tag="reg1", headers=[("Contact", f"{contact};expires={self.granted}")]
        )


def client(now: float = 1000.0) -> RegistrationClient:
    return RegistrationClient(
        registrar="sip:provider.test", user="studio", domain="provider.test",
        contact="sip:studio@192.0.2.1:5060", password=PASSWORD, expires=600,
        call_id="reg-1@officina", tag="t1", now=now,
    )  # fmt: skip


def exchange(ua: RegistrationClient, registrar: Registrar, now: float) -> None:
    request = ua.due(now)
    assert request is not None
    while request is not None:
        request.add_header("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-test")
        request = ua.answered(request, registrar.answer(request, now), now)


def test_challenged_then_registered_for_what_the_registrar_grants_and_refreshed_at_half():
    ua, registrar = client(), Registrar(granted=120)
    assert ua.next_timer() == 1000.0
    exchange(ua, registrar, 1000.0)
    assert ua.state == RegistrationState.REGISTERED
    assert ua.last_response == "200 OK"
    assert ua.registered_until == 1120.0
    assert ua.next_timer() == 1060.0
    first, second = registrar.seen
    assert first.header("Expires") == "600" and not first.authorization
    assert second.authorization and second.cseq.number == first.cseq.number + 1
    assert ua.due(1059.0) is None
    exchange(ua, registrar, 1060.0)
    assert len(registrar.seen) == 4
    assert {r.call_id for r in registrar.seen} == {"reg-1@officina"}
    assert [r.cseq.number for r in registrar.seen] == [1, 2, 3, 4]
    assert ua.registered_until == 1180.0


def test_a_short_grant_is_refreshed_before_it_ends():
    ua = client()
    exchange(ua, Registrar(granted=8), 1000.0)
    timer = ua.next_timer()
    assert timer is not None and 1000.0 < timer < 1008.0


def test_wrong_credentials_fail_once_and_are_retried_later_with_backoff():
    ua, registrar = client(), Registrar(password="another")
    exchange(ua, registrar, 1000.0)
    assert ua.state == RegistrationState.FAILED
    assert ua.last_response == "403 Forbidden"
    assert len(registrar.seen) == 2  # not hammered
    assert ua.next_timer() == 1000.0 + RETRY_FIRST
    exchange(ua, registrar, 1000.0 + RETRY_FIRST)
    assert ua.next_timer() == 1000.0 + RETRY_FIRST + 2 * RETRY_FIRST


def test_no_answer_fails_and_a_stale_nonce_is_answered_again():
    ua = client()
    request = ua.due(1000.0)
    assert request is not None and ua.next_timer() is None  # waiting for the answer
    ua.no_answer(1032.0)
    assert (ua.state, ua.last_response) == (RegistrationState.FAILED, "no answer")
    registrar = Registrar()
    request = ua.due(1032.0 + RETRY_FIRST)
    assert request is not None
    request.add_header("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-a")
    retry = ua.answered(request, registrar.answer(request, 1062.0), 1062.0)
    assert retry is not None
    # The registrar says the nonce went stale: the same credentials with a fresh one.
    stale = make_response(
        retry,
        401,
        headers=[("WWW-Authenticate", registrar.server.challenges(1400.0, stale=True)[0])],
    )
    again = ua.answered(retry, stale, 1400.0)
    assert again is not None and again.authorization
