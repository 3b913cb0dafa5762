"""A space's trunk and number pages (``/spaces/<slug>/...``): its managers set them up and
see them; its members, a company's owners and strangers find nothing; a space's manager
changes nothing of a company's; the pages speak Italian too."""

from __future__ import annotations

import pytest

from officina.pbx.actions import do_provision_extension
from officina.trunks.actions import TrunkInput, check_save_trunk
from officina.trunks.models import PhoneNumber, Trunk

pytestmark = pytest.mark.django_db

TRUNK_FORM = {
    "name": "Navigli line", "mode": "peer", "host": "sip.provider.example", "port": "5060",
    "username": "", "password": "", "register_seconds": "600",
    "peer_addresses": "192.0.2.10", "caller_id_header": "pai", "country": "IT",
    "members_call_out": "on",
}  # fmt: skip


@pytest.fixture
def space_trunk(navigli):
    return check_save_trunk(
        navigli, TrunkInput(name="Navigli line", host="sip.provider.example", mode="peer")
    )


@pytest.fixture
def company_trunk(studio_rossi):
    return check_save_trunk(
        studio_rossi,
        TrunkInput(name="Rossi line", host="sip.rossi.example", username="s", password="pw-1"),
    )


def test_a_space_manager_sets_up_the_space_trunk_and_number(client_for, navigli, luca, marco):
    reception = do_provision_extension(marco)
    browser = client_for(luca)
    page = browser.get("/spaces/navigli/trunks/")
    assert page.status_code == 200
    assert "Officina Navigli" in page.content.decode()
    assert 'href="/spaces/navigli/trunks/new/"' in page.content.decode()
    assert "Calls out" not in page.content.decode()  # no per-person allowances for a space
    form_page = browser.get("/spaces/navigli/trunks/new/")
    assert 'name="members_call_out"' in form_page.content.decode()
    answer = browser.post("/spaces/navigli/trunks/new/", TRUNK_FORM)
    assert answer.status_code == 302 and answer["Location"] == "/spaces/navigli/trunks/"
    trunk = Trunk.objects.get()
    assert (trunk.space, trunk.company, trunk.members_call_out) == (navigli, None, True)
    number_form = {
        "number": "02 5551 2345", "trunk": str(trunk.pk), "route_kind": "extension",
        "route_target": reception.number, "after_hours_kind": "voicemail",
        "after_hours_target": reception.number, "forward_when": "", "forward_seconds": "20",
        "forward_kind": "", "forward_target": "",
    }  # fmt: skip
    answer = browser.post("/spaces/navigli/numbers/new/", number_form)
    assert answer.status_code == 302 and answer["Location"] == "/spaces/navigli/trunks/"
    number = PhoneNumber.objects.get()
    assert (number.e164, number.trunk, number.after_hours_kind) == (
        "+390255512345",
        trunk,
        "voicemail",
    )
    listed = browser.get("/spaces/navigli/trunks/").content.decode()
    assert "+390255512345" in listed
    assert f'href="/spaces/navigli/numbers/{number.pk}/"' in listed
    assert "Members without a company trunk call out through it" in listed


def test_a_space_number_to_someone_not_of_the_space_is_refused_on_its_page(
    client_for, luca, sara, space_trunk
):
    outsider_extension = do_provision_extension(sara)  # San Salvario's, not Navigli's
    page = client_for(luca).post(
        "/spaces/navigli/numbers/new/",
        {
            "number": "02 5551 2345", "trunk": str(space_trunk.pk), "route_kind": "extension",
            "route_target": outsider_extension.number, "forward_seconds": "20",
        },
    )  # fmt: skip
    assert page.status_code == 200
    assert "is not the extension of a member of this space" in page.content.decode()
    assert not PhoneNumber.objects.exists()


def test_only_the_space_managers_see_or_change_its_trunk(
    client_for, space_trunk, giulia, marco, sara, outsider
):
    # Giulia owns Studio Rossi and is a member of Navigli; Marco is a member of both.
    for not_manager in (giulia, marco, sara, outsider):
        browser = client_for(not_manager)
        assert browser.get("/spaces/navigli/trunks/").status_code == 404
        assert browser.get(f"/spaces/navigli/trunks/{space_trunk.pk}/").status_code == 404
        assert browser.post("/spaces/navigli/trunks/new/", TRUNK_FORM).status_code == 404
        assert browser.post(f"/spaces/navigli/trunks/{space_trunk.pk}/delete/").status_code == 404
    assert list(Trunk.objects.all()) == [space_trunk]
    # A company's address cannot reach the space's trunk either.
    owner = client_for(giulia)
    assert owner.get(f"/companies/studio-rossi/trunks/{space_trunk.pk}/").status_code == 404


def test_a_space_manager_changes_nothing_of_a_company(client_for, luca, company_trunk):
    browser = client_for(luca)
    # Luca manages the space Studio Rossi is based at: he reads its trunks, no more.
    assert browser.get("/companies/studio-rossi/trunks/").status_code == 200
    assert browser.get(f"/companies/studio-rossi/trunks/{company_trunk.pk}/").status_code == 404
    assert browser.post("/companies/studio-rossi/trunks/new/", TRUNK_FORM).status_code == 404
    assert (
        browser.post(f"/companies/studio-rossi/trunks/{company_trunk.pk}/delete/").status_code
        == 404
    )
    assert browser.get(f"/spaces/navigli/trunks/{company_trunk.pk}/").status_code == 404
    assert list(Trunk.objects.all()) == [company_trunk]


def test_the_space_pages_speak_italian(client_for, luca, space_trunk):
    browser = client_for(luca)
    browser.cookies["django_language"] = "it"
    page = browser.get("/spaces/navigli/trunks/", headers={"accept-language": "it"})
    text = page.content.decode()
    assert "Numeri e linee di Officina Navigli" in text
    assert "Solo chiamate in entrata" in text
