"""Where a member may forward calls: a number of Officina they may reach, or a number
outside their company's trunk may call; anything else refused with its reason, in the
member's language, by the phone page and the feature codes alike."""

import pytest
from django.urls import reverse
from django.utils import translation

from officina.accounts.models import Member
from officina.attendant.models import Menu
from officina.conferences.models import Room
from officina.core.errors import OfficinaError
from officina.pbx.actions import (
    ForwardingInput,
    check_set_forward_target_by_id,
    check_set_forwarding,
    do_provision_extension,
)
from officina.pbx.forward_targets import forward_target
from officina.pbx.models import Forwarding
from officina.ringgroups.models import RingGroup
from officina.trunks.actions import TrunkInput, check_save_trunk

pytestmark = pytest.mark.django_db


@pytest.fixture
def studio(make_company):
    """Giulia (201) and Bob Rossi (202) of Studio, its menu 500, ring group 600 and
    conference room 700; with a trunk in Italy unless a test takes it away."""
    giulia = Member.objects.create_user(
        email="giulia@example.it", password="pw", first_name="Giulia"
    )
    bob = Member.objects.create_user(
        email="bob@example.it", password="pw", first_name="Bob", last_name="Rossi"
    )
    do_provision_extension(giulia)
    do_provision_extension(bob)
    company = make_company("Studio", members=(giulia, bob))
    Menu.objects.create(company=company, name="Front desk", number="500")
    RingGroup.objects.create(company=company, name="Sales", number="600")
    Room.objects.create(company=company, name="Weekly", number="700")
    check_save_trunk(
        company,
        TrunkInput(name="Provider", host="sip.example.it", username="studio", password="secret"),
    )
    return giulia


@pytest.mark.parametrize(
    ("number", "said"),
    [
        ("202", "to 202 — Bob Rossi"),
        ("600", "to ring group 600 — Sales"),
        ("500", "to menu 500 — Front desk"),
        ("700", "to conference room 700 — Weekly"),
        ("3331234567", "to the outside number +39 333 123 4567"),
        ("0287654321", "to the outside number +39 02 8765 4321"),
    ],
)
def test_every_kind_of_target_is_taken_and_said(studio, number, said):
    with translation.override("en"):
        assert str(forward_target(studio, number)) == said


def test_the_target_is_said_in_italian(studio):
    with translation.override("it"):
        assert str(forward_target(studio, "500")) == "al menu 500 — Front desk"
        assert str(forward_target(studio, "+393331234567")) == (
            "al numero esterno +39 333 123 4567"
        )


def test_a_number_that_is_nothing_here_is_refused_and_nothing_saved(studio):
    with translation.override("en"), pytest.raises(OfficinaError, match="is no extension") as e:
        check_set_forwarding(studio.extension, ForwardingInput(busy="209"))
    assert e.value.details["field"] == "busy"
    assert not Forwarding.objects.exists()


def test_a_number_outside_the_company_may_not_call_is_refused(studio):
    with translation.override("en"), pytest.raises(OfficinaError, match="premium rate numbers"):
        check_set_forwarding(studio.extension, ForwardingInput(follow_me="899123456"))
    with translation.override("en"), pytest.raises(OfficinaError, match="international"):
        check_set_forwarding(studio.extension, ForwardingInput(always="+442071234567"))


def test_without_a_trunk_no_number_outside_is_a_target(studio, make_company):
    loner = Member.objects.create_user(email="loner@example.it", password="pw")
    do_provision_extension(loner)
    with translation.override("en"), pytest.raises(OfficinaError, match="is no extension"):
        check_set_forwarding(loner.extension, ForwardingInput(always="3331234567"))
    check_set_forwarding(loner.extension, ForwardingInput(always="202"))  # inside: fine


def test_a_feature_codes_refusal_is_read_in_the_members_language(studio):
    with pytest.raises(OfficinaError) as refused:
        check_set_forward_target_by_id(studio.extension.pk, "always", "209")
    with translation.override("it"):
        assert str(refused.value.message).startswith("209 non è un interno")
    with translation.override("en"):
        assert str(refused.value.message).startswith("209 is no extension")


def test_the_phone_page_refuses_a_target_on_its_field_and_says_where_forwards_go(client, studio):
    client.force_login(studio)
    response = client.post(
        reverse("pbx:forwarding"),
        {"busy": "209", "no_answer_seconds": "20", "follow_me_seconds": "15"},
    )
    assert response.status_code == 400
    assert "is no extension" in " ".join(response.context["forwarding_form"].errors["busy"])
    check_set_forwarding(
        studio.extension, ForwardingInput(busy="202", no_answer="500", follow_me="3331234567")
    )
    page = client.get(reverse("pbx:phone")).content.decode()
    assert "to 202 — Bob Rossi" in page
    assert "to menu 500 — Front desk" in page
    assert "to the outside number +39 333 123 4567" in page
