"""/api/questions and /api/answers: ask, answer, vote, accept."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from officina.accounts.access import access_space_by_slug
from officina.accounts.selectors import visible_member_by_id
from officina.accounts.signed_in import signed_in_member
from officina.api.schemas import (
    COMMON_ERRORS,
    NOT_BLANK,
    BodyIn,
    ErrorOut,
    MemberRef,
    SkillOut,
    SpaceRef,
    Text,
    enforced_by_the_action,
    member_ref,
    skill_out,
)
from officina.api.schemas import translated_when_shown as _
from officina.core.errors import ErrorCode, OfficinaError
from officina.knowledge.access import access_answer_by_id, access_question_by_id
from officina.knowledge.actions import (
    ANSWER_MIN_LENGTH,
    MAX_TAGS,
    TITLE_MAX_LENGTH,
    TITLE_MIN_LENGTH,
    check_accept_answer,
    check_answer_question,
    check_ask_question,
    check_unaccept_answer,
    check_vote,
)
from officina.knowledge.selectors import member_votes_on_question, question_answers, question_list
from officina.matchmaking.actions import check_invite_to_answer
from officina.matchmaking.selectors import experts_for_question
from officina.skills.selectors import skills_by_slugs

if TYPE_CHECKING:
    from officina.knowledge.models import Answer, Question

questions_router = Router(tags=["questions"])
answers_router = Router(tags=["questions"])
QUESTIONS_PER_PAGE = 20


class QuestionFilters(Schema):
    tag: Text = Field("", max_length=80, description="a skill slug")
    unanswered: bool = False
    q: Text = Field("", max_length=200, description="words of the title or details")
    page: int = Field(1, ge=1, le=100_000)


class QuestionOut(Schema):
    id: int
    title: str
    author: MemberRef
    tags: list[SkillOut]
    visibility: str
    space: SpaceRef | None
    score: int
    answer_count: int
    accepted_answer_id: int | None
    created_at: datetime


class QuestionList(Schema):
    page: int
    pages: int
    count: int
    questions: list[QuestionOut]


class AnswerOut(Schema):
    id: int
    author: MemberRef
    body: str
    score: int
    accepted: bool
    my_vote: int
    created_at: datetime


class QuestionDetail(QuestionOut):
    body: str
    my_vote: int
    answers: list[AnswerOut]


class QuestionIn(BodyIn):
    title: Text = Field(
        min_length=1,
        max_length=TITLE_MAX_LENGTH,
        json_schema_extra=enforced_by_the_action(minLength=TITLE_MIN_LENGTH, pattern=NOT_BLANK),
    )
    body: Text = Field(
        min_length=1, max_length=10_000, json_schema_extra=enforced_by_the_action(pattern=NOT_BLANK)
    )
    tags: list[Text] = Field(default_factory=list, max_length=MAX_TAGS, description="skill slugs")
    space: Text | None = Field(
        None, max_length=140, description="space slug; the community if null"
    )


class AnswerIn(BodyIn):
    body: Text = Field(
        min_length=1,
        max_length=10_000,
        json_schema_extra=enforced_by_the_action(minLength=ANSWER_MIN_LENGTH, pattern=NOT_BLANK),
    )


class VoteIn(BodyIn):
    value: Literal[1, -1] = Field(description="1 up, -1 down; the same vote again takes it back")


class ScoreOut(Schema):
    score: int


def question_out(question: Question) -> QuestionOut:
    return QuestionOut(
        id=question.pk,
        title=question.title,
        author=member_ref(question.author),
        tags=[skill_out(skill) for skill in question.tags.all()],
        visibility=question.visibility,
        space=SpaceRef(slug=question.space.slug, name=question.space.name)
        if question.space
        else None,
        score=question.score,
        answer_count=question.answer_count,
        accepted_answer_id=question.accepted_answer_id,
        created_at=question.created_at,
    )


def _detail(request: HttpRequest, question_id: int) -> QuestionDetail:
    viewer = signed_in_member(request)
    question = access_question_by_id(viewer, question_id)
    votes = member_votes_on_question(viewer, question)
    return QuestionDetail(
        **question_out(question).dict(),
        body=question.body,
        my_vote=votes.get("q", 0),
        answers=[_answer_out(answer, votes) for answer in question_answers(question)],
    )


def _answer_out(answer: Answer, votes: dict[str, int]) -> AnswerOut:
    return AnswerOut(
        id=answer.pk,
        author=member_ref(answer.author),
        body=answer.body,
        score=answer.score,
        accepted=bool(getattr(answer, "is_accepted", False)),
        my_vote=votes.get(f"a{answer.pk}", 0),
        created_at=answer.created_at,
    )


@questions_router.get(
    "", response={200: QuestionList, **COMMON_ERRORS}, summary=_("Questions, newest first")
)
def list_questions(request: HttpRequest, filters: Query[QuestionFilters]) -> QuestionList:
    listing = question_list(
        signed_in_member(request),
        tag=filters.tag,
        unanswered=filters.unanswered,
        query=filters.q,
    )
    page = Paginator(listing, QUESTIONS_PER_PAGE).get_page(filters.page)
    return QuestionList(
        page=page.number,
        pages=page.paginator.num_pages,
        count=page.paginator.count,
        questions=[question_out(question) for question in page],
    )


@questions_router.post(
    "",
    response={201: QuestionDetail, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Ask a question, to the community or to a space"),
)
def ask_question(request: HttpRequest, payload: QuestionIn) -> Status[QuestionDetail]:
    member = signed_in_member(request)
    tags = skills_by_slugs(payload.tags)
    unknown = set(payload.tags) - {skill.slug for skill in tags}
    if unknown:
        raise OfficinaError(
            _("Unknown skill: %(slugs)s") % {"slugs": ", ".join(sorted(unknown))},
            ErrorCode.INVALID_INPUT,
            field="tags",
        )
    space = access_space_by_slug(member, payload.space, as_member=True) if payload.space else None
    question = check_ask_question(
        member,
        title=payload.title,
        body=payload.body,
        tags=tags,
        space=space,
    )
    return Status(201, _detail(request, question.pk))


@questions_router.get(
    "/{question_id}",
    response={200: QuestionDetail, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("A question with its answers: the accepted one first, then by score"),
)
def get_question(request: HttpRequest, question_id: int) -> QuestionDetail:
    return _detail(request, question_id)


@questions_router.post(
    "/{question_id}/answers",
    response={201: AnswerOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Answer a question"),
)
def answer_question(request: HttpRequest, question_id: int, payload: AnswerIn) -> Status[AnswerOut]:
    member = signed_in_member(request)
    question = access_question_by_id(member, question_id)
    answer = check_answer_question(member, question, body=payload.body)
    return Status(201, _answer_out(answer, {}))


@questions_router.post(
    "/{question_id}/vote",
    response={200: ScoreOut, 403: ErrorOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Vote a question up or down"),
)
def vote_question(request: HttpRequest, question_id: int, payload: VoteIn) -> ScoreOut:
    member = signed_in_member(request)
    question = access_question_by_id(member, question_id)
    return ScoreOut(score=check_vote(member, question, payload.value))


@questions_router.delete(
    "/{question_id}/accepted",
    response={200: QuestionDetail, 403: ErrorOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Withdraw the acceptance (the asker only)"),
)
def unaccept(request: HttpRequest, question_id: int) -> QuestionDetail:
    member = signed_in_member(request)
    question = access_question_by_id(member, question_id)
    check_unaccept_answer(member, question)
    return _detail(request, question_id)


@answers_router.post(
    "/{answer_id}/vote",
    response={200: ScoreOut, 403: ErrorOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Vote an answer up or down"),
)
def vote_answer(request: HttpRequest, answer_id: int, payload: VoteIn) -> ScoreOut:
    member = signed_in_member(request)
    answer = access_answer_by_id(member, answer_id)
    return ScoreOut(score=check_vote(member, answer, payload.value))


@answers_router.post(
    "/{answer_id}/accept",
    response={200: QuestionDetail, 403: ErrorOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Accept an answer (the asker only); its author gains skill evidence"),
)
def accept_answer(request: HttpRequest, answer_id: int) -> QuestionDetail:
    member = signed_in_member(request)
    answer = access_answer_by_id(member, answer_id)
    question = check_accept_answer(member, answer)
    return _detail(request, question.pk)


class ExpertOut(Schema):
    member: MemberRef
    reasons: list[str] = Field(description="why, in the reader's language")
    invited: bool


class InvitationIn(BodyIn):
    member_id: int = Field(ge=1, le=2**63 - 1)


@questions_router.get(
    "/{question_id}/experts",
    response={200: list[ExpertOut], 403: ErrorOut, 404: ErrorOut, **COMMON_ERRORS},
    summary=_("Who could answer, best first, with reasons (the asker only)"),
)
def question_experts(request: HttpRequest, question_id: int) -> list[ExpertOut]:
    member = signed_in_member(request)
    question = access_question_by_id(member, question_id)
    if question.author_id != member.pk:
        raise OfficinaError(_("Only the asker sees who could answer."), ErrorCode.PERMISSION_DENIED)
    return [
        ExpertOut(member=member_ref(each.member), reasons=each.reasons, invited=each.invited)
        for each in experts_for_question(question, member)
    ]


@questions_router.post(
    "/{question_id}/invitations",
    response={201: MemberRef, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, **COMMON_ERRORS},
    summary=_("Invite a member to answer (the asker only); they get a notification"),
)
def invite_to_answer(
    request: HttpRequest, question_id: int, payload: InvitationIn
) -> Status[MemberRef]:
    member = signed_in_member(request)
    question = access_question_by_id(member, question_id)
    invited = visible_member_by_id(payload.member_id)
    if invited is None:
        raise OfficinaError(_("Member not found."), ErrorCode.NOT_FOUND)
    check_invite_to_answer(member, question, invited)
    return Status(201, member_ref(invited))
