"""The API refuses to remove (409) or renumber (400 on ``number``) a menu or a ring group
that calls are routed to, with the pages' message in the caller's language; nothing
changes (the refusals themselves: ``trunks/tests/test_routed_to.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from officina.attendant.actions import MenuInput, check_save_menu
from officina.attendant.models import Menu
from officina.pbx.actions import ForwardingInput, check_set_forwarding, do_provision_extension
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group
from officina.ringgroups.models import RingGroup

if TYPE_CHECKING:
    from officina.api.tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def speaking(api: ApiClient, language: str) -> ApiClient:
    api.headers["Accept-Language"] = language
    return api


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "In use: calls come here from key 4 of menu 500. Send them elsewhere first."),
        (
            "it",
            "In uso: qui arrivano le chiamate da: il tasto 4 del menu 500. Prima mandale altrove.",
        ),
    ],
)
def test_a_menu_a_key_goes_to_is_neither_removed_nor_renumbered(
    api_as, studio_rossi, giulia, language, message
):
    evening = check_save_menu(
        studio_rossi, MenuInput(name="Evening", number="501", greeting_text="Closed.")
    )
    check_save_menu(
        studio_rossi,
        MenuInput(name="Day", number="500", greeting_text="Hi.", options={"4": ("menu", "501")}),
    )
    api = speaking(api_as(giulia), language)
    removed = api.delete(f"/attendant/studio-rossi/{evening.pk}")
    assert removed.status_code == 409
    assert removed.json() == {"code": "CONFLICT", "message": message}
    renumbered = api.post(
        f"/attendant/studio-rossi/{evening.pk}", {"name": "Evening", "number": "509"}
    )
    assert renumbered.status_code == 400
    assert renumbered.json() == {"code": "INVALID_INPUT", "message": message, "field": "number"}
    assert Menu.objects.get(pk=evening.pk).number == "501"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "In use: calls come here from key 2 of menu 520. Send them elsewhere first."),
        (
            "it",
            "In uso: qui arrivano le chiamate da: il tasto 2 del menu 520. Prima mandale altrove.",
        ),
    ],
)
def test_a_space_ring_group_a_key_goes_to_is_neither_removed_nor_renumbered(
    api_as, navigli, luca, marco, language, message
):
    do_provision_extension(marco)
    desk = check_save_ring_group(
        navigli, RingGroupInput(name="Desk", number="650", member_ids=[marco.pk])
    )
    check_save_menu(
        navigli,
        MenuInput(
            name="Reception", number="520", greeting_text="Hi.",
            options={"2": ("ring_group", "650")},
        ),
    )  # fmt: skip
    api = speaking(api_as(luca), language)
    assert_group_stays(api, f"/space-ring-groups/navigli/{desk.pk}", desk, marco.pk, message)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "en",
            "In use: calls come here from the call forwarding of Marco Colombo (%s). Send "
            "them elsewhere first.",
        ),
        (
            "it",
            "In uso: qui arrivano le chiamate da: l'inoltro di chiamata di Marco Colombo "
            "(%s). Prima mandale altrove.",
        ),
    ],
)
def test_a_ring_group_a_members_forwarding_goes_to_is_neither_removed_nor_renumbered(
    api_as, studio_rossi, giulia, marco, language, message
):
    desk = check_save_ring_group(
        studio_rossi, RingGroupInput(name="Desk", number="650", member_ids=[giulia.pk])
    )
    extension = do_provision_extension(marco)
    check_set_forwarding(extension, ForwardingInput(always="650"))
    message %= extension.number
    api = speaking(api_as(giulia), language)
    assert_group_stays(api, f"/ring-groups/studio-rossi/{desk.pk}", desk, giulia.pk, message)


def assert_group_stays(
    api: ApiClient, path: str, desk: RingGroup, member_id: int, message: str
) -> None:
    """Removing the ring group ``desk`` (650, ``member_id`` in it) at ``path`` is refused
    (409), and so is renumbering it (400 on ``number``), both saying ``message``."""
    removed = api.delete(path)
    assert removed.status_code == 409
    assert removed.json() == {"code": "CONFLICT", "message": message}
    renumbered = api.post(path, {"name": "Desk", "number": "659", "members": [member_id]})
    assert renumbered.status_code == 400
    assert renumbered.json() == {"code": "INVALID_INPUT", "message": message, "field": "number"}
    assert RingGroup.objects.get(pk=desk.pk).number == "650"
