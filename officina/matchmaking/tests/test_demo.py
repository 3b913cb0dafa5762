import pytest

from officina.core.demo import DemoContext
from officina.knowledge import demo as knowledge_demo
from officina.knowledge.models import Question
from officina.matchmaking import demo
from officina.matchmaking.models import EvidenceSize, EvidenceTerm
from officina.matchmaking.selectors import experts_for_question
from officina.skills import demo as skills_demo


@pytest.mark.django_db
def test_the_demo_index_suggests_experts_for_its_questions(community):
    skills_demo.populate(DemoContext())
    knowledge_demo.populate(DemoContext())
    EvidenceTerm.objects.all().delete()  # as after the bulk inserts, which send no signals
    demo.populate(DemoContext())
    assert EvidenceSize.objects.exists()
    question = Question.objects.filter(answer_count__gt=0).first()
    assert question is not None
    suggestions = experts_for_question(question, question.author)
    assert suggestions
    assert all(s.member != question.author and s.reasons for s in suggestions)
