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


def test_a_members_free_tags_are_endorsed_through_the_api(
    api_as, giulia, marco, sara, make_member, accounting
):
    from officina.notifications.models import Notification
    from officina.skills.actions import check_add_free_tag

    as_giulia, as_marco = api_as(giulia), api_as(marco)
    as_giulia.post("/skills/mine/free-tags", {"text": "Ceramica raku", "kind": "offer"})
    as_giulia.post("/skills/mine/free-tags", {"text": "contabilita", "kind": "skill"})
    member = as_marco.get(f"/members/{giulia.pk}").json()
    (tag,) = member["free_tags"]
    (skill,) = member["skills"]
    assert {key: tag[key] for key in ("text", "kind", "endorsements", "endorsed")} == {
        "text": "Ceramica raku",
        "kind": "offer",
        "endorsements": 0,
        "endorsed": False,
    }

    endorsed = as_marco.post(f"/skills/member-free-tags/{tag['id']}/endorsement")
    assert (endorsed.status_code, endorsed.json()) == (201, {"endorsements": 1})
    again = as_marco.post(f"/skills/member-free-tags/{tag['id']}/endorsement")
    assert (again.status_code, again.json()["code"]) == (409, "CONFLICT")
    own = as_giulia.post(f"/skills/member-free-tags/{tag['id']}/endorsement")
    assert (own.status_code, own.json()["code"]) == (400, "INVALID_INPUT")
    by_sara = api_as(sara).post(f"/skills/member-free-tags/{tag['id']}/endorsement")
    assert by_sara.json() == {"endorsements": 2}
    # A catalogue skill the same way, by the id the member's detail gives.
    assert as_marco.post(f"/skills/member-skills/{skill['id']}/endorsement").status_code == 201
    assert Notification.objects.filter(recipient=giulia, kind="skills.endorsement").count() == 3

    seen = as_marco.get(f"/members/{giulia.pk}").json()
    assert (seen["free_tags"][0]["endorsements"], seen["free_tags"][0]["endorsed"]) == (2, True)
    assert (seen["skills"][0]["endorsements"], seen["skills"][0]["endorsed"]) == (1, True)
    assert as_giulia.get(f"/members/{giulia.pk}").json()["free_tags"][0]["endorsed"] is False

    withdrawn = as_marco.delete(f"/skills/member-free-tags/{tag['id']}/endorsement")
    assert withdrawn.status_code == 204
    assert as_marco.delete(f"/skills/member-skills/{skill['id']}/endorsement").status_code == 204
    seen = as_marco.get(f"/members/{giulia.pk}").json()
    assert (seen["free_tags"][0]["endorsements"], seen["free_tags"][0]["endorsed"]) == (1, False)
    assert seen["skills"][0]["endorsements"] == 0

    # A member who left is nobody's to endorse (as a wrong id: 404).
    gone = make_member()
    gone_tag = check_add_free_tag(gone, "Legatoria", "skill", "it").listing
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    hidden = as_marco.post(f"/skills/member-free-tags/{gone_tag.pk}/endorsement")
    assert hidden.status_code == 404
    assert as_marco.post("/skills/member-free-tags/999999/endorsement").status_code == 404
    assert api_as(None).post(f"/skills/member-free-tags/{tag['id']}/endorsement").status_code == 401


def test_the_schema_describes_endorsing(api_as, giulia):
    schema = api_as(giulia).get("/openapi.json").json()
    for path in (
        "/api/skills/member-free-tags/{listing_id}/endorsement",
        "/api/skills/member-skills/{listing_id}/endorsement",
    ):
        assert set(schema["paths"][path]) == {"post", "delete"}
        assert set(schema["paths"][path]["post"]["responses"]) >= {"201", "404", "409"}
    detail = schema["components"]["schemas"]["MemberDetail"]["properties"]
    assert "free_tags" in detail
