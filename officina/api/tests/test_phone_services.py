"""/api/attendant and /api/conferences: owners build menus and rooms, members read
them, strangers get 404, bad input a translated error and no change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from officina.attendant.models import Menu
from officina.conferences.actions import do_join
from officina.conferences.models import Participant, Room
from officina.pbx.actions import do_provision_extension


def test_an_owner_builds_a_menu_and_members_read_it(api_as, giulia, marco, sara):
    extension = do_provision_extension(marco).number
    owner = api_as(giulia)
    response = owner.post(
        "/attendant/studio-rossi",
        {
            "name": "Front desk",
            "number": "500",
            "language": "en",
            "greeting_text": "Welcome to Studio Rossi. Press 1 for Marco.",
            "options": [{"key": "1", "kind": "extension", "number": extension}],
        },
    )
    assert response.status_code == 201, response.content
    menu = response.json()
    assert menu["options"] == [{"key": "1", "kind": "extension", "number": extension}]
    assert Menu.objects.get().greeting.size > 8000  # a spoken second at least

    wrong = owner.post(
        f"/attendant/studio-rossi/{menu['id']}",
        {**menu, "options": [{"key": "2", "kind": "ring_group", "number": "600"}]},
    )
    assert wrong.status_code == 400
    assert wrong.json()["message"] == "Key 2: 600 is not a ring group of the company."
    assert Menu.objects.get().options.get().key == "1", "nothing changed"

    assert api_as(marco).get("/attendant/studio-rossi").json()[0]["number"] == "500"
    assert (
        api_as(marco).post("/attendant/studio-rossi", {"name": "X", "number": "501"}).status_code
        == 404
    )
    assert api_as(sara).get("/attendant/studio-rossi").status_code == 404
    assert owner.delete(f"/attendant/studio-rossi/{menu['id']}").status_code == 204
    assert not Menu.objects.exists()


def test_an_owner_makes_a_room_and_mutes_a_caller(api_as, giulia, marco, sara):
    owner = api_as(giulia)
    bad = owner.post("/conferences/studio-rossi", {"name": "Weekly", "number": "800", "pin": "12"})
    assert bad.status_code == 400 and not Room.objects.exists()
    made = owner.post(
        "/conferences/studio-rossi", {"name": "Weekly", "number": "800", "pin": "2468"}
    )
    assert made.status_code == 201
    room = made.json()
    do_join(room["id"], "call-1@test", "201", "Anna Verdi", datetime.now(UTC))
    (person,) = api_as(marco).get("/conferences/studio-rossi").json()[0]["participants"]
    assert person["name"] == "Anna Verdi" and not person["muted_by_owner"]
    path = f"/conferences/studio-rossi/{room['id']}/participants/{person['id']}/mute"
    assert api_as(marco).post(path, {"muted": True}).status_code == 404
    assert owner.post(path, {"muted": True}).json()["participants"][0]["muted_by_owner"]
    assert Participant.objects.get().muted_by_owner
    assert api_as(sara).get("/conferences/studio-rossi").status_code == 404


def test_the_space_managers_build_its_menus_through_the_api(api_as, navigli, luca, giulia, marco):
    marcos = do_provision_extension(marco).number
    manager = api_as(luca)
    made = manager.post(
        f"/space-attendant/{navigli.slug}",
        {"name": "Reception", "number": "580", "language": "en", "greeting_text": "Welcome.",
         "options": [{"key": "2", "kind": "extension", "number": marcos}]},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    menu = made.json()
    assert Menu.objects.get().space == navigli
    assert manager.get(f"/space-attendant/{navigli.slug}").json()[0]["number"] == "580"
    for other in (giulia, marco):
        assert api_as(other).get(f"/space-attendant/{navigli.slug}").status_code == 404
        path = f"/space-attendant/{navigli.slug}/{menu['id']}"
        assert api_as(other).delete(path).status_code == 404
    assert api_as(giulia).get(f"/attendant/{navigli.slug}").status_code == 404
    assert manager.delete(f"/space-attendant/{navigli.slug}/{menu['id']}").status_code == 204
    assert not Menu.objects.exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Key 1: {} is not the extension of one of the company's people."),
        ("it", "Tasto 1: {} non è l'interno di una persona dell'azienda."),
    ],
)
def test_a_company_menu_key_to_someone_not_of_the_company_is_refused(
    api_as, giulia, sara, language, message
):
    saras = do_provision_extension(sara).number  # of Panificio Bianchi
    owner = api_as(giulia)
    owner.headers["Accept-Language"] = language
    response = owner.post(
        "/attendant/studio-rossi",
        {
            "name": "Front desk",
            "number": "500",
            "greeting_text": "Benvenuti.",
            "options": [{"key": "1", "kind": "voicemail", "number": saras}],
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "INVALID_INPUT",
        "message": message.format(saras),
        "field": "option_1",
    }
    assert not Menu.objects.exists()
