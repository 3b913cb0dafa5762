import pytest

from officina.core.demo import DemoContext
from officina.knowledge import demo
from officina.knowledge.models import Answer, Question
from officina.skills.models import Skill, SkillEvidence


@pytest.mark.django_db
def test_demo_has_threads_in_both_languages_some_accepted(giulia, marco, sara, outsider, navigli):
    Skill.objects.create(
        slug="tax", name_en="Tax and VAT", name_it="Fisco e IVA", category="business"
    )
    Skill.objects.create(slug="python", name_en="Python", name_it="Python", category="development")
    demo.populate(DemoContext())
    questions = Question.objects.all()
    assert questions.count() == len(demo.THREADS)
    titles = " ".join(questions.values_list("title", flat=True))
    assert "commercialista" in titles
    assert "Django" in titles
    accepted = questions.filter(accepted_answer__isnull=False)
    assert accepted.exists()
    for question in accepted:
        assert question.accepted_answer is not None
        assert question.accepted_answer.question_id == question.pk
        assert question.accepted_answer.author_id != question.author_id
    for question in questions:
        assert question.answer_count == Answer.objects.filter(question=question).count()
    assert SkillEvidence.objects.filter(source_kind="accepted_answer").exists()


@pytest.mark.django_db
def test_demo_dates_are_spread_and_answers_follow_questions(giulia, marco, sara, outsider):
    demo.populate(DemoContext())
    dates = set(Question.objects.values_list("created_at__date", flat=True))
    assert len(dates) > 5
    for answer in Answer.objects.select_related("question"):
        assert answer.created_at > answer.question.created_at
