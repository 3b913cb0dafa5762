"""Recent activity in expert finding: who answered lately, before the question was asked,
comes first among members who are otherwise equal."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone, translation

from officina.knowledge.actions import check_answer_question, check_ask_question
from officina.matchmaking import selectors
from officina.matchmaking.selectors import Asked, Ranking, experts_for_question, rank_experts
from officina.skills.actions import check_add_member_skill
from officina.skills.kinds import SkillKind, SkillLevel
from officina.social.actions import do_update_profile

if TYPE_CHECKING:
    from officina.accounts.models import Member

pytestmark = pytest.mark.django_db(transaction=True)


def ids(ranked: list[tuple[int, float]]) -> list[int]:
    return [member_id for member_id, _score in ranked]


def _answered_on(
    member: Member, asker: Member, when: datetime, title: str = "Which bike lights for winter?"
) -> None:
    question = check_ask_question(asker, title=title, body="Commuting in the dark.", at=when)
    check_answer_question(member, question, body="Dynamo lights, always on.", at=when)


@pytest.fixture
def twins(community, tax, giulia, luca, make_member):
    """Two bookkeepers alike in every word and skill; the later one (a higher id, so
    second when scores tie) answered a question last week, the other a year ago."""
    old_hand, regular = make_member(first_name="Olga"), make_member(first_name="Rita")
    now = timezone.now()
    for person in (old_hand, regular):
        do_update_profile(person, headline="Bookkeeper", bio="VAT for freelancers.", links=[])
        check_add_member_skill(person, tax, SkillKind.SKILL, level=SkillLevel.EXPERT, note="")
    _answered_on(old_hand, luca, now - timedelta(days=365))
    _answered_on(regular, luca, now - timedelta(days=7))
    return old_hand, regular


def test_of_two_equal_members_the_one_who_answered_lately_comes_first(twins, giulia, tax):
    old_hand, regular = twins
    asked = Asked("Quarterly VAT payment", "First year with a VAT number.", (tax.pk,), giulia.pk)
    text = dict(rank_experts(asked, Ranking.FULLTEXT))
    skills = dict(rank_experts(asked, Ranking.SKILLS))
    assert text[old_hand.pk] == pytest.approx(text[regular.pk])
    assert skills[old_hand.pk] == pytest.approx(skills[regular.pk])
    ranked = ids(rank_experts(asked))
    assert ranked.index(regular.pk) < ranked.index(old_hand.pk)
    # A year ago is past the four months counted: only the regular is recently active.
    assert ids(rank_experts(asked, Ranking.RECENT)) == [regular.pk]


def test_activity_counts_only_what_came_before_the_question(twins, giulia, tax, luca):
    old_hand, regular = twins
    now = timezone.now()
    # Asked two weeks ago: the regular's answer of last week came after it.
    then = Asked(
        "Quarterly VAT payment", "", (tax.pk,), giulia.pk, asked_at=now - timedelta(days=14)
    )
    assert ids(rank_experts(then, Ranking.RECENT)) == []
    ranked = ids(rank_experts(then))
    assert ranked.index(old_hand.pk) < ranked.index(regular.pk)  # tied: member order
    # Asked 300 days ago: the old hand's answer of 65 days before counts.
    long_ago = Asked("VAT", "", (tax.pk,), giulia.pk, asked_at=now - timedelta(days=300))
    assert ids(rank_experts(long_ago, Ranking.RECENT)) == [old_hand.pk]


def test_the_question_own_answers_are_no_recent_activity(community, giulia, luca, make_member):
    helper = make_member(first_name="Ugo")
    question = check_ask_question(giulia, title="Where to park a cargo bike?", body="Near Navigli.")
    check_answer_question(helper, question, body="The racks behind the station.")
    asked = Asked(question.title, question.body, (), giulia.pk, question_id=question.pk)
    assert helper.pk not in ids(rank_experts(asked, Ranking.RECENT))
    assert helper.pk in ids(rank_experts(Asked("Cargo bikes", "", (), giulia.pk), Ranking.RECENT))


def test_a_week_old_answer_weighs_more_than_a_three_month_old_one(
    community, giulia, luca, make_member
):
    recent, older = make_member(first_name="Vera"), make_member(first_name="Walter")
    now = timezone.now()
    _answered_on(older, luca, now - timedelta(days=90))
    _answered_on(older, luca, now - timedelta(days=91), title="Which tyres for gravel roads?")
    _answered_on(recent, luca, now - timedelta(days=7))
    activity = dict(rank_experts(Asked("Bikes", "", (), giulia.pk), Ranking.RECENT))
    # Two answers three months ago (an eighth each) weigh less than one of last week.
    assert activity[recent.pk] > activity[older.pk] > 0


def test_the_most_active_few_are_the_same_read_bounded_or_whole(
    community, giulia, luca, make_member, monkeypatch
):
    now = timezone.now()
    for number in range(8):
        person = make_member(first_name=f"Rider{number}")
        for days in range(number + 1):
            _answered_on(
                person, luca, now - timedelta(days=3 + 11 * days), title=f"Bike question {days}?"
            )
    asked = Asked("Bikes", "", (), giulia.pk)
    everyone = rank_experts(asked, Ranking.RECENT)
    hybrid = rank_experts(asked)
    monkeypatch.setattr(selectors, "CANDIDATES", 3)
    few = rank_experts(asked, Ranking.RECENT)
    assert len(everyone) == 8 and len(few) == 3
    assert few == everyone[:3]
    assert rank_experts(asked)[:3] == hybrid[:3]


def test_the_page_says_who_answered_lately(twins, giulia, tax):
    question = check_ask_question(giulia, title="Quarterly VAT payment", body="?", tags=[tax])
    with translation.override("en"):
        reasons = {s.member: s.reasons for s in experts_for_question(question, giulia)}
    _old_hand, regular = twins
    assert "has answered questions lately" in reasons[regular]
    assert "has answered questions lately" not in reasons[_old_hand]
    with translation.override("it"):
        reasons = {s.member: s.reasons for s in experts_for_question(question, giulia)}
    assert "ha risposto a delle domande di recente" in reasons[regular]


def test_answers_in_a_space_are_no_recent_activity(community, giulia, marco, navigli):
    in_space = check_ask_question(
        giulia, title="Who waters the plants at Navigli?", body="August.", space=navigli
    )
    check_answer_question(marco, in_space, body="The manager does, on Mondays.")
    asked = Asked("Plants", "", (), giulia.pk)
    assert marco.pk not in ids(rank_experts(asked, Ranking.RECENT))
    in_community = check_ask_question(giulia, title="Which plants for a dark office?", body="?")
    check_answer_question(marco, in_community, body="Pothos and snake plants.")
    assert ids(rank_experts(asked, Ranking.RECENT)) == [marco.pk]
