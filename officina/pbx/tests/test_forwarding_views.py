"""The phone page's call forwarding: saved for one's own extension, every bad field
refused with its reason and nothing saved."""

import pytest
from django.urls import reverse
from django.utils import translation

from officina.accounts.models import Member
from officina.core.errors import OfficinaError
from officina.pbx.actions import (
    ForwardingInput,
    check_set_forward_target_by_id,
    do_provision_extension,
)
from officina.pbx.actions import check_set_forwarding as set_forwarding
from officina.pbx.models import Forwarding
from officina.trunks.actions import TrunkInput, check_save_trunk

pytestmark = pytest.mark.django_db

GOOD = {
    "always": "",
    "busy": "202",
    "no_answer": "+39 333 123 4567",
    "no_answer_seconds": "15",
    "unregistered": "",
    "follow_me": "",
    "follow_me_seconds": "15",
}


@pytest.fixture
def giulia(client, make_company):
    """Giulia (201), her colleague Bob (202) and their company's trunk, in Italy."""
    member = Member.objects.create_user(
        email="giulia@example.it", password="pw", first_name="Giulia"
    )
    do_provision_extension(member)
    bob = Member.objects.create_user(
        email="bob@example.it", password="pw", first_name="Bob", last_name="Rossi"
    )
    do_provision_extension(bob)
    assert (member.extension.number, bob.extension.number) == ("201", "202")
    company = make_company("Studio", members=(member, bob))
    check_save_trunk(
        company,
        TrunkInput(name="Provider", host="sip.example.it", username="studio", password="secret"),
    )
    client.force_login(member)
    return member


def test_the_phone_page_shows_the_form_with_what_is_set(client, giulia):
    set_forwarding(giulia.extension, ForwardingInput(busy="202"))
    response = client.get(reverse("pbx:phone"))
    assert response.context["forwarding_form"].initial["busy"] == "202"
    assert b'id="forwarding"' in response.content
    assert b"*72" in response.content


def test_saving_forwarding_stores_the_numbers_as_dialled(client, giulia):
    response = client.post(reverse("pbx:forwarding"), GOOD)
    assert response.status_code == 302
    assert response["Location"] == reverse("pbx:phone") + "#forwarding"
    forwarding = Forwarding.objects.get(extension=giulia.extension)
    assert (forwarding.busy, forwarding.no_answer) == ("202", "+393331234567")
    assert forwarding.no_answer_seconds == 15


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("busy", "mario", "telephone number"),
        ("always", "12+34", "telephone number"),
        ("no_answer", "1" * 21, "telephone number"),
        ("no_answer_seconds", "2", "greater than or equal to 5"),
        ("no_answer_seconds", "121", "less than or equal to 120"),
        ("no_answer_seconds", "soon", "whole number"),
    ],
)
def test_every_bad_field_is_refused_and_nothing_saved(client, giulia, field, value, words):
    response = client.post(reverse("pbx:forwarding"), {**GOOD, field: value})
    assert response.status_code == 400
    errors = response.context["forwarding_form"].errors
    assert words in " ".join(errors[field])
    assert not Forwarding.objects.exists()


def test_forwarding_to_ones_own_extension_is_refused(client, giulia):
    response = client.post(reverse("pbx:forwarding"), {**GOOD, "always": giulia.extension.number})
    assert response.status_code == 400
    assert "same extension" in " ".join(response.context["forwarding_form"].errors["always"])
    assert not Forwarding.objects.exists()


def test_the_reason_is_in_italian_for_an_italian_member(client, giulia):
    giulia.language = "it"
    giulia.save()
    response = client.post(reverse("pbx:forwarding"), {**GOOD, "busy": "mario"})
    assert "numero di telefono" in " ".join(response.context["forwarding_form"].errors["busy"])


def test_saving_needs_a_post_and_a_signed_in_member(client, giulia):
    assert client.get(reverse("pbx:forwarding")).status_code == 405
    client.logout()
    response = client.post(reverse("pbx:forwarding"), GOOD)
    assert response.status_code == 302 and "next=" in response["Location"]
    assert not Forwarding.objects.exists()


def test_a_feature_code_sets_one_case_and_refuses_an_unknown_one(giulia):
    extension = giulia.extension
    check_set_forward_target_by_id(extension.pk, "busy", "202")
    check_set_forward_target_by_id(extension.pk, "always", "0287654321")
    check_set_forward_target_by_id(extension.pk, "always", "")
    forwarding = Forwarding.objects.get()
    assert (forwarding.always, forwarding.busy) == ("", "202")
    with translation.override("en"), pytest.raises(OfficinaError, match="Unknown"):
        check_set_forward_target_by_id(extension.pk, "sometimes", "202")
    extension.is_active = False
    extension.save()
    with pytest.raises(OfficinaError, match="does not exist"):
        check_set_forward_target_by_id(extension.pk, "busy", "205")


@pytest.mark.parametrize(
    ("language", "said", "reason"),
    [
        (
            "en",
            "to 899123456, not in force: calls do not go there.",
            "Your company does not let you call premium rate numbers",
        ),
        (
            "it",
            "al 899123456, non in vigore: le chiamate non vanno lì.",
            "La tua azienda non ti permette di chiamare numeri di tipo a tariffa maggiorata",
        ),
    ],
)
def test_a_stored_forward_no_longer_allowed_is_shown_not_in_force_and_why(
    client, giulia, language, said, reason
):
    """A forward stored before the guard judged targets (a premium-rate number Giulia's
    company does not let her call) and one to Bob, which is fine: the page shows the
    first as not in force, with the reason in Giulia's language; the second as where
    calls go."""
    set_forwarding(giulia.extension, ForwardingInput(busy="202"))
    Forwarding.objects.filter(extension=giulia.extension).update(always="899123456")
    giulia.language = language
    giulia.save(update_fields=["language"])
    with translation.override(language):
        page = client.get(reverse("pbx:phone"), headers={"accept-language": language})
    text = page.content.decode()
    (not_in_force,) = [line for line in text.splitlines() if "data-not-in-force" in line]
    assert said in not_in_force and reason in not_in_force
    assert "202" not in not_in_force
    assert text.count("data-not-in-force") == 1
