"""The browser phone's short-lived credential, at the registrar and the proxy, in memory."""

import pytest

from officina.accounts.models import Member
from officina.pbx.actions import do_provision_extension, do_set_sip_password
from officina.pbx.browser_credentials import (
    LIFETIME_SECONDS,
    BrowserCredential,
    claimed_credential,
    credential_key,
    issue_browser_credential,
)
from officina.pbx.directory import Directory
from officina.pbx.tests.harness import REALM, Pbx, Phone
from officina.pbx.tests.test_server import place_call, requests_of, statuses
from officina.sip.digest import DigestClient
from officina.sip.uri import SipUri

pytestmark = pytest.mark.django_db

SECRET = b"0123456789abcdef0123456789abcdef"  # the harness's node secret


@pytest.fixture
def pbx():
    for email in ("giulia@example.it", "marco@example.it"):  # 201, 202
        extension = do_provision_extension(Member.objects.create_user(email=email, password="pw"))
        do_set_sip_password(extension, f"{email}-desk-password")
    directory = Directory(node="test")
    directory.load()
    return Pbx(directory)


def browser_phone(pbx: Pbx, number: str, credential: BrowserCredential, host: str) -> Phone:
    """A phone for extension ``number`` that authenticates with ``credential``."""
    phone = Phone(pbx, number, credential.password, host, 5060, user_agent="JsSIP")
    phone.digest = DigestClient(credential.username, credential.password)
    return phone


def issued(
    pbx: Pbx, number: str, *, key: bytes = SECRET, at: float | None = None
) -> BrowserCredential:
    entry = pbx.directory.entry(number)
    assert entry is not None
    moment = pbx.clock.wall() if at is None else at
    return issue_browser_credential(credential_key(key), entry.extension_id, number, moment)


def test_a_fresh_credential_registers_and_calls_as_its_extension(pbx):
    giulia = browser_phone(pbx, "201", issued(pbx, "201"), "10.0.0.10")
    marco = browser_phone(pbx, "202", issued(pbx, "202"), "10.0.0.20")
    assert giulia.register(expires=300).status == 200
    assert marco.register(expires=300).status == 200

    place_call(giulia)
    assert statuses(giulia.inbox()) == [100]
    (invite,) = requests_of(marco.inbox(), "INVITE")
    assert isinstance(invite.from_.uri, SipUri) and invite.from_.uri.user == "201"
    assert invite.proxy_authorization == []  # the credential goes no further than us


def test_the_desk_phone_password_keeps_working_beside_it(pbx):
    desk = Phone(pbx, "201", "giulia@example.it-desk-password", "10.0.0.11", 5060)
    assert desk.register().status == 200
    assert browser_phone(pbx, "201", issued(pbx, "201"), "10.0.0.10").register().status == 200


async def test_an_expired_credential_is_refused(pbx):
    credential = issued(pbx, "201")
    pbx.clock.advance(LIFETIME_SECONDS + 1)
    phone = browser_phone(pbx, "201", credential, "10.0.0.10")
    assert (await phone.register_checked_in_database()).status == 403


async def test_a_forged_password_is_refused(pbx):
    genuine = issued(pbx, "201")
    # Change the first character, which carries only signed bits (the last one holds
    # padding bits too): the forgery can never equal the genuine password.
    first = "B" if genuine.password[0] == "A" else "A"
    forged = BrowserCredential(genuine.username, first + genuine.password[1:], genuine.expires_at)
    phone = browser_phone(pbx, "201", forged, "10.0.0.10")
    assert (await phone.register_checked_in_database()).status == 403


async def test_a_credential_signed_with_another_secret_is_refused(pbx):
    other_site = issued(pbx, "201", key=b"another site's secret key........")
    phone = browser_phone(pbx, "201", other_site, "10.0.0.10")
    assert (await phone.register_checked_in_database()).status == 403


async def test_a_credential_longer_lived_than_ever_issued_is_refused(pbx):
    # Signed with the right key (as a leaked key would allow) but for a day.
    far = issued(pbx, "201", at=pbx.clock.wall() + 24 * 3600)
    phone = browser_phone(pbx, "201", far, "10.0.0.10")
    assert (await phone.register_checked_in_database()).status == 403


async def test_a_credential_is_bound_to_its_extension(pbx):
    # Giulia's credential with Marco's number put in its username.
    giulia = issued(pbx, "201")
    renamed = BrowserCredential(
        giulia.username.replace("201.", "202."), giulia.password, giulia.expires_at
    )
    phone = browser_phone(pbx, "202", renamed, "10.0.0.10")
    assert (await phone.register_checked_in_database()).status == 403
    # Nor can her own credential bind Marco's extension.
    phone = browser_phone(pbx, "201", giulia, "10.0.0.11")
    request = phone.request("REGISTER", f"sip:{REALM}", f"<sip:202@{REALM}>")
    phone.send(request)
    phone.send(phone.authorized(request, phone.last_response()))
    assert phone.last_response().status == 403


@pytest.mark.parametrize(
    "username",
    ["201", "201.", ".1800000000", "201.18e8", "2O1.1800000000", "201.1800000000.1", "a" * 80],
)
def test_only_number_dot_expiry_reads_as_a_credential(username):
    assert claimed_credential(username) is None


def test_a_credential_reads_back_as_its_extension_and_expiry():
    claim = claimed_credential("201.1800000600")
    assert claim is not None
    assert (claim.number, claim.expires_at) == ("201", 1800000600)


async def test_forged_credentials_count_against_their_extension_whatever_their_expiry(pbx):
    genuine = issued(pbx, "201")
    for offset in range(10):  # each forgery names another expiry, so another username
        expires_at = genuine.expires_at - offset
        forged = BrowserCredential(f"201.{expires_at}", "A" * 43, expires_at)
        phone = browser_phone(pbx, "201", forged, "192.0.2.66")
        assert (await phone.register_checked_in_database()).status == 403
    # 201 is now limited from that address, even with a genuine credential...
    assert browser_phone(pbx, "201", genuine, "192.0.2.66").register().status == 403
    # ...and not elsewhere.
    assert browser_phone(pbx, "201", genuine, "10.0.0.10").register().status == 200
