"""PATCH /api/me/forwarding at the very moment a ring group it names is removed or
renumbered. The change locks the route targets it sends calls to, then the stored row
(``check_change_forwarding``); the removal and the renumbering lock the group first
(``hold_route_targets``): one waits for the other, neither waits for both, and each sees
what the other committed. Never a forward left to a group that is gone, never a
deadlock. PostgreSQL only: the wait is seen in ``pg_stat_activity``, and SQLite's write
transactions are serialised already."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client

from officina.api.actions import check_create_api_token
from officina.core.errors import ErrorCode, OfficinaError
from officina.core.tests.row_locks import first_holds_then_second
from officina.pbx.actions import ForwardingInput, check_set_forwarding, do_provision_extension
from officina.pbx.models import Forwarding
from officina.ringgroups.actions import (
    RingGroupInput,
    check_delete_ring_group,
    check_save_ring_group,
)
from officina.ringgroups.models import RingGroup

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("waits for the row lock, seen in PostgreSQL's pg_stat_activity")


def patched(token: str, changes: dict[str, str]) -> object:
    """PATCH /api/me/forwarding with ``changes``, as the member of ``token``."""
    return Client().patch(
        "/api/me/forwarding",
        json.dumps(changes),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.fixture
def desk(studio_rossi, giulia, marco):
    """Marco's extension, with his busy forward to Giulia stored (the row the change
    locks); Studio Rossi's ring group 650 of Giulia; and Marco's token."""
    do_provision_extension(giulia)
    check_set_forwarding(do_provision_extension(marco), ForwardingInput(busy="201"))
    group = check_save_ring_group(
        studio_rossi, RingGroupInput(name="Desk", number="650", member_ids=[giulia.pk])
    )
    _token, plain = check_create_api_token(marco, "desk")
    return group, plain


def test_a_groups_removal_waits_for_a_forward_being_changed_to_it_and_is_refused(
    desk, studio_rossi, marco
):
    group, token = desk
    outcome = first_holds_then_second(
        lambda: patched(token, {"no_answer": "650"}),
        lambda: check_delete_ring_group(RingGroup.objects.get(pk=group.pk), seen_by=studio_rossi),
    )
    assert outcome["waited"] is True
    assert outcome["first"].status_code == 200  # type: ignore[attr-defined]
    refused = outcome["second"]
    assert isinstance(refused, OfficinaError) and refused.code == ErrorCode.CONFLICT
    assert RingGroup.objects.filter(pk=group.pk).exists()
    stored = Forwarding.objects.get(extension__member=marco)
    assert (stored.busy, stored.no_answer) == ("201", "650")


def test_a_forward_being_changed_waits_for_the_groups_renumbering_and_is_refused(
    desk, studio_rossi, giulia, marco
):
    group, token = desk
    outcome = first_holds_then_second(
        lambda: check_save_ring_group(
            studio_rossi,
            RingGroupInput(name="Desk", number="659", member_ids=[giulia.pk]),
            RingGroup.objects.get(pk=group.pk),
        ),
        lambda: patched(token, {"no_answer": "650", "always": ""}),
    )
    assert outcome["waited"] is True
    refused = outcome["second"]
    assert refused.status_code == 400  # type: ignore[attr-defined]
    assert refused.json()["field"] == "no_answer"  # type: ignore[attr-defined]
    assert RingGroup.objects.get(pk=group.pk).number == "659"
    stored = Forwarding.objects.get(extension__member=marco)
    assert (stored.busy, stored.no_answer) == ("201", "")


def test_a_change_waits_for_another_change_of_the_same_forwarding_and_keeps_it(desk, marco):
    """Two changes of Marco's forwarding at once (two devices): the second waits for the
    first's row and changes what it committed, so neither is lost."""
    _group, token = desk
    outcome = first_holds_then_second(
        lambda: patched(token, {"no_answer": "650"}),
        lambda: patched(token, {"always": "650"}),
    )
    assert outcome["waited"] is True
    assert outcome["second"].status_code == 200  # type: ignore[attr-defined]
    stored = Forwarding.objects.get(extension__member=marco)
    assert (stored.always, stored.busy, stored.no_answer) == ("650", "201", "650")
