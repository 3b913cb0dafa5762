"""Question pages: the list, asking, a question with its answers, votes and acceptance."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from officina.core.errors import ErrorCode, OfficinaError
from officina.knowledge.access import access_answer_by_id, access_question_by_id
from officina.knowledge.actions import (
    check_accept_answer,
    check_answer_question,
    check_ask_question,
    check_unaccept_answer,
    check_vote,
)
from officina.knowledge.forms import AnswerForm, QuestionFilterForm, QuestionForm
from officina.knowledge.models import Answer, Question
from officina.knowledge.selectors import (
    member_votes_on_question,
    question_answers,
    question_list,
    question_skills,
)
from officina.skills.selectors import skills_by_slugs

QUESTIONS_PER_PAGE = 20


def _not_found(error: OfficinaError) -> Http404:
    return Http404(error.message)


@login_required
def questions(request: HttpRequest) -> HttpResponse:
    filters = QuestionFilterForm(request.GET)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    listing = question_list(
        request.user,  # type: ignore[arg-type]
        tag=cleaned.get("tag") or "",
        unanswered=bool(cleaned.get("unanswered")),
        query=cleaned.get("q") or "",
    )
    page = Paginator(listing, QUESTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "knowledge/questions.html",
        {
            "page": page,
            "filters": filters,
            "tag": next(iter(skills_by_slugs([cleaned["tag"]])), None)
            if cleaned.get("tag")
            else None,
            "popular_tags": question_skills(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    member = request.user
    form = QuestionForm(request.POST or None, member=member)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        try:
            question = check_ask_question(
                member,  # type: ignore[arg-type]
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                tags=form.cleaned_data["tags"],
                space=form.cleaned_data["space"],
            )
        except OfficinaError as error:
            field = error.details.get("field")
            form.add_error(field if isinstance(field, str) else None, str(error.message))
        else:
            messages.success(request, _("Your question is published."))
            return redirect(question)
    status = 400 if request.method == "POST" else 200
    return render(request, "knowledge/ask.html", {"form": form}, status=status)


def _question_page(
    request: HttpRequest, question: Question, answer_form: AnswerForm, status: int = 200
) -> HttpResponse:
    member = request.user
    votes = member_votes_on_question(member, question)  # type: ignore[arg-type]
    answers = list(question_answers(question))
    for each in answers:
        each.my_vote = votes.get(f"a{each.pk}", 0)  # type: ignore[attr-defined]
        each.is_own = each.author_id == member.pk  # type: ignore[attr-defined]
    return render(
        request,
        "knowledge/question.html",
        {
            "question": question,
            "tags": list(question.tags.all()),
            "answers": answers,
            "votes": votes,
            "answer_form": answer_form,
            "is_asker": question.author_id == member.pk,
        },
        status=status,
    )


@login_required
def question_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        question = access_question_by_id(request.user, pk)  # type: ignore[arg-type]
    except OfficinaError as error:
        raise _not_found(error) from error
    return _question_page(request, question, AnswerForm())


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        question = access_question_by_id(request.user, pk)  # type: ignore[arg-type]
    except OfficinaError as error:
        raise _not_found(error) from error
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            new_answer = check_answer_question(
                request.user,  # type: ignore[arg-type]
                question,
                body=form.cleaned_data["body"],
            )
        except OfficinaError as error:
            form.add_error("body", str(error.message))
        else:
            messages.success(request, _("Thank you: your answer is published."))
            return redirect(new_answer.get_absolute_url())
    return _question_page(request, question, form, status=400)


def _vote_value(request: HttpRequest) -> int:
    direction = request.POST.get("direction")
    if direction == "up":
        return 1
    if direction == "down":
        return -1
    raise OfficinaError(_("A vote is up or down."), ErrorCode.INVALID_INPUT)


def _act_and_return(request: HttpRequest, question: Question, act: object) -> HttpResponse:
    try:
        act()  # type: ignore[operator]
    except OfficinaError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise _not_found(error) from error
        messages.error(request, str(error.message))
    return redirect(question)


def _vote_on(request: HttpRequest, look_up: Callable[[], Question | Answer]) -> HttpResponse:
    """Cast the member's vote on what ``look_up`` finds, then back to its question."""
    try:
        target = look_up()
        value = _vote_value(request)
    except OfficinaError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise _not_found(error) from error
        return HttpResponseBadRequest(str(error.message))
    question = target if isinstance(target, Question) else target.question
    return _act_and_return(
        request,
        question,
        lambda: check_vote(request.user, target, value),  # type: ignore[arg-type]
    )


@login_required
@require_POST
def vote_question(request: HttpRequest, pk: int) -> HttpResponse:
    return _vote_on(request, lambda: access_question_by_id(request.user, pk))  # type: ignore[arg-type]


@login_required
@require_POST
def vote_answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _vote_on(request, lambda: access_answer_by_id(request.user, pk))  # type: ignore[arg-type]


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        target = access_answer_by_id(request.user, pk)  # type: ignore[arg-type]
    except OfficinaError as error:
        raise _not_found(error) from error
    return _act_and_return(
        request,
        target.question,
        lambda: check_accept_answer(request.user, target),  # type: ignore[arg-type]
    )


@login_required
@require_POST
def unaccept(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        question = access_question_by_id(request.user, pk)  # type: ignore[arg-type]
    except OfficinaError as error:
        raise _not_found(error) from error
    return _act_and_return(
        request,
        question,
        lambda: check_unaccept_answer(request.user, question),  # type: ignore[arg-type]
    )
