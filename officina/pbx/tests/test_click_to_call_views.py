"""Click-to-call's pages and checks, before the SIP process is asked anything: where the
"Call" button is (a colleague's profile, a contact's numbers, a company page; never for
a member without an extension), what is refused at once and how it is said, in English
and Italian, and how often a member may ask. With the PBX running: test_click_to_call.py.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from officina.contacts.actions import ContactInput, check_save_contact
from officina.pbx.actions import do_provision_extension
from officina.pbx.click_to_call import clean_target
from officina.pbx.tests.test_click_to_call import PROVIDER
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group
from officina.trunks.actions import TrunkInput, check_save_trunk

pytestmark = pytest.mark.django_db

CALL_FORM = 'action="/phone/calls/"'


@pytest.fixture(autouse=True)
def fresh_throttle():
    """The throttle counts in the cache, which outlives a test's database."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def extensions(giulia, marco):
    return {member.first_name: do_provision_extension(member).number for member in (giulia, marco)}


def test_the_call_button_is_on_a_profile_a_contact_and_a_company_page(
    client_for, giulia, marco, studio_rossi, extensions
):
    check_save_contact(
        studio_rossi,
        ContactInput(name="Sara Bianchi", relation="supplier", numbers=[("work", "02 1234567")]),
    )
    check_save_ring_group(
        studio_rossi, RingGroupInput(name="Reception", number="600", member_ids=[marco.pk])
    )
    client = client_for(giulia)
    profile = client.get(f"/members/{marco.pk}/").content.decode()
    assert CALL_FORM in profile and f'name="target" value="{extensions["Marco"]}"' in profile
    contacts = client.get(f"/companies/{studio_rossi.slug}/contacts/").content.decode()
    assert CALL_FORM in contacts and 'name="target" value="+39021234567"' in contacts
    company = client.get(f"/companies/{studio_rossi.slug}/").content.decode()
    assert CALL_FORM in company and 'name="target" value="600"' in company
    own = client.get(f"/members/{giulia.pk}/").content.decode()
    assert CALL_FORM not in own, "nobody calls their own extension"


def test_no_call_button_for_a_member_without_an_extension(client_for, outsider, marco, extensions):
    page = client_for(outsider).get(f"/members/{marco.pk}/").content.decode()
    assert CALL_FORM not in page


def test_a_premium_rate_number_is_refused_in_the_members_language(
    client_for, giulia, studio_rossi, extensions
):
    check_save_trunk(
        studio_rossi,
        TrunkInput(
            name="Provider", host=PROVIDER, port=5060, mode="peer",
            username="studio", password="trunk-pw-1", peer_addresses=PROVIDER,
        ),
    )  # fmt: skip
    giulia.language = "it"
    giulia.save(update_fields=["language"])
    client = client_for(giulia)
    answer = client.post(
        "/phone/calls/", {"target": "899 123456"}, headers={"accept": "application/json"}
    )
    assert answer.status_code == 403
    assert answer.json()["message"] == (
        "Non puoi chiamare +39899123456: non ti sono permessi i numeri a tariffa maggiorata."
    )
    # Without the page's script: back where the member was, with the same message.
    page = client.post("/phone/calls/", {"target": "899123456", "next": "/companies/"}, follow=True)
    assert page.redirect_chain[-1][0] == "/companies/"
    assert "Non puoi chiamare +39899123456" in page.content.decode()


@pytest.mark.parametrize("target", ["", "abc", "*72202", "+39+02", "1" * 30])
def test_what_is_not_a_number_is_refused(target):
    with pytest.raises(Exception, match="Give an extension or a telephone number"):
        clean_target(target)


def test_bad_input_and_own_extension_get_a_clear_error(client_for, giulia, extensions):
    client = client_for(giulia)
    for target, message in (
        ("*97", "Give an extension or a telephone number"),
        (extensions["Giulia"], "That is your own extension."),
    ):
        answer = client.post(
            "/phone/calls/", {"target": target}, headers={"accept": "application/json"}
        )
        assert answer.status_code == 400
        assert answer.json()["code"] == "INVALID_INPUT"
        assert answer.json()["message"].startswith(message)


def test_a_member_without_an_extension_cannot_ask(client_for, outsider):
    client = client_for(outsider)
    answer = client.post("/phone/calls/", {"target": "202"}, headers={"accept": "application/json"})
    assert answer.status_code == 404
    answer = client.post("/api/phone/calls", {"target": "202"}, content_type="application/json")
    assert answer.status_code == 404
    assert answer.json()["code"] == "NOT_FOUND"


def test_a_member_asking_too_often_is_throttled(client_for, giulia, extensions):
    client = client_for(giulia)
    statuses = [
        client.post(
            "/phone/calls/", {"target": "no"}, headers={"accept": "application/json"}
        ).status_code
        for _ in range(7)
    ]
    assert statuses == [400] * 6 + [429]


def test_signed_out_nobody_calls(client, extensions):
    assert client.post("/phone/calls/", {"target": "202"}).status_code == 302
    answer = client.get("/phone/calls/" + "0" * 32 + "/?known=ringing")
    assert answer.status_code == 302
    assert client.post("/phone/calls/" + "0" * 32 + "/end/").status_code == 302


def test_a_call_that_is_not_one_is_not_found(client_for, giulia, extensions):
    answer = client_for(giulia).get("/phone/calls/not-a-ticket/?known=ringing")
    assert answer.status_code == 404
    assert answer.json()["message"] == "No such call."


def test_ending_a_call_that_is_not_one_is_not_found(client_for, giulia, extensions):
    client = client_for(giulia)
    answer = client.post("/phone/calls/not-a-ticket/end/", HTTP_ACCEPT="application/json")
    assert answer.status_code == 404
    assert answer.json() == {"code": "NOT_FOUND", "message": "No such call."}
    assert client.get("/phone/calls/" + "0" * 32 + "/end/").status_code == 405


@pytest.mark.parametrize(
    ("language", "cancel", "hang_up"),
    [("en", "Cancel", "Hang up"), ("it", "Annulla", "Riaggancia")],
)
def test_the_cancel_and_hang_up_buttons_wait_hidden_beside_the_call_button(
    client_for, giulia, marco, extensions, language, cancel, hang_up
):
    giulia.language = language
    giulia.save(update_fields=["language"])
    profile = client_for(giulia).get(f"/members/{marco.pk}/").content.decode()
    assert f'<button type="button" class="secondary" data-call-cancel hidden>{cancel}</button>' in (
        profile
    ), "shown by the page's script only while a phone rings"
    assert (
        f'<button type="button" class="secondary" data-call-hang-up hidden>{hang_up}</button>'
        in profile
    ), "shown by the page's script only once the call is answered"
