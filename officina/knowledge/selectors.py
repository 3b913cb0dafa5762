"""Reads on questions and answers; every list starts from what the viewer may see."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Case, FloatField, IntegerField, Q, QuerySet, Sum, Value, When

from officina.accounts.selectors import may_see_members, member_space_ids
from officina.knowledge.kinds import Visibility
from officina.knowledge.models import Answer, Question, Vote
from officina.skills.selectors import all_skills

if TYPE_CHECKING:
    from officina.accounts.models import Member
    from officina.skills.models import Skill

MAX_QUERY_LENGTH = 200


def visible_questions_filter(viewer: Member) -> Q:
    """A question is seen by the whole community, or only by members of its space."""
    if not may_see_members(viewer):
        return Q(pk__in=[])
    if viewer.is_superuser:
        return Q()
    return Q(visibility=Visibility.COMMUNITY) | Q(
        visibility=Visibility.SPACE,
        space_id__in=member_space_ids(viewer),
    )


def visible_questions(viewer: Member) -> QuerySet[Question]:
    return Question.objects.filter(visible_questions_filter(viewer))


def may_see_question(member: Member, question: Question) -> bool:
    return visible_questions(member).filter(pk=question.pk).exists()


def question_list(
    viewer: Member,
    *,
    tag: str = "",
    unanswered: bool = False,
    query: str = "",
) -> QuerySet[Question]:
    """Newest first; ``tag`` is a skill slug, ``query`` matches words of title or details."""
    questions = (
        visible_questions(viewer)
        .select_related("author", "space", "accepted_answer")
        .prefetch_related("tags")
    )
    if tag:
        questions = questions.filter(tags__slug=tag)
    if unanswered:
        questions = questions.filter(answer_count=0)
    for word in query[:MAX_QUERY_LENGTH].split()[:8]:
        questions = questions.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return questions.order_by("-created_at", "-id")


def question_answers(question: Question) -> QuerySet[Answer]:
    """The accepted answer first, then by score, then oldest first."""
    accepted_id = question.accepted_answer_id
    return (
        Answer.objects.filter(question=question)
        .select_related("author")
        .annotate(
            is_accepted=Case(
                When(pk=accepted_id, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-is_accepted", "-score", "created_at", "id")
    )


def member_votes_on_question(viewer: Member, question: Question) -> dict[str, int]:
    """The viewer's votes on a question page: ``{"q": value, "a<id>": value}``."""
    if not viewer.is_authenticated:
        return {}
    votes: dict[str, int] = {}
    for question_id, answer_id, value in (
        Vote.objects.filter(voter=viewer)
        .filter(Q(question=question) | Q(answer__question=question))
        .values_list("question_id", "answer_id", "value")
    ):
        votes["q" if question_id else f"a{answer_id}"] = value
    return votes


def question_skills(limit: int = 30) -> list[Skill]:
    """Skills that tag at least one question, for the list's filter."""
    return list(all_skills().filter(questions__isnull=False).distinct().order_by("name_en")[:limit])


def questions_to_index() -> QuerySet[Question]:
    """Every question with its tags, for the search index (which filters by viewer later)."""
    return Question.objects.prefetch_related("tags")


@dataclass(frozen=True, slots=True)
class AnswerEvidence:
    """One answer as evidence of what its author knows: the question it answers (title,
    details, tags), its own text, and whether the asker accepted it."""

    member_id: int
    question_id: int
    title: str
    details: str
    tag_ids: tuple[int, ...]
    answer: str
    accepted: bool


def answer_evidence(
    *, member_ids: Sequence[int] = (), question_id: int | None = None
) -> list[AnswerEvidence]:
    """The answers of these members, or to this question, on questions the whole community
    sees (a space's questions stay in the space, so they are nobody's public evidence)."""
    answers = Answer.objects.filter(question__visibility=Visibility.COMMUNITY)
    if question_id is not None:
        answers = answers.filter(question_id=question_id)
    else:
        answers = answers.filter(author_id__in=list(member_ids))
    rows = list(
        answers.values_list(
            "author_id",
            "question_id",
            "question__title",
            "question__body",
            "body",
            "question__accepted_answer_id",
            "pk",
        )
    )
    question_ids = {row[1] for row in rows}
    tags: dict[int, list[int]] = {}
    for tagged_question_id, skill_id in Question.tags.through.objects.filter(
        question_id__in=question_ids
    ).values_list("question_id", "skill_id"):
        tags.setdefault(tagged_question_id, []).append(skill_id)
    return [
        AnswerEvidence(
            member_id=author_id,
            question_id=answered_id,
            title=title,
            details=details,
            tag_ids=tuple(sorted(tags.get(answered_id, []))),
            answer=body,
            accepted=accepted_id == answer_id,
        )
        for author_id, answered_id, title, details, body, accepted_id, answer_id in rows
    ]


def answerer_ids(question_id: int) -> set[int]:
    """Who answered the question (each once)."""
    return set(Answer.objects.filter(question_id=question_id).values_list("author_id", flat=True))


def answer_activity(
    periods: Sequence[tuple[datetime, float]],
    before: datetime,
    *,
    leave_out_question_id: int | None = None,
    top: int | None = None,
    among: Collection[int] = (),
) -> dict[int, float]:
    """How much each member answered lately, on questions the whole community sees: each
    answer given before ``before`` weighs the weight of the first of ``periods`` (their
    starts, newest first) it falls in; older ones weigh nothing. The ``top`` most active,
    most active first, or the members ``among``. Only the answers in the periods are
    read (the index on the answers' dates), however old the community is."""
    if not periods:
        return {}
    # The months' answers are read by date (the index on the answers' dates, covering
    # their author and question); the few questions of spaces are looked up and left
    # out, rather than every question joined, which reads all of a community's past.
    answers = Answer.objects.filter(created_at__lt=before, created_at__gte=periods[-1][0]).exclude(
        question_id__in=Question.objects.filter(visibility=Visibility.SPACE).values("pk")
    )
    if leave_out_question_id is not None:
        answers = answers.exclude(question_id=leave_out_question_id)
    if among:
        answers = answers.filter(author_id__in=list(among))
    weight = Case(
        *(When(created_at__gte=start, then=Value(float(worth))) for start, worth in periods),
        default=Value(0.0),
        output_field=FloatField(),
    )
    rows = (
        answers.values("author_id")
        .annotate(activity=Sum(weight))
        .order_by("-activity", "author_id")
        .values_list("author_id", "activity")
    )
    if top is not None:
        rows = rows[:top]
    return {author_id: float(activity) for author_id, activity in rows if activity}


def question_ids_tagged(skill_id: int) -> list[int]:
    """The questions tagged with the skill: their documents show its names."""
    return list(
        Question.tags.through.objects.filter(skill_id=skill_id).values_list(
            "question_id", flat=True
        )
    )


def question_tag_ids(question: Question) -> list[int]:
    return list(
        Question.tags.through.objects.filter(question_id=question.pk).values_list(
            "skill_id", flat=True
        )
    )


@dataclass(frozen=True, slots=True)
class Helped:
    """``answerer`` answered ``questions`` of ``asker``'s questions; ``tag_id`` is the
    skill those questions were tagged with most often (None: untagged)."""

    asker_id: int
    answerer_id: int
    questions: int
    tag_id: int | None


def help_around(member_id: int) -> list[Helped]:
    """Who answered this member's questions, and whose questions they answered: both
    sides know of these answers, whatever the question's visibility. Two queries."""
    # Two indexed reads in one UNION (the answers to their questions, their answers): an
    # OR across the join read every answer in the community.
    fields = ("question__author_id", "author_id", "question_id")
    to_them = (
        Answer.objects.filter(question__author_id=member_id)
        .exclude(author_id=member_id)
        .order_by()
        .values_list(*fields)
    )
    by_them = (
        Answer.objects.filter(author_id=member_id)
        .exclude(question__author_id=member_id)
        .order_by()
        .values_list(*fields)
    )
    rows = list(to_them.union(by_them))
    tags: dict[int, list[int]] = {}
    for question_id, skill_id in Question.tags.through.objects.filter(
        question_id__in={row[2] for row in rows}
    ).values_list("question_id", "skill_id"):
        tags.setdefault(question_id, []).append(skill_id)
    questions: dict[tuple[int, int], set[int]] = {}
    tag_counts: dict[tuple[int, int], Counter[int]] = {}
    for asker_id, answerer_id, question_id in rows:
        questions.setdefault((asker_id, answerer_id), set()).add(question_id)
        tag_counts.setdefault((asker_id, answerer_id), Counter()).update(tags.get(question_id, []))
    return [
        Helped(
            asker_id,
            answerer_id,
            len(answered),
            min(tag_counts[(asker_id, answerer_id)].items(), key=lambda pair: (-pair[1], pair[0]))[
                0
            ]
            if tag_counts[(asker_id, answerer_id)]
            else None,
        )
        for (asker_id, answerer_id), answered in sorted(questions.items())
    ]


def accepted_questions_seen_by(viewer: Member, answer_ids: Sequence[int]) -> dict[int, Question]:
    """answer id → its question, for the answers that are still their question's
    accepted answer and whose question ``viewer`` may see (a space's questions stay in
    the space), in one query."""
    questions = visible_questions(viewer).filter(accepted_answer_id__in=list(answer_ids))
    return {
        question.accepted_answer_id: question
        for question in questions.only("pk", "title", "accepted_answer_id")
        if question.accepted_answer_id is not None
    }
