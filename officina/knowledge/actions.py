"""Writes on questions, answers and votes.

``check_*`` validate and then call the matching ``do_*``, which only makes
the change, atomically. Votes and acceptances lock the row they change so
that two clicks at the same moment cannot count twice or accept two answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from officina.accounts.access import is_space_member
from officina.core.errors import ErrorCode, OfficinaError
from officina.knowledge.kinds import Visibility
from officina.knowledge.models import Answer, Question, Vote
from officina.notifications.actions import Notice, do_notify, do_notify_many
from officina.skills.actions import do_record_skill_evidence, do_withdraw_skill_evidence
from officina.skills.kinds import EvidenceSource

if TYPE_CHECKING:
    from officina.accounts.models import Member, Space
    from officina.skills.models import Skill

TITLE_MIN_LENGTH = 10
TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 10_000
ANSWER_MIN_LENGTH = 2
MAX_TAGS = 5


def _clean_text(text: str, *, field: str, min_length: int, max_length: int) -> str:
    text = (text or "").strip()
    if len(text) < min_length:
        raise OfficinaError.invalid_input(
            _("Write at least %(count)d characters.") % {"count": min_length}, field=field
        )
    if len(text) > max_length:
        raise OfficinaError.invalid_input(
            _("Write at most %(count)d characters.") % {"count": max_length}, field=field
        )
    return text


def check_ask_question(
    author: Member,
    *,
    title: str,
    body: str,
    tags: Iterable[Skill] = (),
    space: Space | None = None,
    at: datetime | None = None,
) -> Question:
    """Ask; ``at`` back-dates the question (imports from an earlier board)."""
    title = _clean_text(
        title, field="title", min_length=TITLE_MIN_LENGTH, max_length=TITLE_MAX_LENGTH
    )
    body = _clean_text(body, field="body", min_length=1, max_length=BODY_MAX_LENGTH)
    tag_list = list(dict.fromkeys(tags))
    if len(tag_list) > MAX_TAGS:
        raise OfficinaError.invalid_input(
            _("Choose at most %(count)d skills.") % {"count": MAX_TAGS}, field="tags"
        )
    if space is not None and not is_space_member(author, space):
        raise OfficinaError.invalid_input(
            _("You can only ask in a space you belong to."), field="space"
        )
    return do_ask_question(author, title=title, body=body, tags=tag_list, space=space, at=at)


@transaction.atomic
def do_ask_question(
    author: Member,
    *,
    title: str,
    body: str,
    tags: list[Skill],
    space: Space | None,
    at: datetime | None = None,
) -> Question:
    question = Question.objects.create(
        author=author,
        title=title,
        body=body,
        visibility=Visibility.SPACE if space else Visibility.COMMUNITY,
        space=space,
    )
    question.tags.set(tags)
    if at is not None:
        _back_date(question, at)
    return question


def _back_date(row: Question | Answer, at: datetime) -> None:
    # created_at is set on insert whatever the row says: an import dates it afterwards.
    type(row).objects.filter(pk=row.pk).update(created_at=at)
    row.created_at = at


def check_answer_question(
    author: Member, question: Question, *, body: str, at: datetime | None = None
) -> Answer:
    """Answer; ``at`` back-dates the answer (imports), and it must follow the question."""
    body = _clean_text(body, field="body", min_length=ANSWER_MIN_LENGTH, max_length=BODY_MAX_LENGTH)
    if at is not None and at < question.created_at:
        raise OfficinaError.invalid_input(
            _("An answer cannot come before its question."), field="at"
        )
    return do_answer_question(author, question, body=body, at=at)


@transaction.atomic
def do_answer_question(
    author: Member, question: Question, *, body: str, at: datetime | None = None
) -> Answer:
    answer = Answer.objects.create(question=question, author=author, body=body)
    if at is not None:
        _back_date(answer, at)
    Question.objects.filter(pk=question.pk).update(answer_count=F("answer_count") + 1)
    question.refresh_from_db(fields=["answer_count"])
    if question.author_id != author.pk:
        notice = Notice(
            question.author,
            "knowledge.answer",
            _("%(name)s answered your question “%(title)s”."),
            author,
            answer.get_absolute_url(),
            at,
            params={"name": author.display_name, "title": question.title},
        )
        do_notify_many([notice])
    return answer


def check_vote(voter: Member, target: Question | Answer, value: int) -> int:
    """Vote +1 or -1; repeating the same vote takes it back (0). Returns the new score."""
    if value not in (1, -1):
        raise OfficinaError.invalid_input(_("A vote is up or down."), field="value")
    if target.author_id == voter.pk:
        raise OfficinaError(_("You cannot vote on what you wrote."), ErrorCode.PERMISSION_DENIED)
    return do_vote(voter, target, value)


@transaction.atomic
def do_vote(voter: Member, target: Question | Answer, value: int) -> int:
    model = type(target)
    # The row lock serialises concurrent votes on the same target, so the
    # stored score always equals the sum of the votes.
    locked = model.objects.select_for_update().get(pk=target.pk)
    target_filter = {"question": locked} if isinstance(locked, Question) else {"answer": locked}
    existing = Vote.objects.filter(voter=voter, **target_filter).first()
    delta = value
    if existing is None:
        Vote.objects.create(voter=voter, value=value, **target_filter)
    elif existing.value == value:
        existing.delete()
        delta = -value
    else:
        existing.value = value
        existing.save(update_fields=["value"])
        delta = 2 * value
    model.objects.filter(pk=locked.pk).update(score=F("score") + delta)
    target.score = locked.score + delta
    return target.score


def check_accept_answer(member: Member, answer: Answer) -> Question:
    """Only the asker accepts, and not their own answer (it would be evidence for themselves)."""
    question = answer.question
    if question.author_id != member.pk:
        raise OfficinaError(
            _("Only the person who asked can accept an answer."), ErrorCode.PERMISSION_DENIED
        )
    if answer.author_id == member.pk:
        raise OfficinaError(_("You cannot accept your own answer."), ErrorCode.PERMISSION_DENIED)
    return do_accept_answer(answer)


@transaction.atomic
def do_accept_answer(answer: Answer) -> Question:
    """Accept ``answer`` (replacing any earlier choice); its author gains skill evidence."""
    question = Question.objects.select_for_update().get(pk=answer.question_id)
    previous_id = question.accepted_answer_id
    if previous_id == answer.pk:
        return question
    tags = list(question.tags.all())
    if previous_id is not None:
        do_withdraw_skill_evidence(EvidenceSource.ACCEPTED_ANSWER, previous_id)
    question.accepted_answer = answer
    question.save(update_fields=["accepted_answer", "updated_at"])
    answerer = answer.author
    do_record_skill_evidence(
        answerer,
        tags,
        EvidenceSource.ACCEPTED_ANSWER,
        answer.pk,
        url=answer.get_absolute_url(),
    )
    do_notify(
        answerer,
        "knowledge.accepted",
        actor=question.author,
        text=_("%(name)s accepted your answer to “%(title)s”."),
        url=answer.get_absolute_url(),
        params={"name": question.author.display_name, "title": question.title},
    )
    return question


def check_unaccept_answer(member: Member, question: Question) -> Question:
    if question.author_id != member.pk:
        raise OfficinaError(
            _("Only the person who asked can change the accepted answer."),
            ErrorCode.PERMISSION_DENIED,
        )
    return do_unaccept_answer(question)


@transaction.atomic
def do_unaccept_answer(question: Question) -> Question:
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.accepted_answer_id is None:
        return question
    do_withdraw_skill_evidence(EvidenceSource.ACCEPTED_ANSWER, question.accepted_answer_id)
    question.accepted_answer = None
    question.save(update_fields=["accepted_answer", "updated_at"])
    return question
