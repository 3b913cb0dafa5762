"""The one path to a question or an answer; "missing" and "not yours to see" look the same."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from officina.core.errors import ErrorCode, OfficinaError
from officina.knowledge.models import Answer, Question
from officina.knowledge.selectors import visible_questions

if TYPE_CHECKING:
    from officina.accounts.models import Member


def access_question_by_id(viewer: Member, question_id: int) -> Question:
    question = (
        visible_questions(viewer)
        .select_related("author", "space", "accepted_answer")
        .filter(pk=question_id)
        .first()
    )
    if question is None:
        raise OfficinaError(_("Question not found."), ErrorCode.NOT_FOUND)
    return question


def access_answer_by_id(viewer: Member, answer_id: int) -> Answer:
    """An answer is visible exactly when its question is."""
    answer = (
        Answer.objects.select_related("author", "question", "question__author")
        .filter(pk=answer_id, question__in=visible_questions(viewer))
        .first()
    )
    if answer is None:
        raise OfficinaError(_("Answer not found."), ErrorCode.NOT_FOUND)
    return answer
