"""/api/skills: free tags listed by members, merged and renamed by space managers."""

from __future__ import annotations

import pytest

from officina.skills.models import FreeTag, MemberSkill

pytestmark = pytest.mark.django_db


def test_list_merge_and_rename_through_the_api(api_as, luca, giulia, marco, accounting):
    as_giulia = api_as(giulia)
    listed = as_giulia.post(
        "/skills/mine/free-tags",
        {"text": "Partita doppia", "kind": "skill", "level": 2, "language": "it"},
    )
    assert listed.status_code == 201, listed.content
    tag = listed.json()["free_tag"]
    assert (listed.json()["skill"], tag["text"], tag["language"], tag["members"]) == (
        None,
        "Partita doppia",
        "it",
        1,
    )
    named = as_giulia.post("/skills/mine/free-tags", {"text": "contabilita", "kind": "need"})
    assert named.status_code == 201 and named.json()["skill"]["slug"] == "accounting"

    assert api_as(marco).get("/skills/free-tags").status_code == 404
    assert (
        api_as(marco)
        .post(f"/skills/free-tags/{tag['id']}/merge", {"skill": "accounting"})
        .status_code
        == 404
    )
    as_luca = api_as(luca)
    assert as_luca.get("/skills/free-tags").json() == [tag]
    renamed = as_luca.post(f"/skills/free-tags/{tag['id']}/rename", {"text": "Partita  doppia IVA"})
    assert renamed.status_code == 200 and renamed.json()["text"] == "Partita doppia IVA"
    assert (
        as_luca.post(f"/skills/free-tags/{tag['id']}/rename", {"text": "Contabilità"}).status_code
        == 409
    )
    assert (
        as_luca.post(f"/skills/free-tags/{tag['id']}/merge", {"skill": "nope"}).status_code == 400
    )
    assert as_luca.post(f"/skills/free-tags/{tag['id']}/merge", {}).status_code == 422
    assert FreeTag.objects.exists()

    merged = as_luca.post(f"/skills/free-tags/{tag['id']}/merge", {"skill": "accounting"})
    assert merged.status_code == 200
    assert merged.json() == {
        "skill": {
            "slug": "accounting",
            "name_en": "Accounting",
            "name_it": "Contabilità",
            "category": "business",
        },
        "moved": 1,
        "folded": 0,
        "synonym": "partita doppia iva",
    }
    assert set(MemberSkill.objects.filter(member=giulia).values_list("kind", flat=True)) == {
        "skill",
        "need",
    }
    assert (
        as_luca.post(f"/skills/free-tags/{tag['id']}/merge", {"skill": "accounting"}).status_code
        == 404
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": "x", "kind": "skill"},
        {"text": "Raku", "kind": "hobby"},
        {"text": "Raku", "kind": "skill", "level": 9},
        [],
    ],
)
def test_bad_bodies_change_nothing(api_as, giulia, body):
    response = api_as(giulia).post("/skills/mine/free-tags", body)
    assert response.status_code == 422
    assert not FreeTag.objects.exists()


def test_remove_my_free_tag_only(api_as, giulia, marco):
    listed = (
        api_as(giulia).post("/skills/mine/free-tags", {"text": "Kintsugi", "kind": "skill"}).json()
    )
    assert api_as(marco).delete(f"/skills/mine/free-tags/{listed['listing_id']}").status_code == 404
    assert (
        api_as(giulia).delete(f"/skills/mine/free-tags/{listed['listing_id']}").status_code == 204
    )
    assert not FreeTag.objects.exists()
