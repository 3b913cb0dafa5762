from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from officina.core.errors import ErrorCode, OfficinaError
from officina.knowledge.actions import (
    check_accept_answer,
    check_answer_question,
    check_ask_question,
    check_unaccept_answer,
    check_vote,
)
from officina.knowledge.kinds import Visibility
from officina.knowledge.models import Answer, Question, Vote
from officina.notifications.models import Notification
from officina.skills.models import SkillEvidence


@pytest.fixture
def question(giulia, python_skill):
    return check_ask_question(
        giulia,
        title="How do I profile a slow Django view?",
        body="The dashboard takes two seconds to load.",
        tags=[python_skill],
    )


class TestAsk:
    def test_asking_stores_the_question_with_its_skills(self, question, python_skill):
        assert question.visibility == Visibility.COMMUNITY
        assert list(question.tags.all()) == [python_skill]

    def test_asking_in_a_space_limits_visibility(self, giulia, navigli):
        question = check_ask_question(
            giulia, title="Chi ha una stampante A3 al Navigli?", body="Grazie!", space=navigli
        )
        assert question.visibility == Visibility.SPACE
        assert question.space == navigli

    @pytest.mark.parametrize(
        ("title", "body", "field"),
        [
            ("short", "A body", "title"),
            ("   ", "A body", "title"),
            ("x" * 201, "A body", "title"),
            ("A perfectly fine title", "   ", "body"),
            ("A perfectly fine title", "x" * 10_001, "body"),
        ],
    )
    def test_bad_text_changes_nothing(self, giulia, title, body, field):
        with pytest.raises(OfficinaError) as caught:
            check_ask_question(giulia, title=title, body=body)
        assert caught.value.code == ErrorCode.INVALID_INPUT
        assert caught.value.details["field"] == field
        assert not Question.objects.exists()

    def test_cannot_ask_in_a_space_one_does_not_belong_to(self, outsider, navigli):
        with pytest.raises(OfficinaError) as caught:
            check_ask_question(outsider, title="Una domanda lunga", body="Testo", space=navigli)
        assert caught.value.details["field"] == "space"
        assert not Question.objects.exists()

    def test_at_most_five_skills(self, giulia, db):
        from officina.skills.models import Skill

        skills = [
            Skill.objects.create(slug=f"s{i}", name_en=f"S{i}", name_it=f"S{i}", category="data")
            for i in range(6)
        ]
        with pytest.raises(OfficinaError):
            check_ask_question(giulia, title="Too many skills here", body="Body", tags=skills)
        assert not Question.objects.exists()


class TestAnswer:
    def test_answer_counts_and_notifies_the_asker(self, question, giulia, marco):
        answer = check_answer_question(marco, question, body="Use django-debug-toolbar.")
        question.refresh_from_db()
        assert question.answer_count == 1
        notification = Notification.objects.get(recipient=giulia)
        assert notification.kind == "knowledge.answer"
        assert notification.url.endswith(f"#answer-{answer.pk}")

    def test_answering_your_own_question_notifies_nobody(self, question, giulia):
        check_answer_question(giulia, question, body="Found it myself: a missing index.")
        assert not Notification.objects.exists()

    def test_empty_answer_changes_nothing(self, question, marco):
        with pytest.raises(OfficinaError):
            check_answer_question(marco, question, body="  ")
        question.refresh_from_db()
        assert question.answer_count == 0
        assert not Answer.objects.exists()


class TestVote:
    def test_up_again_takes_the_vote_back_and_down_flips_it(self, question, marco):
        assert check_vote(marco, question, 1) == 1
        assert check_vote(marco, question, 1) == 0
        assert not Vote.objects.exists()
        assert check_vote(marco, question, 1) == 1
        assert check_vote(marco, question, -1) == -1
        question.refresh_from_db()
        assert question.score == -1
        assert Vote.objects.get().value == -1

    def test_one_vote_per_member_per_target(self, question, marco, sara):
        check_vote(marco, question, 1)
        check_vote(sara, question, 1)
        question.refresh_from_db()
        assert question.score == 2
        assert Vote.objects.count() == 2

    def test_votes_on_answers_are_separate(self, question, marco, sara):
        answer = check_answer_question(marco, question, body="Try the profiler.")
        check_vote(sara, answer, -1)
        answer.refresh_from_db()
        question.refresh_from_db()
        assert (answer.score, question.score) == (-1, 0)

    def test_no_vote_on_your_own_writing(self, question, giulia, marco):
        with pytest.raises(OfficinaError) as caught:
            check_vote(giulia, question, 1)
        assert caught.value.code == ErrorCode.PERMISSION_DENIED
        answer = check_answer_question(marco, question, body="Try the profiler.")
        with pytest.raises(OfficinaError):
            check_vote(marco, answer, 1)
        assert not Vote.objects.exists()

    @pytest.mark.parametrize("value", [0, 2, -2])
    def test_only_up_or_down(self, question, marco, value):
        with pytest.raises(OfficinaError):
            check_vote(marco, question, value)
        question.refresh_from_db()
        assert question.score == 0


class TestAccept:
    def test_accepting_records_evidence_and_notifies(self, question, giulia, marco, python_skill):
        answer = check_answer_question(marco, question, body="Use the query log.")
        check_accept_answer(giulia, answer)
        question.refresh_from_db()
        assert question.accepted_answer == answer
        evidence = SkillEvidence.objects.get(member=marco)
        assert evidence.skill == python_skill
        assert evidence.source_id == answer.pk
        assert Notification.objects.filter(recipient=marco, kind="knowledge.accepted").exists()

    def test_changing_the_accepted_answer_moves_the_evidence(self, question, giulia, marco, sara):
        first = check_answer_question(marco, question, body="First idea.")
        second = check_answer_question(sara, question, body="Better idea.")
        check_accept_answer(giulia, first)
        check_accept_answer(giulia, second)
        question.refresh_from_db()
        assert question.accepted_answer == second
        assert not SkillEvidence.objects.filter(member=marco).exists()
        assert SkillEvidence.objects.filter(member=sara).count() == 1

    def test_withdrawing_acceptance_removes_the_evidence(self, question, giulia, marco):
        answer = check_answer_question(marco, question, body="First idea.")
        check_accept_answer(giulia, answer)
        check_unaccept_answer(giulia, question)
        question.refresh_from_db()
        assert question.accepted_answer is None
        assert not SkillEvidence.objects.exists()

    def test_only_the_asker_accepts(self, question, marco, sara):
        answer = check_answer_question(marco, question, body="An idea.")
        for intruder in (marco, sara):
            with pytest.raises(OfficinaError) as caught:
                check_accept_answer(intruder, answer)
            assert caught.value.code == ErrorCode.PERMISSION_DENIED
        with pytest.raises(OfficinaError):
            check_unaccept_answer(sara, question)
        question.refresh_from_db()
        assert question.accepted_answer is None
        assert not SkillEvidence.objects.exists()

    def test_the_asker_cannot_accept_their_own_answer(self, question, giulia):
        answer = check_answer_question(giulia, question, body="Solved it myself.")
        with pytest.raises(OfficinaError):
            check_accept_answer(giulia, answer)
        question.refresh_from_db()
        assert question.accepted_answer is None


class TestBackDated:
    def test_an_imported_thread_keeps_its_dates_and_answers_follow_questions(self, giulia, marco):
        asked = timezone.now() - timedelta(days=10)
        question = check_ask_question(
            giulia,
            title="Where do you print large posters?",
            body="A0, for a fair next month.",
            at=asked,
        )
        assert Question.objects.get(pk=question.pk).created_at == asked
        with pytest.raises(OfficinaError) as caught:
            check_answer_question(
                marco, question, body="At the copy shop.", at=asked - timedelta(hours=1)
            )
        assert caught.value.code == ErrorCode.INVALID_INPUT
        answered = asked + timedelta(hours=3)
        answer = check_answer_question(marco, question, body="At the copy shop.", at=answered)
        assert Answer.objects.get(pk=answer.pk).created_at == answered
        told = Notification.objects.get(recipient=giulia, kind="knowledge.answer")
        assert told.created_at == answered
        assert Answer.objects.count() == 1
