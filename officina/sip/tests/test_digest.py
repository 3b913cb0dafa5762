import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from officina.sip import SipRequest, SipResponse, parse_message
from officina.sip.digest import (
    DigestClient,
    DigestOutcome,
    DigestResult,
    DigestServer,
    NonceCounter,
    compute_ha1,
    compute_response,
)
from officina.sip.headers import AuthHeader

SECRET = b"0123456789abcdef0123456789abcdef"
REALM = "officina.local"
USERS = {"201": "segreto-201", "202": "altro segreto"}


def lookup(username: str, realm: str, algorithm: str) -> str | None:
    password = USERS.get(username)
    return None if password is None else compute_ha1(username, realm, password, algorithm)


def register(cseq: int = 1) -> SipRequest:
    return SipRequest(
        "REGISTER",
        "sip:officina.local",
        [
            ("Via", "SIP/2.0/UDP 192.0.2.5:5060;branch=z9hG4bKreg1;rport"),
            ("Max-Forwards", "70"),
            ("From", "<sip:201@officina.local>;tag=r1"),
            ("To", "<sip:201@officina.local>"),
            ("Call-ID", "reg-call"),
            ("CSeq", f"{cseq} REGISTER"),
            ("Contact", "<sip:201@192.0.2.5:5060>"),
            ("Expires", "3600"),
        ],
    )


def test_rfc2617_example_vector():
    ha1 = compute_ha1("Mufasa", "testrealm@host.com", "Circle Of Life", "MD5")
    response = compute_response(
        algorithm="MD5",
        ha1=ha1,
        nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
        method="GET",
        uri="/dir/index.html",
        qop="auth",
        nc="00000001",
        cnonce="0a4f113b",
    )
    assert response == "6629fae49393a05397450978507c4ef1"


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc7616_example_vectors(algorithm, expected):
    ha1 = compute_ha1("Mufasa", "http-auth@example.org", "Circle of Life", algorithm)
    response = compute_response(
        algorithm=algorithm,
        ha1=ha1,
        nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        method="GET",
        uri="/dir/index.html",
        qop="auth",
        nc="00000001",
        cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    )
    assert response == expected


def exchange(
    server: DigestServer, client: DigestClient, now: float, request: SipRequest
) -> tuple[SipRequest, DigestResult]:
    challenge = server.challenge_response(request, now)
    wire = parse_message(challenge.serialize())
    assert isinstance(wire, SipResponse) and wire.status == 401
    retry = client.authorize(request, wire)
    assert retry is not None
    received = parse_message(retry.serialize())
    assert isinstance(received, SipRequest)
    return received, server.verify(received, lookup, now + 1)


@pytest.mark.parametrize("algorithm", ["SHA-256", "MD5", "SHA-256-sess", "MD5-sess"])
def test_full_exchange_for_each_algorithm(algorithm):
    server = DigestServer(REALM, SECRET, algorithms=(algorithm,))
    received, result = exchange(server, DigestClient("201", "segreto-201"), 1000.0, register())
    assert result.ok, result
    assert result.username == "201"
    assert result.algorithm == algorithm
    assert received.cseq.number == 2
    (credentials,) = received.authorization
    assert credentials.params["qop"] == "auth"


def test_client_prefers_sha256_and_can_use_stored_ha1():
    server = DigestServer(REALM, SECRET)
    challenge = parse_message(server.challenge_response(register(), 10.0).serialize())
    assert isinstance(challenge, SipResponse)
    assert [c.params["algorithm"] for c in challenge.www_authenticate] == ["SHA-256", "MD5"]
    client = DigestClient(
        "201", ha1={"SHA-256": compute_ha1("201", REALM, "segreto-201", "SHA-256")}
    )
    retry = client.authorize(register(), challenge)
    assert retry is not None
    assert retry.authorization[0].params["algorithm"] == "SHA-256"
    assert server.verify(retry, lookup, 11.0).ok


def test_wrong_password_unknown_user_and_missing():
    server = DigestServer(REALM, SECRET)
    _, result = exchange(server, DigestClient("201", "sbagliata"), 0.0, register())
    assert result.outcome is DigestOutcome.WRONG_RESPONSE
    _, result = exchange(server, DigestClient("999", "x"), 0.0, register())
    assert result.outcome is DigestOutcome.UNKNOWN_USER
    assert server.verify(register(), lookup, 0.0).outcome is DigestOutcome.MISSING


def test_expired_nonce_is_stale_only_with_the_right_password():
    server = DigestServer(REALM, SECRET, nonce_lifetime=60)
    challenge = parse_message(server.challenge_response(register(), 0.0).serialize())
    assert isinstance(challenge, SipResponse)
    good = DigestClient("201", "segreto-201").authorize(register(), challenge)
    bad = DigestClient("201", "nope").authorize(register(), challenge)
    assert good is not None and bad is not None
    assert server.verify(good, lookup, 61.0).outcome is DigestOutcome.STALE
    assert server.verify(bad, lookup, 61.0).outcome is DigestOutcome.WRONG_RESPONSE
    stale = server.challenge_response(register(), 61.0, stale=True)
    assert "stale=true" in (stale.header("WWW-Authenticate") or "")


def test_nonce_count_must_increase():
    server = DigestServer(REALM, SECRET)
    client = DigestClient("201", "segreto-201")
    challenge = parse_message(server.challenge_response(register(), 0.0).serialize())
    assert isinstance(challenge, SipResponse)
    first = client.authorize(register(1), challenge)
    assert first is not None
    assert server.verify(first, lookup, 1.0).ok
    assert server.verify(first, lookup, 2.0).outcome is DigestOutcome.REPLAY
    second = client.authorize(register(3), challenge)  # same nonce, nc=00000002
    assert second is not None
    assert second.authorization[0].params["nc"] == "00000002"
    assert server.verify(second, lookup, 3.0).ok


def test_forged_or_foreign_nonces_are_rejected():
    server = DigestServer(REALM, SECRET)
    other = DigestServer(REALM, b"another secret of 32 bytes......")
    challenge = parse_message(other.challenge_response(register(), 0.0).serialize())
    assert isinstance(challenge, SipResponse)
    retry = DigestClient("201", "segreto-201").authorize(register(), challenge)
    assert retry is not None
    assert server.verify(retry, lookup, 1.0).outcome is DigestOutcome.INVALID_NONCE
    nonce = server.make_nonce(0.0, bind="192.0.2.5")
    assert server.check_nonce(nonce, 1.0, bind="192.0.2.5") is DigestOutcome.OK
    assert server.check_nonce(nonce, 1.0, bind="198.51.100.1") is DigestOutcome.INVALID_NONCE
    # One character of the signature changed: the one before last carries six whole bits
    # (the last one's low bits are padding, so changing it alone may change nothing).
    forged = nonce[:-2] + ("B" if nonce[-2] == "A" else "A") + nonce[-1]
    assert server.check_nonce(forged, 1.0, bind="192.0.2.5") is DigestOutcome.INVALID_NONCE
    assert server.check_nonce("garbage", 1.0) is DigestOutcome.INVALID_NONCE


def test_rfc2617_client_without_qop_gets_one_use_per_nonce():
    server = DigestServer(REALM, SECRET, qop=False, algorithms=("MD5",))
    received, result = exchange(server, DigestClient("202", "altro segreto"), 0.0, register())
    assert result.ok
    assert "qop" not in received.authorization[0].params
    assert server.verify(received, lookup, 2.0).outcome is DigestOutcome.STALE


def test_malformed_and_unsupported_credentials():
    server = DigestServer(REALM, SECRET)
    req = register()
    nonce = server.make_nonce(0.0)
    req.add_header("Authorization", f'Digest username="201", realm="{REALM}", nonce="{nonce}"')
    assert server.verify(req, lookup, 1.0).outcome is DigestOutcome.MALFORMED
    req.set_header(
        "Authorization",
        f'Digest username="201", realm="{REALM}", nonce="{nonce}", uri="sip:x", '
        'response="00", algorithm=SHA-512-256',
    )
    assert server.verify(req, lookup, 1.0).outcome is DigestOutcome.UNSUPPORTED
    req.set_header("Authorization", "Digest username=")
    assert server.verify(req, lookup, 1.0).outcome is DigestOutcome.MALFORMED
    req.set_header("Authorization", "NoOneKnowsThisScheme opaque-data=here")
    assert server.verify(req, lookup, 1.0).outcome is DigestOutcome.MISSING


def test_bounded_nonce_counter_forgets_oldest_and_forgotten_nonces_are_stale():
    counter = NonceCounter(max_nonces=2)
    counter.start("a", 1)
    counter.start("b", 1)
    counter.start("c", 1)
    assert len(counter) == 2
    assert counter.accept("a", 2) is None
    assert counter.accept("b", 2) is True
    assert counter.accept("b", 2) is False

    server = DigestServer(REALM, SECRET, counter=NonceCounter(max_nonces=1))
    client = DigestClient("201", "segreto-201")
    first_challenge = parse_message(server.challenge_response(register(), 0.0).serialize())
    second_challenge = parse_message(server.challenge_response(register(), 0.0).serialize())
    assert isinstance(first_challenge, SipResponse) and isinstance(second_challenge, SipResponse)
    one = client.authorize(register(), first_challenge)
    two = client.authorize(register(), second_challenge)
    assert one is not None and two is not None
    assert server.verify(one, lookup, 1.0).ok
    assert server.verify(two, lookup, 1.0).ok  # evicts the first nonce
    again = client.authorize(register(5), first_challenge)  # nc=2 on a forgotten nonce
    assert again is not None
    assert server.verify(again, lookup, 1.0).outcome is DigestOutcome.STALE


def test_a_nonce_count_may_start_above_one_on_a_fresh_nonce():
    server = DigestServer(REALM, SECRET)
    client = DigestClient("201", "segreto-201")
    challenge = parse_message(server.challenge_response(register(), 0.0).serialize())
    assert isinstance(challenge, SipResponse)
    for cseq in range(1, 5):  # four requests the server never received: nc 1 to 4
        assert client.authorize(register(cseq), challenge) is not None
    fifth = client.authorize(register(5), challenge)
    assert fifth is not None and "nc=00000005" in (fifth.header("Authorization") or "")
    assert server.verify(fifth, lookup, 1.0).ok
    assert server.verify(fifth, lookup, 1.0).outcome is DigestOutcome.REPLAY


def test_a_nonce_from_before_a_restart_with_a_count_above_one_is_stale():
    before = DigestServer(REALM, SECRET)
    challenge = parse_message(before.challenge_response(register(), 0.0).serialize())
    assert isinstance(challenge, SipResponse)
    client = DigestClient("201", "segreto-201")
    first = client.authorize(register(1), challenge)
    second = client.authorize(register(2), challenge)
    assert first is not None and second is not None
    assert before.verify(first, lookup, 1.0).ok
    after = DigestServer(REALM, SECRET)  # restarted: it never saw nc=1 used
    assert after.verify(second, lookup, 2.0).outcome is DigestOutcome.STALE


def test_proxy_authentication_uses_407_headers():
    server = DigestServer(REALM, SECRET)
    invite = register()
    challenge = parse_message(server.challenge_response(invite, 0.0, proxy=True).serialize())
    assert isinstance(challenge, SipResponse) and challenge.status == 407
    retry = DigestClient("201", "segreto-201").authorize(invite, challenge)
    assert retry is not None and retry.proxy_authorization
    assert server.verify(retry, lookup, 1.0, proxy=True).ok
    assert isinstance(AuthHeader.parse(retry.header("Proxy-Authorization") or ""), AuthHeader)


safe_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")),
    min_size=1,
    max_size=20,
)


@settings(max_examples=100, deadline=None)
@given(
    user=safe_text,
    password=safe_text,
    algorithm=st.sampled_from(["MD5", "SHA-256", "MD5-sess", "SHA-256-sess"]),
    tamper=st.booleans(),
)
def test_any_credentials_verify_and_tampering_fails(user, password, algorithm, tamper):
    server = DigestServer(REALM, SECRET, algorithms=(algorithm,))
    table = {user: password}

    def lookup_any(username: str, realm: str, base: str) -> str | None:
        secret = table.get(username)
        return None if secret is None else compute_ha1(username, realm, secret, base)

    challenge = parse_message(server.challenge_response(register(), 0.0).serialize())
    assert isinstance(challenge, SipResponse)
    retry = DigestClient(user, password).authorize(register(), challenge)
    assert retry is not None
    if tamper:
        value = retry.header("Authorization") or ""
        marker = 'response="'
        start = value.index(marker) + len(marker)
        flipped = "0" if value[start] != "0" else "1"
        retry.set_header("Authorization", value[:start] + flipped + value[start + 1 :])
    result = server.verify(retry, lookup_any, 1.0)
    assert result.ok is (not tamper)


def test_digest_uri_must_name_the_request_target():
    server = DigestServer(REALM, SECRET)
    challenge = parse_message(server.challenge_response(register(), 0.0).serialize())
    assert isinstance(challenge, SipResponse)
    retry = DigestClient("201", "segreto-201").authorize(register(), challenge)
    assert retry is not None
    moved = retry.copy()
    moved.uri = "sip:elsewhere.example.com"
    assert server.verify(moved, lookup, 1.0).outcome is DigestOutcome.MALFORMED
    with_params = retry.copy()
    with_params.uri = "sip:officina.local;transport=tcp"  # same target, other parameters
    assert server.verify(with_params, lookup, 1.0).ok
    lenient = DigestServer(REALM, SECRET, check_uri=False)
    lenient_retry = DigestClient("201", "segreto-201").authorize(
        register(),
        parse_message(lenient.challenge_response(register(), 0.0).serialize()),  # type: ignore[arg-type]
    )
    assert lenient_retry is not None
    lenient_retry.uri = "sip:elsewhere.example.com"
    assert lenient.verify(lenient_retry, lookup, 1.0).ok
