"""Merging several free tags at once in the admin, staff only: into one of them or into a
skill of the taxonomy. Members keep the best level, their notes and their evidence, list
each target once per kind, and the merged tags are gone."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission

from officina.core.errors import OfficinaError
from officina.skills.actions import (
    check_add_free_tag,
    check_add_member_skill,
    check_add_stated_evidence,
    check_endorse,
    check_merge_free_tags,
)
from officina.skills.kinds import SkillKind, SkillLevel
from officina.skills.models import FreeTag, MemberFreeTag, MemberSkill, StatedEvidence
from officina.skills.selectors import skill_named

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/skills/freetag/"


def tag(member: Any, text: str, kind: str = SkillKind.SKILL, level: int | None = None) -> Any:
    listed = check_add_free_tag(member, text, kind, "en", level=level)
    assert listed.tag is not None
    return listed


def merge_in_admin(client: Any, tags: list[FreeTag], **target: Any) -> Any:
    """The changelist's action, then its page's form, as a browser sends them."""
    selected = [str(each.pk) for each in tags]
    asked = client.post(CHANGELIST, {"action": "merge_free_tags", "_selected_action": selected})
    assert asked.status_code == 200
    data = {"action": "merge_free_tags", "_selected_action": selected, "apply": "1"}
    data.update({name: str(value.pk) for name, value in target.items()})
    return client.post(CHANGELIST, data, follow=True)


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_two_tags_become_one_and_a_message_counts_the_members(
    client_for, admin, giulia, marco, sara
):
    react = tag(giulia, "React", level=SkillLevel.ADVANCED)
    reactjs = tag(marco, "ReactJS", SkillKind.OFFER, level=SkillLevel.BEGINNER)
    dotted = tag(sara, "react.js")
    check_add_stated_evidence(reactjs.listing, "https://github.com/marco/shop", "")
    response = merge_in_admin(
        client_for(admin), [react.tag, reactjs.tag, dotted.tag], into_tag=react.tag
    )
    assert messages_of(response) == ["2 members moved to “React”."]
    assert set(FreeTag.objects.values_list("text", flat=True)) == {"React"}
    rows = {
        (row.member_id, row.kind, row.level) for row in MemberFreeTag.objects.filter(tag=react.tag)
    }
    assert rows == {
        (giulia.pk, SkillKind.SKILL, SkillLevel.ADVANCED),
        (marco.pk, SkillKind.OFFER, SkillLevel.BEGINNER),
        (sara.pk, SkillKind.SKILL, None),
    }
    # Marco's evidence followed his listing.
    evidence = StatedEvidence.objects.get()
    assert (evidence.member_id, evidence.tag_id, evidence.skill_id) == (
        marco.pk,
        react.tag.pk,
        None,
    )


def test_a_member_with_both_tags_keeps_one_row_the_best_level_and_all_evidence(giulia):
    first = tag(giulia, "Kubernetes", level=SkillLevel.BEGINNER)
    second = tag(giulia, "k8s", level=SkillLevel.EXPERT)
    interest = tag(giulia, "K8S cluster", SkillKind.INTEREST)
    first.listing.note = ""
    first.listing.save()
    second.listing.note = "CKA certified"
    second.listing.save()
    check_add_stated_evidence(first.listing, "https://example.com/talk", "My KubeCon talk")
    check_add_stated_evidence(second.listing, "https://example.com/talk", "My KubeCon talk")
    check_add_stated_evidence(second.listing, "", "Runs the bakery's cluster")
    merged = check_merge_free_tags([first.tag, second.tag, interest.tag], into_tag=first.tag)
    assert merged.members == 1
    rows = list(MemberFreeTag.objects.filter(member=giulia).order_by("kind"))
    assert [(row.tag_id, row.kind, row.level, row.note) for row in rows] == [
        (first.tag.pk, SkillKind.INTEREST, None, ""),
        (first.tag.pk, SkillKind.SKILL, SkillLevel.EXPERT, "CKA certified"),
    ]
    # The same link twice is kept once; nothing else is lost.
    assert sorted(StatedEvidence.objects.values_list("text", flat=True)) == [
        "My KubeCon talk",
        "Runs the bakery's cluster",
    ]
    assert list(FreeTag.objects.all()) == [first.tag]


@pytest.mark.parametrize(
    ("held", "tagged", "kept"),
    [
        (SkillLevel.BEGINNER, SkillLevel.EXPERT, SkillLevel.EXPERT),  # the tag's is better
        (SkillLevel.EXPERT, SkillLevel.BEGINNER, SkillLevel.EXPERT),  # the skill's is better
        (None, SkillLevel.INTERMEDIATE, SkillLevel.INTERMEDIATE),
    ],
)
def test_tags_into_a_skill_the_member_already_has(
    client_for, admin, giulia, marco, sara, accounting, held, tagged, kept
):
    row = check_add_member_skill(giulia, accounting, SkillKind.SKILL, level=held, note="Studio")
    check_endorse(marco, row)
    check_add_stated_evidence(row, "https://example.com/bilancio", "")
    books = tag(giulia, "Bookkeeping basics", level=tagged)
    ledger = tag(giulia, "Ledgers")
    other = tag(sara, "Ledgers", SkillKind.OFFER)
    check_add_stated_evidence(books.listing, "", "Kept the co-op's books for 3 years")
    check_add_stated_evidence(ledger.listing, "https://example.com/bilancio", "")
    response = merge_in_admin(client_for(admin), [books.tag, ledger.tag], into_skill=accounting)
    assert messages_of(response) == ["2 members moved to “Accounting”."]
    assert not FreeTag.objects.exists()
    assert not MemberFreeTag.objects.exists()
    mine = MemberSkill.objects.get(member=giulia, skill=accounting)
    assert (mine.pk, mine.level, mine.note) == (row.pk, kept, "Studio")
    assert mine.endorsements.count() == 1  # the same row: its endorsements stay
    assert MemberSkill.objects.get(member=sara, skill=accounting).kind == SkillKind.OFFER
    assert sorted(
        StatedEvidence.objects.filter(member=giulia).values_list("skill_id", "url", "text")
    ) == [
        (accounting.pk, "", "Kept the co-op's books for 3 years"),
        (accounting.pk, "https://example.com/bilancio", ""),
    ]
    assert other.tag.pk == ledger.tag.pk
    # The texts teach the skill: the next member who types them lists the skill.
    assert skill_named("ledgers") == accounting
    assert skill_named("bookkeeping basics") == accounting


def test_the_merge_page_asks_for_one_target_and_changes_nothing_otherwise(
    client_for, admin, giulia, marco, accounting
):
    first, second = tag(giulia, "Figma"), tag(marco, "figma design")
    client = client_for(admin)
    for language, error in (
        ("en", "Choose one target: a free tag or a skill of the list."),
        ("it", "Scegli una sola destinazione: un’etichetta libera o una competenza dell’elenco."),
    ):
        client.cookies.load({"django_language": language})
        selected = [str(first.tag.pk), str(second.tag.pk)]
        neither = client.post(
            CHANGELIST,
            {"action": "merge_free_tags", "_selected_action": selected, "apply": "1"},
            headers={"accept-language": language},
        )
        assert neither.status_code == 400
        assert error in neither.content.decode()
        both = client.post(
            CHANGELIST,
            {
                "action": "merge_free_tags",
                "_selected_action": selected,
                "apply": "1",
                "into_tag": str(first.tag.pk),
                "into_skill": str(accounting.pk),
            },
            headers={"accept-language": language},
        )
        assert both.status_code == 400
    client.cookies.load({"django_language": "en"})
    alone = merge_in_admin(client, [first.tag], into_tag=first.tag)
    assert "Select at least one other free tag to merge." in alone.content.decode()
    assert FreeTag.objects.count() == 2
    assert MemberFreeTag.objects.count() == 2
    with pytest.raises(OfficinaError):
        check_merge_free_tags([first.tag], into_tag=first.tag)


def test_only_staff_with_the_right_may_merge(client_for, giulia, marco, make_member):
    first, second = tag(giulia, "Figma"), tag(marco, "figma design")
    data = {
        "action": "merge_free_tags",
        "_selected_action": [str(first.tag.pk), str(second.tag.pk)],
        "apply": "1",
        "into_tag": str(first.tag.pk),
    }
    member = client_for(giulia).post(CHANGELIST, data)
    assert member.status_code == 302 and "/admin/login/" in member["Location"]
    staff = make_member("staff@officina.test", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_freetag"))
    looking = client_for(staff)
    assert looking.get(CHANGELIST).status_code == 200
    refused = looking.post(CHANGELIST, data)
    assert refused.status_code in {200, 302, 403}
    assert FreeTag.objects.count() == 2
    staff.user_permissions.add(Permission.objects.get(codename="change_freetag"))
    allowed = client_for(staff).post(CHANGELIST, data, follow=True)
    assert messages_of(allowed) == ["1 member moved to “Figma”."]
    assert FreeTag.objects.count() == 1


def test_a_merged_text_typed_again_lists_the_tag_it_was_merged_into(giulia, marco, sara):
    react = tag(giulia, "React")
    reactjs = tag(marco, "ReactJS")
    check_merge_free_tags([reactjs.tag], into_tag=react.tag)
    again = check_add_free_tag(sara, "  reactjs ", SkillKind.OFFER, "it")
    assert again.tag == react.tag and again.skill is None
    assert set(FreeTag.objects.values_list("text", flat=True)) == {"React"}
    assert set(MemberFreeTag.objects.values_list("member__first_name", "tag__text")) == {
        ("Giulia", "React"), ("Marco", "React"), ("Sara", "React"),
    }  # fmt: skip
