"""The API's change of a ring group that another manager removed meanwhile: refused as
a thing not found (404, as any group the caller cannot reach), nothing made again; the
refusals of a group calls are routed to: ``test_routed_to.py``."""

from __future__ import annotations

import pytest

from officina.api import ring_groups
from officina.ringgroups.access import access_ring_group_by_id
from officina.ringgroups.actions import RingGroupInput, check_save_ring_group
from officina.ringgroups.models import RingGroup, RingGroupMember

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("owner", "path", "language", "message"),
    [
        (
            "studio_rossi",
            "/ring-groups/studio-rossi",
            "en",
            "This ring group was removed meanwhile: nothing was saved.",
        ),
        (
            "navigli",
            "/space-ring-groups/navigli",
            "it",
            "Questo gruppo di chiamata è stato rimosso nel frattempo: non è stato salvato nulla.",
        ),
    ],
)
def test_a_group_removed_meanwhile_is_not_made_again(
    api_as, request, giulia, luca, marco, monkeypatch, owner, path, language, message
):
    desk = check_save_ring_group(
        request.getfixturevalue(owner),
        RingGroupInput(name="Desk", number="650", member_ids=[marco.pk]),
    )
    calls: list[int] = []

    def removed_by_another_manager_once_found(*args: object, **kwargs: object) -> RingGroup:
        group = access_ring_group_by_id(*args, **kwargs)  # type: ignore[arg-type]
        if not calls:
            RingGroup.objects.filter(pk=group.pk).delete()
        calls.append(group.pk)
        return group

    monkeypatch.setattr(
        ring_groups, "access_ring_group_by_id", removed_by_another_manager_once_found
    )
    api = api_as(giulia if owner == "studio_rossi" else luca)
    api.headers["Accept-Language"] = language
    changed = api.post(
        f"{path}/{desk.pk}", {"name": "Front desk", "number": "650", "members": [marco.pk]}
    )
    assert changed.status_code == 404
    assert changed.json() == {"code": "NOT_FOUND", "message": message}
    assert calls == [desk.pk]
    assert not RingGroup.objects.exists()
    assert not RingGroupMember.objects.exists()
