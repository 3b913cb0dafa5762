"""Question pages: the list, asking, a question with its answers, votes and acceptance."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from officina.accounts.signed_in import signed_in_member
from officina.core.errors import ErrorCode, OfficinaError
from officina.core.form_errors import show_error_on_form
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
from officina.matchmaking.selectors import experts_for_question
from officina.skills.selectors import skills_by_slugs

QUESTIONS_PER_PAGE = 20


@login_required
def questions(request: HttpRequest) -> HttpResponse:
    filters = QuestionFilterForm(request.GET)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    listing = question_list(
        signed_in_member(request),
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
    member = signed_in_member(request)
    form = QuestionForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            question = check_ask_question(
                member,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                tags=form.cleaned_data["tags"],
                space=form.cleaned_data["space"],
            )
        except OfficinaError as error:
            show_error_on_form(form, error)
        else:
            messages.success(request, _("Your question is published."))
            return redirect(question)
    status = 400 if request.method == "POST" else 200
    return render(request, "knowledge/ask.html", {"form": form}, status=status)


def _question_page(
    request: HttpRequest, question: Question, answer_form: AnswerForm, status: int = 200
) -> HttpResponse:
    member = signed_in_member(request)
    votes = member_votes_on_question(member, question)
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
            "experts": experts_for_question(question, member),
        },
        status=status,
    )


@login_required
def question_detail(request: HttpRequest, pk: int) -> HttpResponse:
    question = access_question_by_id(signed_in_member(request), pk)
    return _question_page(request, question, AnswerForm())


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    member = signed_in_member(request)
    question = access_question_by_id(member, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            new_answer = check_answer_question(member, question, body=form.cleaned_data["body"])
        except OfficinaError as error:
            show_error_on_form(form, error, default_field="body")
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


def _act_and_return(
    request: HttpRequest, question: Question, act: Callable[[], object], done: str = ""
) -> HttpResponse:
    """Do ``act``, then back to the question, where what stopped it shows as a message,
    and ``done``, when given, says that it worked."""
    try:
        act()
    except OfficinaError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise
        messages.error(request, str(error.message))
    else:
        if done:
            messages.success(request, done)
    return redirect(question)


def _vote_on(request: HttpRequest, target: Question | Answer) -> HttpResponse:
    """Cast the member's vote on ``target``, then back to its question."""
    value = _vote_value(request)
    question = target if isinstance(target, Question) else target.question
    return _act_and_return(
        request, question, lambda: check_vote(signed_in_member(request), target, value)
    )


@login_required
@require_POST
def vote_question(request: HttpRequest, pk: int) -> HttpResponse:
    return _vote_on(request, access_question_by_id(signed_in_member(request), pk))


@login_required
@require_POST
def vote_answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _vote_on(request, access_answer_by_id(signed_in_member(request), pk))


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    member = signed_in_member(request)
    target = access_answer_by_id(member, pk)
    done = _(
        "You accepted %(name)s's answer: it is marked for everyone and counts on their profile."
    ) % {"name": target.author.display_name}
    return _act_and_return(
        request, target.question, lambda: check_accept_answer(member, target), done
    )


@login_required
@require_POST
def unaccept(request: HttpRequest, pk: int) -> HttpResponse:
    member = signed_in_member(request)
    question = access_question_by_id(member, pk)
    return _act_and_return(
        request,
        question,
        lambda: check_unaccept_answer(member, question),
        _("The answer is no longer accepted."),
    )
