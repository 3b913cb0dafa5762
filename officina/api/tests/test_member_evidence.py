"""/api/members/{id}: a member's evidence, under the profile's rules."""

from __future__ import annotations

import pytest

from officina.knowledge.actions import (
    check_accept_answer,
    check_answer_question,
    check_ask_question,
)

pytestmark = pytest.mark.django_db


def test_a_members_evidence_from_a_spaces_question_stays_in_the_space(
    api_as, giulia, marco, sara, navigli, accounting
):
    question = check_ask_question(
        giulia, title="Which ledger for Navigli?", body="Details.", tags=[accounting], space=navigli
    )
    answer = check_answer_question(marco, question, body="The green one, on the second shelf.")
    check_accept_answer(giulia, answer)
    assert [
        row["url"] for row in api_as(giulia).get(f"/members/{marco.pk}").json()["evidence"]
    ] == [answer.get_absolute_url()]
    assert api_as(sara).get(f"/members/{marco.pk}").json()["evidence"] == []


def stated(api, member) -> list[tuple[str | None, str | None, str, str]]:  # type: ignore[no-untyped-def]
    return [
        (row["skill"] and row["skill"]["slug"], row["free_tag"], row["url"], row["text"])
        for row in api.get(f"/members/{member.pk}").json()["stated_evidence"]
    ]


def test_the_evidence_a_member_states_shows_as_on_the_profile(
    api_as, giulia, marco, sara, outsider, accounting
):
    from django.urls import reverse

    from officina.skills.actions import (
        check_add_free_tag,
        check_add_member_skill,
        check_add_stated_evidence,
        do_remove_free_tag,
    )
    from officina.skills.kinds import SkillKind

    offer = check_add_member_skill(marco, accounting, SkillKind.OFFER)
    check_add_member_skill(marco, accounting, SkillKind.NEED)  # a need proves nothing
    check_add_stated_evidence(offer, "https://example.com/ledger", "")
    check_add_stated_evidence(offer, "", "Books of the bakery since 2019")
    raku = check_add_free_tag(marco, "Ceramica Raku", SkillKind.SKILL, "it").listing
    check_add_stated_evidence(raku, "https://example.com/raku", "My kiln")
    expected = [
        ("accounting", None, "https://example.com/ledger", ""),
        ("accounting", None, "", "Books of the bakery since 2019"),
        (None, "Ceramica Raku", "https://example.com/raku", "My kiln"),
    ]
    for viewer in (marco, giulia, sara):  # whoever sees the profile
        assert stated(api_as(viewer), marco) == expected
    profile = api_as(giulia).client
    profile.force_login(giulia)
    page = profile.get(reverse("social:profile", args=[marco.pk])).content.decode()
    assert "https://example.com/ledger" in page and "My kiln" in page
    # A free tag no longer listed: its evidence is not shown (as on the profile).
    do_remove_free_tag(raku)  # type: ignore[arg-type]
    assert stated(api_as(giulia), marco) == expected[:2]
    assert api_as(None).get(f"/members/{marco.pk}").status_code == 401


def test_stated_evidence_costs_the_same_queries_for_one_skill_or_many(
    api_as, giulia, marco, accounting
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from officina.skills.actions import (
        check_add_free_tag,
        check_add_member_skill,
        check_add_stated_evidence,
    )
    from officina.skills.kinds import SkillKind
    from officina.skills.models import Skill

    api = api_as(giulia)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"/members/{marco.pk}").status_code == 200
        return len(captured.captured_queries)

    listing = check_add_member_skill(marco, accounting, SkillKind.SKILL)
    check_add_stated_evidence(listing, "https://example.com/0", "")
    queries()  # the token's first use of the minute is recorded
    one = queries()
    for number in range(1, 6):
        skill = Skill.objects.create(
            slug=f"skill-{number}", name_en=f"Skill {number}", name_it=f"Abilità {number}",
            category=accounting.category,
        )  # fmt: skip
        listing = check_add_member_skill(marco, skill, SkillKind.OFFER)
        tagged = check_add_free_tag(marco, f"Tag {number}", SkillKind.TALENT, "en").listing
        for each in (listing, tagged):
            check_add_stated_evidence(each, f"https://example.com/{number}", "note")
    assert len(api.get(f"/members/{marco.pk}").json()["stated_evidence"]) == 11
    assert queries() == one
    # Pinned: eight queries, whatever the number of skills, free tags and evidence.
    assert one == 8, one
