"""The browser phone's pages: its window, its credential, the caller's name."""

import json
import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from officina.accounts.models import Member
from officina.pbx.actions import do_provision_extension
from officina.pbx.browser_credentials import LIFETIME_SECONDS, claimed_credential

pytestmark = pytest.mark.django_db


@pytest.fixture
def giulia():
    return Member.objects.create_user(
        email="giulia@example.it", password="pw", first_name="Giulia", last_name="Rossi"
    )


def signed_in(member: Member, *, csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf_checks)
    client.force_login(member)
    return client


def test_the_phone_window_carries_its_settings_and_no_secret(giulia):
    response = signed_in(giulia).get(reverse("pbx:softphone"), {"dial": "202"})
    assert response.status_code == 200
    extension = do_provision_extension(giulia)  # the page made it
    html = response.content.decode()
    (data,) = re.findall(
        r'<script id="softphone-settings" type="application/json">(.*?)</script>', html
    )
    settings = json.loads(data)
    # The credential is fetched by the script, never written into the page.
    assert set(settings) == {
        "websocketUrl", "domain", "number", "displayName", "refreshAfterSeconds", "dial"
    }  # fmt: skip
    assert settings["number"] == extension.number
    assert settings["websocketUrl"] == "ws://testserver/sip/ws"
    assert settings["dial"] == "202"
    # No inline script: the Content-Security-Policy allows none (JSON data is no script).
    assert re.findall(r"<script(?![^>]*(?:src=|application/json))", html) == []


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Their phones cannot take a call from the browser right now"),
     ("it", "I suoi telefoni non possono ricevere ora una chiamata dal browser")],
)  # fmt: skip
def test_the_phone_says_when_the_callees_phones_cannot_take_a_browsers_call(giulia, language, text):
    """The text the phone shows for a 480 whose Warning says no phone of the callee can
    take the browser's media (no rtpengine to bridge them), in the member's language."""
    client = signed_in(giulia)
    response = client.get(reverse("pbx:softphone"), headers={"accept-language": language})
    assert f"<dt>noMediaBridge</dt><dd>{text}</dd>" in response.content.decode()


@pytest.mark.parametrize("dial", ["20a", "sip:evil@example.com", "1" * 17, "<b>"])
def test_the_phone_window_ignores_anything_but_a_number_to_dial(giulia, dial):
    response = signed_in(giulia).get(reverse("pbx:softphone"), {"dial": dial})
    assert response.context["softphone"]["dial"] == ""


def test_a_member_gets_a_credential_for_their_own_extension(giulia):
    extension = do_provision_extension(giulia)
    client = signed_in(giulia, csrf_checks=True)
    page = client.get(reverse("pbx:softphone"))
    token = page.context["csrf_token"]
    response = client.post(reverse("pbx:softphone-credential"), HTTP_X_CSRFTOKEN=str(token))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    claim = claimed_credential(body["username"])
    assert claim is not None and claim.number == extension.number
    assert body["expires_at"] == claim.expires_at
    assert 0 < body["expires_at"] - time.time() <= LIFETIME_SECONDS
    assert len(body["password"]) == 43  # 32 bytes of HMAC, base64url


def test_a_credential_needs_a_signed_in_member_a_post_and_the_csrf_token(giulia):
    do_provision_extension(giulia)
    url = reverse("pbx:softphone-credential")
    assert Client().post(url).status_code == 302  # to the sign-in page
    assert signed_in(giulia).get(url).status_code == 405
    assert signed_in(giulia, csrf_checks=True).post(url).status_code == 403


def test_the_caller_name_is_officinas_not_the_callers(giulia):
    marco = Member.objects.create_user(email="marco@example.it", password="pw", first_name="Marco")
    number = do_provision_extension(giulia).number
    client = signed_in(marco)
    response = client.get(reverse("pbx:softphone-caller", args=[number]))
    assert response.json() == {"number": number, "name": "Giulia Rossi"}
    unknown = client.get(reverse("pbx:softphone-caller", args=["999"]))
    assert unknown.json() == {"number": "999", "name": ""}
    assert Client().get(reverse("pbx:softphone-caller", args=[number])).status_code == 302


def test_a_profile_offers_a_call_from_the_browser_to_others_only(giulia):
    marco = Member.objects.create_user(email="marco@example.it", password="pw", first_name="Marco")
    do_provision_extension(giulia)
    do_provision_extension(marco)
    others = signed_in(marco).get(reverse("social:profile", args=[giulia.pk])).content.decode()
    assert 'id="softphone-call-member"' in others
    assert 'data-softphone-dial="201"' in others
    own = signed_in(giulia).get(reverse("social:profile", args=[giulia.pk])).content.decode()
    assert 'id="softphone-call-member"' not in own
    assert "data-softphone" in own  # her own panel opens the phone
