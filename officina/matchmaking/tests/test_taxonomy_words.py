"""A skill that learns words (a free tag merged into it, synonyms edited in the admin)
re-indexes the members whose texts use them when the change commits, and only them:
no ``match_reindex`` is needed for them to be found as experts."""

from __future__ import annotations

from typing import Any

import pytest

from officina.matchmaking.evidence import phrase_terms
from officina.matchmaking.models import EvidenceSkill, EvidenceTerm
from officina.matchmaking.selectors import Asked, Ranking, rank_experts
from officina.skills.actions import (
    check_add_free_tag,
    check_merge_free_tags,
    check_set_free_tag_synonyms,
    do_merge_free_tag,
)
from officina.skills.kinds import SkillCategory, SkillKind
from officina.skills.models import Skill
from officina.social.actions import do_update_profile

pytestmark = pytest.mark.django_db


def ids(ranked: list[tuple[int, float]]) -> list[int]:
    return [member_id for member_id, _score in ranked]


def knows(member: Any, skill: Skill) -> bool:
    return EvidenceSkill.objects.filter(member=member, skill=skill).exists()


def term_rows(member: Any) -> list[int]:
    return list(
        EvidenceTerm.objects.filter(member=member).order_by("pk").values_list("pk", flat=True)
    )


@pytest.fixture
def writers(community, luca, make_member, django_capture_on_commit_callbacks):
    """Anna writes of double-entry bookkeeping in her own words; Luca of UX only."""
    anna = make_member(first_name="Anna")
    with django_capture_on_commit_callbacks(execute=True):
        do_update_profile(
            anna, headline="Artigiana", bio="Tengo la partita doppia di piccole botteghe.", links=[]
        )
        do_update_profile(luca, headline="UX", bio="Interviste e test di usabilità.", links=[])
    return anna


def test_a_tag_merged_into_a_skill_makes_who_writes_its_words_an_expert(
    writers, accounting, giulia, marco, luca, django_capture_on_commit_callbacks
):
    anna = writers
    with django_capture_on_commit_callbacks(execute=True):
        tag = check_add_free_tag(giulia, "Partita doppia", SkillKind.SKILL, "it").tag
    assert tag is not None
    asked = Asked("Partita doppia per una cooperativa?", "Come chiudo l'anno?", (), marco.pk)
    assert not knows(anna, accounting)
    assert anna.pk not in ids(rank_experts(asked, Ranking.SKILLS))
    untouched = term_rows(luca)

    with django_capture_on_commit_callbacks(execute=True):
        do_merge_free_tag(tag, accounting)
    assert knows(anna, accounting) and knows(giulia, accounting)
    assert {anna.pk, giulia.pk} <= set(ids(rank_experts(asked, Ranking.SKILLS)))
    # Luca's texts do not use the words: his rows were not rewritten.
    assert term_rows(luca) == untouched


def test_synonyms_edited_on_a_tag_then_merged_reach_the_skill_and_its_writers(
    community, giulia, make_member, django_capture_on_commit_callbacks
):
    ceramics = Skill.objects.create(
        slug="ceramics",
        name_en="Ceramics",
        name_it="Ceramica artistica",
        category=SkillCategory.MAKING,
    )
    potter = make_member(first_name="Bruno")
    with django_capture_on_commit_callbacks(execute=True):
        do_update_profile(
            potter, headline="", bio="Ogni sabato cottura raku nel cortile.", links=[]
        )
        tag = check_add_free_tag(giulia, "Raku", SkillKind.SKILL, "it").tag
        assert tag is not None
        check_set_free_tag_synonyms(tag, ["cottura raku"])
    assert not knows(potter, ceramics)
    with django_capture_on_commit_callbacks(execute=True):
        check_merge_free_tags([tag], into_skill=ceramics)
    assert knows(potter, ceramics)


def test_a_synonym_edited_on_a_skill_in_the_admin_is_learnt_and_forgotten(
    writers, accounting, client_for, admin, django_capture_on_commit_callbacks
):
    anna = writers
    page = f"/admin/skills/skill/{accounting.pk}/change/"
    form = {
        "slug": accounting.slug,
        "name_en": accounting.name_en,
        "name_it": accounting.name_it,
        "category": accounting.category,
        "tag_synonyms": "{}",
    }
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(page, {**form, "synonyms": "partita doppia"})
    assert saved.status_code == 302
    assert knows(anna, accounting)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page, {**form, "synonyms": ""})
    assert not knows(anna, accounting)


def test_a_save_that_changes_no_words_re_indexes_nobody(
    writers, accounting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        accounting.category = SkillCategory.DATA
        accounting.save(update_fields=["category"])
    assert callbacks == []


def test_a_phrase_is_looked_up_by_the_words_the_index_keeps():
    assert len(phrase_terms("Tessitura a mano")) == 2  # "a" is a stop word
    assert phrase_terms("the") == ()


def test_a_synonym_of_stop_words_only_re_indexes_on_save(
    writers, accounting, make_member, django_capture_on_commit_callbacks
):
    """The index's words cannot tell whose texts say "di chi": everybody is indexed again
    when the save commits, so no ``match_reindex`` is needed."""
    bea = make_member(first_name="Bea")
    with django_capture_on_commit_callbacks(execute=True):
        do_update_profile(bea, headline="Sarta", bio="Il sito di chi cuce.", links=[])
    assert phrase_terms("di chi") == ()
    assert not knows(bea, accounting)
    with django_capture_on_commit_callbacks(execute=True):
        accounting.synonyms = [*accounting.synonyms, "di chi"]
        accounting.save(update_fields=["synonyms"])
    assert knows(bea, accounting)
