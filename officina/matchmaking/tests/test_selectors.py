from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from officina.knowledge.actions import check_answer_question, check_ask_question
from officina.matchmaking import selectors
from officina.matchmaking.evidence import skill_strength
from officina.matchmaking.models import EvidenceSize, EvidenceSkill, EvidenceTerm
from officina.matchmaking.selectors import (
    DEFAULT_RANKINGS,
    Asked,
    Ranking,
    experts_for_question,
    rank_experts,
)
from officina.skills.actions import check_add_member_skill
from officina.skills.kinds import SkillKind, SkillLevel
from officina.social.actions import do_update_profile

pytestmark = pytest.mark.django_db(transaction=True)


def ids(ranked: list[tuple[int, float]]) -> list[int]:
    return [member_id for member_id, _score in ranked]


def test_the_member_who_answered_well_before_comes_first_and_the_asker_never(
    vat_question, giulia, marco, sara, luca
):
    asked = Asked(vat_question.title, vat_question.body, (vat_question.tags.get().pk,), giulia.pk)
    for ranking in DEFAULT_RANKINGS:
        ranked = ids(rank_experts(asked, ranking))
        assert giulia.pk not in ranked
        assert luca.pk not in ranked
    assert ids(rank_experts(asked))[:2] == [sara.pk, marco.pk]


def test_a_question_in_italian_without_tags_finds_the_english_profile(
    experts, giulia, luca, make_member
):
    writer = make_member(first_name="Anna")
    do_update_profile(writer, headline="Freelance accountant", bio="I file VAT returns.", links=[])
    asked = Asked("Regime forfettario o ordinario?", "Apro la partita IVA.", (), giulia.pk)
    # Not one word in common: the skill's synonyms in both languages join them.
    assert not (
        {"forfettario", "ordinario", "partita", "iva"}
        & set(EvidenceTerm.objects.filter(member=writer).values_list("term", flat=True))
    )
    assert writer.pk in ids(rank_experts(asked, Ranking.SKILLS))
    assert writer.pk not in ids(rank_experts(asked, Ranking.FULLTEXT))


def test_ranking_for_an_answered_question_leaves_its_own_answers_out(
    community, tax, giulia, marco, make_member
):
    newcomer = make_member(first_name="Nina")
    question = check_ask_question(
        giulia, title="Bookkeeping for a cooperative", body="Which ledger software?", tags=[tax]
    )
    check_answer_question(newcomer, question, body="Use a cooperative ledger.")
    # All Nina knows, the index learned from this very question: it does not count for it.
    asked = Asked(question.title, question.body, (tax.pk,), giulia.pk, question_id=question.pk)
    assert newcomer.pk not in ids(rank_experts(asked))
    # For a new question on the same thing, it does.
    again = Asked("Cooperative bookkeeping", "A ledger for a cooperative?", (tax.pk,), giulia.pk)
    assert newcomer.pk in ids(rank_experts(again))


def test_a_profile_change_rewrites_that_members_rows_only(experts, marco, luca):
    before = list(
        EvidenceTerm.objects.exclude(member=luca).order_by("pk").values_list("pk", "count")
    )
    do_update_profile(luca, headline="Accessibility", bio="Screen readers and contrast.", links=[])
    assert "screen" in set(EvidenceTerm.objects.filter(member=luca).values_list("term", flat=True))
    assert "usabl" not in set(
        EvidenceTerm.objects.filter(member=luca).values_list("term", flat=True)
    )
    assert (
        list(EvidenceTerm.objects.exclude(member=luca).order_by("pk").values_list("pk", "count"))
        == before
    )
    counts = EvidenceTerm.objects.filter(member=luca).values_list("count", flat=True)
    assert EvidenceSize.objects.get(member=luca).length == sum(counts)


def test_the_asker_alone_sees_suggestions_with_reasons_in_their_language(
    vat_question, giulia, marco, sara
):
    assert experts_for_question(vat_question, marco) == []
    with translation.override("it"):
        suggestions = experts_for_question(vat_question, giulia)
    assert [s.member for s in suggestions] == [sara, marco]
    assert suggestions[0].reasons == [
        "ha avuto 1 risposta su Fisco e IVA accettata",
        "ha risposto a delle domande di recente",
    ]
    assert suggestions[1].reasons == ["offre Fisco e IVA"]


def test_who_answered_already_is_not_suggested(vat_question, giulia, sara, marco):
    check_answer_question(sara, vat_question, body="F24 by the 16th.")
    assert [s.member for s in experts_for_question(vat_question, giulia)] == [marco]


def test_a_space_question_suggests_and_invites_only_members_of_the_space(
    experts, tax, giulia, marco, sara, navigli
):
    from officina.core.errors import OfficinaError
    from officina.matchmaking.actions import check_invite_to_answer

    question = check_ask_question(
        giulia, title="VAT on the Navigli desks", body="Who knows?", tags=[tax], space=navigli
    )
    # Sara answered on VAT before, but she is not a member of Navigli.
    assert [s.member for s in experts_for_question(question, giulia)] == [marco]
    with pytest.raises(OfficinaError, match="They cannot see this question"):
        check_invite_to_answer(giulia, question, sara)


def test_the_index_keeps_each_skill_strength_as_the_finder_computes_it(experts, sara, tax):
    row = EvidenceSkill.objects.get(member=sara, skill=tax)
    assert row.answers == 2 and row.accepted == 1
    assert row.strength == pytest.approx(skill_strength(row.weight, row.answers, row.accepted))


@pytest.fixture
def many_tax_people(experts, tax, make_member):
    """Twelve more members on tax, each a little stronger in words or in the skill."""
    people = []
    for number in range(12):
        person = make_member(first_name=f"Person{number}")
        invoices = " ".join(["invoices"] * (1 + number % 4))
        do_update_profile(
            person, headline="Bookkeeper", bio=f"VAT and {invoices} for freelancers.", links=[]
        )
        check_add_member_skill(
            person, tax, SkillKind.SKILL, level=SkillLevel((number % 4) + 1), note=""
        )
        people.append(person)
    return people


def test_reading_the_best_few_per_word_and_skill_gives_the_same_top_as_reading_all(
    vat_question, many_tax_people, giulia, monkeypatch
):
    asked = Asked(vat_question.title, vat_question.body, (vat_question.tags.get().pk,), giulia.pk)
    # Recent activity alone is bounded the same way (test_recent_activity.py): here only
    # Sara answered anything.
    for ranking in (Ranking.FULLTEXT, Ranking.SKILLS, Ranking.HYBRID):
        everyone = rank_experts(asked, ranking)
        assert len(everyone) > 8
        monkeypatch.setattr(selectors, "CANDIDATES", 4)
        few = rank_experts(asked, ranking)
        monkeypatch.setattr(selectors, "CANDIDATES", 10_000)
        assert ids(few)[:4] == ids(everyone)[:4]
        assert [score for _id, score in few[:4]] == pytest.approx(
            [score for _id, score in everyone[:4]]
        )
        if ranking != Ranking.HYBRID:
            assert len(few) == 4


def test_ranking_an_answered_question_reads_each_count_once(
    vat_question, many_tax_people, giulia, sara, monkeypatch
):
    """The hybrid's second pass (each ranking's best scored in the others) reuses the
    first pass's words, counts and answerers' rows: only its three bounded reads are new."""
    check_answer_question(sara, vat_question, body="Pay it with an F24 form by the 16th.")
    asked = Asked(
        vat_question.title,
        vat_question.body,
        (vat_question.tags.get().pk,),
        giulia.pk,
        question_id=vat_question.pk,
    )
    monkeypatch.setattr(selectors, "CANDIDATES", 4)  # so that both rankings miss some
    with CaptureQueriesContext(connection) as hybrid:
        rank_experts(asked)
    with CaptureQueriesContext(connection) as text:
        rank_experts(asked, Ranking.FULLTEXT)
    with CaptureQueriesContext(connection) as skills:
        rank_experts(asked, Ranking.SKILLS)
    with CaptureQueriesContext(connection) as recent:
        rank_experts(asked, Ranking.RECENT)
    shared = 4  # the vocabulary, the question's answers and their tags, the totals
    assert len(recent) == shared + 1
    assert len(hybrid) == len(text) + len(skills) + len(recent) - 2 * shared + 3
