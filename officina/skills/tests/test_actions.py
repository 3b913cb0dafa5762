from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from officina.core.errors import ErrorCode, OfficinaError
from officina.notifications.models import Notification
from officina.skills.actions import (
    MAX_SKILLS_PER_KIND,
    SkillListing,
    TaxonomyEntry,
    check_add_member_skill,
    check_add_member_skills,
    check_add_to_taxonomy,
    check_endorse,
    check_endorse_many,
    do_record_skill_evidence,
    do_withdraw_endorsement,
    do_withdraw_skill_evidence,
)
from officina.skills.kinds import SkillCategory, SkillKind
from officina.skills.models import Endorsement, MemberSkill, Skill, SkillEvidence
from officina.skills.selectors import member_skills_with_counts

pytestmark = pytest.mark.django_db


def test_skill_name_follows_the_language(accounting):
    with translation.override("it"):
        assert accounting.name == "Contabilità"
    with translation.override("en"):
        assert accounting.name == "Accounting"


def test_add_and_update_member_skill(giulia, django_skill):
    first = check_add_member_skill(giulia, django_skill, SkillKind.SKILL, level=3, note="dal 2015")
    again = check_add_member_skill(giulia, django_skill, SkillKind.SKILL, level=4)
    assert first.pk == again.pk
    assert MemberSkill.objects.get().level == 4
    # Listed again without a level or a note: both are kept.
    check_add_member_skill(giulia, django_skill, SkillKind.SKILL)
    assert MemberSkill.objects.values_list("level", "note").get() == (4, "dal 2015")
    # The same skill may be both a skill and an offer.
    check_add_member_skill(giulia, django_skill, SkillKind.OFFER)
    assert MemberSkill.objects.count() == 2


@pytest.mark.parametrize(
    ("kind", "level", "note"),
    [("wizardry", None, ""), (SkillKind.SKILL, 9, ""), (SkillKind.SKILL, None, "x" * 201)],
)
def test_bad_member_skill_changes_nothing(giulia, django_skill, kind, level, note):
    with pytest.raises(OfficinaError) as caught:
        check_add_member_skill(giulia, django_skill, kind, level=level, note=note)
    assert caught.value.code == ErrorCode.INVALID_INPUT
    assert not MemberSkill.objects.exists()


def test_limit_per_kind(giulia):
    skills = Skill.objects.bulk_create(
        [
            Skill(slug=f"s{n}", name_en=f"S{n}", name_it=f"S{n}", category=SkillCategory.DATA)
            for n in range(MAX_SKILLS_PER_KIND + 1)
        ]
    )
    for skill in skills[:MAX_SKILLS_PER_KIND]:
        check_add_member_skill(giulia, skill, SkillKind.INTEREST)
    with pytest.raises(OfficinaError) as caught:
        check_add_member_skill(giulia, skills[-1], SkillKind.INTEREST)
    assert caught.value.code == ErrorCode.CONFLICT


def test_a_member_lists_many_skills_at_once_or_none(giulia, django_skill, accounting):
    listed = check_add_member_skills(
        giulia,
        [
            SkillListing(django_skill, SkillKind.SKILL, level=3, note=" dal 2015 "),
            SkillListing(django_skill, SkillKind.OFFER),
            SkillListing(accounting, SkillKind.NEED, note="per il bilancio"),
        ],
    )
    assert [(row.skill, row.kind) for row in listed] == [
        (django_skill, SkillKind.SKILL),
        (django_skill, SkillKind.OFFER),
        (accounting, SkillKind.NEED),
    ]
    assert listed[0].pk and listed[0].level == 3 and listed[0].note == "dal 2015"
    again = check_add_member_skills(giulia, [SkillListing(django_skill, SkillKind.SKILL, level=4)])
    assert again[0].pk == listed[0].pk and again[0].level == 4
    with pytest.raises(OfficinaError) as caught:
        check_add_member_skills(
            giulia,
            [
                SkillListing(accounting, SkillKind.SKILL),
                SkillListing(accounting, SkillKind.SKILL, 9),
            ],
        )
    assert caught.value.code == ErrorCode.INVALID_INPUT
    assert MemberSkill.objects.count() == 3


def test_many_skills_at_once_respect_the_limit_per_kind(giulia):
    skills = Skill.objects.bulk_create(
        [
            Skill(slug=f"s{n}", name_en=f"S{n}", name_it=f"S{n}", category=SkillCategory.DATA)
            for n in range(MAX_SKILLS_PER_KIND + 1)
        ]
    )
    with pytest.raises(OfficinaError) as caught:
        check_add_member_skills(giulia, [SkillListing(s, SkillKind.INTEREST) for s in skills])
    assert caught.value.code == ErrorCode.CONFLICT
    assert not MemberSkill.objects.exists()


def test_the_taxonomy_grows_by_checked_entries_only(accounting):
    added = check_add_to_taxonomy(
        [
            TaxonomyEntry("ceramics", "Ceramics", "Ceramica", SkillCategory.MAKING),
            TaxonomyEntry("seo", " SEO ", "SEO", SkillCategory.MARKETING),
        ]
    )
    assert [skill.slug for skill in added] == ["ceramics", "seo"]
    assert Skill.objects.get(slug="seo").name_en == "SEO"
    bad_entries = [
        (TaxonomyEntry("Bad Slug", "Bad", "Male", SkillCategory.DATA), ErrorCode.INVALID_INPUT),
        (TaxonomyEntry("nameless", " ", "Senza", SkillCategory.DATA), ErrorCode.INVALID_INPUT),
        (TaxonomyEntry("magic", "Magic", "Magia", "wizardry"), ErrorCode.INVALID_INPUT),
        (TaxonomyEntry(accounting.slug, "Again", "Ancora", SkillCategory.DATA), ErrorCode.CONFLICT),
    ]
    for entry, code in bad_entries:
        fine = TaxonomyEntry("fine", "Fine", "Bene", SkillCategory.DATA)
        with pytest.raises(OfficinaError) as caught:
            check_add_to_taxonomy([fine, entry])
        assert caught.value.code == code
    assert not Skill.objects.filter(slug="fine").exists()


def test_endorse_notifies_once_and_not_yourself(giulia, marco, django_skill):
    member_skill = check_add_member_skill(giulia, django_skill, SkillKind.SKILL)
    check_endorse(marco, member_skill)
    assert Notification.objects.filter(recipient=giulia, kind="skills.endorsement").count() == 1
    with pytest.raises(OfficinaError) as twice:
        check_endorse(marco, member_skill)
    assert twice.value.code == ErrorCode.CONFLICT
    with pytest.raises(OfficinaError) as yourself:
        check_endorse(giulia, member_skill)
    assert yourself.value.code == ErrorCode.INVALID_INPUT
    assert Endorsement.objects.count() == 1
    assert do_withdraw_endorsement(marco, member_skill)
    assert not Endorsement.objects.exists()


def test_an_endorsement_notice_names_the_skill_in_the_language_it_is_read_in(giulia, marco):
    accounting = Skill.objects.create(
        slug="accounting", name_en="Accounting", name_it="Contabilità", category=SkillCategory.DATA
    )
    with translation.override("it"):  # sent while the endorser reads Italian
        check_endorse(marco, check_add_member_skill(giulia, accounting, SkillKind.SKILL))
    notice = Notification.objects.get(recipient=giulia, kind="skills.endorsement")
    with translation.override("en"):
        assert notice.shown_text == f"{marco.display_name} endorsed your skill “Accounting”."
    with translation.override("it"):
        assert "“Contabilità”" in notice.shown_text
        assert "Accounting" not in notice.shown_text


def test_endorsing_many_at_once_is_checked_like_one(giulia, marco, sara, django_skill):
    skill = check_add_member_skill(giulia, django_skill, SkillKind.SKILL)
    offer = check_add_member_skill(giulia, django_skill, SkillKind.OFFER)
    need = check_add_member_skill(marco, django_skill, SkillKind.NEED)
    check_endorse(sara, offer)
    refused = [
        ([(marco, skill), (giulia, skill)], ErrorCode.INVALID_INPUT),
        ([(marco, skill), (sara, need)], ErrorCode.INVALID_INPUT),
        ([(marco, skill), (sara, offer)], ErrorCode.CONFLICT),
        ([(marco, skill), (marco, skill)], ErrorCode.CONFLICT),
    ]
    for endorsements, code in refused:
        with pytest.raises(OfficinaError) as caught:
            check_endorse_many(endorsements)
        assert caught.value.code == code
    assert Endorsement.objects.count() == 1
    created = check_endorse_many([(marco, skill), (sara, skill), (marco, offer)])
    assert [(e.endorser, e.member_skill) for e in created] == [
        (marco, skill),
        (sara, skill),
        (marco, offer),
    ]
    assert Notification.objects.filter(recipient=giulia, kind="skills.endorsement").count() == 4


def test_needs_and_interests_are_not_endorsable(giulia, marco, django_skill):
    need = check_add_member_skill(giulia, django_skill, SkillKind.NEED)
    with pytest.raises(OfficinaError):
        check_endorse(marco, need)
    assert not Endorsement.objects.exists()


def test_evidence_is_idempotent_and_adds_the_skill(giulia, django_skill, accounting):
    created = do_record_skill_evidence(
        giulia, [django_skill, accounting, django_skill], "accepted_answer", 42, "/questions/7/"
    )
    assert created == 2
    assert do_record_skill_evidence(giulia, [django_skill], "accepted_answer", 42, "") == 0
    assert SkillEvidence.objects.count() == 2
    assert set(
        MemberSkill.objects.filter(member=giulia, kind=SkillKind.SKILL).values_list(
            "skill__slug", flat=True
        )
    ) == {"django", "accounting"}
    assert do_withdraw_skill_evidence("accepted_answer", 42) == 2


def test_unknown_evidence_source_is_refused(giulia, django_skill):
    with pytest.raises(OfficinaError):
        do_record_skill_evidence(giulia, [django_skill], "rumour", 1, "")
    assert not SkillEvidence.objects.exists()


def test_member_skills_with_counts_in_one_query(
    giulia, marco, sara, django_skill, accounting, django_assert_num_queries
):
    django_row = check_add_member_skill(giulia, django_skill, SkillKind.SKILL)
    check_add_member_skill(giulia, accounting, SkillKind.NEED)
    check_endorse(marco, django_row)
    check_endorse(sara, django_row)
    do_record_skill_evidence(giulia, [django_skill], "accepted_answer", 1, "/q/1/")
    do_record_skill_evidence(giulia, [django_skill], "accepted_answer", 2, "/q/2/")
    with django_assert_num_queries(1):
        rows = member_skills_with_counts(giulia, marco)
    by_slug: dict[str, Any] = {row.skill.slug: row for row in rows}
    assert by_slug["django"].endorsement_count == 2
    assert by_slug["django"].evidence_count == 2
    assert by_slug["django"].endorsed_by_viewer is True
    assert by_slug["accounting"].endorsement_count == 0
    assert by_slug["accounting"].evidence_count == 0
    own_view: Any = member_skills_with_counts(giulia, giulia)[0]
    assert own_view.endorsed_by_viewer is False


def test_skills_by_kind_uses_plural_titles_in_order(giulia, django_skill, accounting):
    from officina.skills.selectors import SkillsByKind

    check_add_member_skill(giulia, accounting, SkillKind.NEED)
    check_add_member_skill(giulia, django_skill, SkillKind.SKILL)
    with translation.override("it"):
        groups = SkillsByKind.of(member_skills_with_counts(giulia)).groups
    assert [title for _kind, title, _rows, _tags in groups] == [
        "Competenze",
        "Talenti",
        "Interessi",
        "Offro",
        "Cerco",
    ]
    assert [len(rows) for _kind, _title, rows, _tags in groups] == [1, 0, 0, 0, 1]
