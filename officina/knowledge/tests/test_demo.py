import pytest

from officina.core.demo import DemoContext
from officina.knowledge import demo
from officina.knowledge.models import Answer, Question
from officina.skills.models import Skill, SkillEvidence


@pytest.mark.django_db
def test_demo_has_threads_in_both_languages_some_accepted(giulia, marco, sara, outsider, navigli):
    Skill.objects.create(slug="tax-t", name_en="Tax advice", name_it="Fisco", category="business")
    Skill.objects.create(
        slug="python-t", name_en="Python", name_it="Python", category="development"
    )
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
