"""The pages' access rules: owners change, people and the space's manager read,
strangers find nothing; a refused change keeps what was there."""

from __future__ import annotations

import pytest

from officina.attendant.models import Menu
from officina.pbx.actions import do_provision_extension
from officina.trunks import views
from officina.trunks.access import access_number_by_id
from officina.trunks.actions import NumberInput, TrunkInput, check_save_number, check_save_trunk
from officina.trunks.models import OutboundPermission, PhoneNumber, Trunk

pytestmark = pytest.mark.django_db


@pytest.fixture
def trunk(studio_rossi):
    return check_save_trunk(
        studio_rossi,
        TrunkInput(name="Provider", host="sip.provider.example", username="s", password="pw-1"),
    )


def test_who_reads_and_who_changes(client_for, studio_rossi, trunk, giulia, marco, luca, sara):
    url = f"/companies/{studio_rossi.slug}/trunks/"
    for reader in (giulia, marco, luca):
        page = client_for(reader).get(url)
        assert page.status_code == 200
        assert "Provider" in page.content.decode()
        assert "pw-1" not in page.content.decode()
    assert client_for(sara).get(url).status_code == 404
    for not_owner in (marco, luca, sara):
        browser = client_for(not_owner)
        assert browser.get(f"/companies/{studio_rossi.slug}/trunks/{trunk.pk}/").status_code == 404
        answer = browser.post(
            f"/companies/{studio_rossi.slug}/calls-out/{marco.pk}/",
            {f"p{marco.pk}-premium": "on", f"p{marco.pk}-daily_minutes": "600"},
        )
        assert answer.status_code == 404
        assert (
            browser.post(f"/companies/{studio_rossi.slug}/trunks/{trunk.pk}/delete/").status_code
            == 404
        )
    assert not OutboundPermission.objects.exists()
    assert Trunk.objects.filter(pk=trunk.pk).exists()


def test_a_wrong_change_keeps_the_trunk_and_an_empty_password_keeps_it(
    client_for, studio_rossi, trunk, giulia
):
    browser = client_for(giulia)
    url = f"/companies/{studio_rossi.slug}/trunks/{trunk.pk}/"
    form = {
        "name": "Renamed", "mode": "register", "host": "not a host", "port": "5060",
        "username": "s", "password": "", "register_seconds": "600", "peer_addresses": "",
        "caller_id_header": "pai", "country": "IT",
    }  # fmt: skip
    page = browser.post(url, form)
    assert page.status_code == 200
    assert "Give the provider&#x27;s server" in page.content.decode()
    trunk.refresh_from_db()
    assert (trunk.name, trunk.host) == ("Provider", "sip.provider.example")
    browser.post(url, {**form, "host": "sip.other.example"})
    trunk.refresh_from_db()
    assert (trunk.name, trunk.host, trunk.password) == ("Renamed", "sip.other.example", "pw-1")


def test_a_refused_call_shows_its_reason_in_the_call_history(client_for, giulia):
    from django.utils import timezone

    from officina.pbx.actions import do_provision_extension
    from officina.pbx.models import CallRecord

    giulia.language = "it"
    giulia.save(update_fields=["language"])
    extension = do_provision_extension(giulia)
    now = timezone.now()
    CallRecord.objects.create(
        call_id="c1", caller=extension, caller_number=extension.number,
        callee_number="+39899123456", started_at=now, ended_at=now,
        outcome=CallRecord.Outcome.REFUSED, final_status=403,
        direction=CallRecord.Direction.OUTBOUND, reason=CallRecord.RefusalReason.PREMIUM,
    )  # fmt: skip
    page = client_for(giulia).get("/phone/").content.decode()
    assert "rifiutata: non ti sono permessi i numeri a tariffa maggiorata" in page


def test_the_permission_form_reads_mobiles_beside_nationals_in_italian(
    client_for, studio_rossi, trunk, giulia
):
    """The call classes have a context of their own: the contacts' "mobile" (a kind of
    number, "cellulare") does not win over the trunks' ("cellulari", calls to mobiles)."""
    giulia.language = "it"
    giulia.save()
    page = client_for(giulia).get(f"/companies/{studio_rossi.slug}/trunks/").content.decode()
    assert "cellulari" in page and "nazionali" in page
    assert "cellulare<" not in page and "cellulare " not in page


@pytest.mark.parametrize(
    ("language", "kind", "refusal"),
    [
        ("en", "an auto-attendant menu", "510 is not an auto-attendant menu of your company."),
        ("it", "un menu del centralino automatico",
         "510 non è un menu del centralino automatico della tua azienda."),
    ],
)  # fmt: skip
def test_an_owner_routes_the_number_to_the_company_menu_and_not_to_another(
    client_for, studio_rossi, panificio, trunk, giulia, language, kind, refusal
):
    Menu.objects.create(company=studio_rossi, name="Reception", number="500", greeting="g.wav")
    Menu.objects.create(company=panificio, name="Bakery", number="510", greeting="g.wav")
    giulia.language = language
    giulia.save()
    browser = client_for(giulia)
    url = f"/companies/{studio_rossi.slug}/numbers/new/"
    assert f'<option value="menu">{kind}</option>' in browser.get(url).content.decode()
    form = {"number": "02 8765 4321", "trunk": trunk.pk, "route_kind": "menu"}
    refused = browser.post(url, {**form, "route_target": "510"})
    assert refusal in refused.content.decode()
    assert not PhoneNumber.objects.exists()
    taken = browser.post(url, {**form, "route_target": "500", "forward_seconds": "20"})
    assert taken.status_code == 302
    number = PhoneNumber.objects.get()
    assert (number.route_kind, number.route_target) == ("menu", "500")
    listing = browser.get(f"/companies/{studio_rossi.slug}/trunks/").content.decode()
    assert f"{kind} 500" in listing


def test_a_number_removed_while_its_page_was_open_is_not_made_again(
    client_for, studio_rossi, trunk, giulia, marco, monkeypatch
):
    person = do_provision_extension(marco).number
    number = check_save_number(
        studio_rossi, NumberInput("02 8765 4321", trunk.pk, "extension", person)
    )

    def removed_by_another_owner_once_found(*args: object, **kwargs: object) -> PhoneNumber:
        found = access_number_by_id(*args, **kwargs)  # type: ignore[arg-type]
        PhoneNumber.objects.filter(pk=found.pk).delete()
        return found

    monkeypatch.setattr(views, "access_number_by_id", removed_by_another_owner_once_found)
    giulia.language = "it"
    giulia.save()
    form = {
        "number": "02 8765 4321", "trunk": trunk.pk, "route_kind": "extension",
        "route_target": person, "forward_seconds": "20", "presented": "on",
    }  # fmt: skip
    answer = client_for(giulia).post(f"/companies/{studio_rossi.slug}/numbers/{number.pk}/", form)
    assert answer.status_code == 200
    assert (
        "Questo numero è stato rimosso nel frattempo: non è stato salvato nulla."
        in answer.content.decode()
    )
    assert not PhoneNumber.objects.exists()
