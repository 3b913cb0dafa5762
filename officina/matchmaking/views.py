"""Matchmaking pages and buttons: inviting a suggested expert to answer a question; people
to meet, here today, and introductions; a team for a set of skills."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from officina.accounts.selectors import may_see_members, visible_member_by_id
from officina.accounts.signed_in import signed_in_member
from officina.core.errors import ErrorCode, OfficinaError
from officina.knowledge.access import access_question_by_id
from officina.matchmaking.access import access_introduction_by_id
from officina.matchmaking.actions import (
    check_answer_introduction,
    check_ask_introduction,
    check_decline_suggestion,
    check_invite_to_answer,
    do_record_shown,
)
from officina.matchmaking.cards import introduction_cards, suggestion_cards
from officina.matchmaking.forms import TeamForm
from officina.matchmaking.kinds import IntroductionStatus
from officina.matchmaking.people import here_today, introductions_of, people_to_meet
from officina.matchmaking.teams import suggest_team

if TYPE_CHECKING:
    from officina.accounts.models import Member


@login_required
@require_POST
def invite_to_answer(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    asker = signed_in_member(request)
    question = access_question_by_id(asker, pk)
    member = visible_member_by_id(member_id)
    if member is None:
        raise OfficinaError(_("Member not found."), ErrorCode.NOT_FOUND)
    try:
        check_invite_to_answer(asker, question, member)
    except OfficinaError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("%(name)s is invited to answer.") % {"name": member.display_name}
        )
    return redirect(f"{question.get_absolute_url()}#experts")


# People to meet and introductions ------------------------------------------------------


@login_required
def people(request: HttpRequest) -> HttpResponse:
    viewer = signed_in_member(request)
    suggestions = people_to_meet(viewer)
    today = here_today(viewer)
    introductions = introductions_of(viewer)
    context = {
        "suggestions": suggestion_cards(viewer, suggestions),
        "here_today": today,
        "here_today_cards": suggestion_cards(viewer, today.suggestions) if today else [],
        "requests": introduction_cards(viewer, introductions.requests),
        "asked": introduction_cards(viewer, introductions.asked),
        "introduced": introduction_cards(viewer, introductions.introduced),
    }
    response = render(request, "matchmaking/people.html", context)
    do_record_shown(viewer, [each.member.pk for each in suggestions])
    return response


def _other_member(member_id: int) -> Member:
    member = visible_member_by_id(member_id)
    if member is None:
        raise OfficinaError(_("Member not found."), ErrorCode.NOT_FOUND)
    return member


def _back(request: HttpRequest, anchor: str) -> HttpResponse:
    return redirect(f"{reverse('matchmaking:people')}#{anchor}")


@login_required
@require_POST
def ask_introduction(request: HttpRequest, member_id: int) -> HttpResponse:
    viewer = signed_in_member(request)
    other = _other_member(member_id)
    try:
        introduction = check_ask_introduction(viewer, other)
    except OfficinaError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise
        messages.error(request, str(error.message))
        return _back(request, "people")
    if introduction.status == IntroductionStatus.ACCEPTED:
        messages.success(
            request,
            _("You and %(name)s are introduced: a conversation is open.")
            % {"name": other.display_name},
        )
        return _back(request, "introduced")
    messages.success(
        request,
        _("Asked. If %(name)s accepts too, you will be introduced.") % {"name": other.display_name},
    )
    return _back(request, "asked")


@login_required
@require_POST
def decline_suggestion(request: HttpRequest, member_id: int) -> HttpResponse:
    viewer = signed_in_member(request)
    check_decline_suggestion(viewer, _other_member(member_id))
    messages.success(request, _("Done: you will not be suggested to each other again."))
    return _back(request, "people")


@login_required
@require_POST
def answer_introduction(request: HttpRequest, pk: int, answer: str) -> HttpResponse:
    viewer = signed_in_member(request)
    introduction = access_introduction_by_id(viewer, pk)
    try:
        check_answer_introduction(viewer, introduction, accept=answer == "accept")
    except OfficinaError as error:
        if error.code == ErrorCode.NOT_FOUND:
            raise
        messages.error(request, str(error.message))
        return _back(request, "requests")
    other = introduction.asked_by
    if answer == "accept":
        messages.success(
            request,
            _("You and %(name)s are introduced: a conversation is open.")
            % {"name": other.display_name},
        )
        return _back(request, "introduced")
    messages.success(request, _("Declined. %(name)s is not told.") % {"name": other.display_name})
    return _back(request, "requests")


@login_required
def team(request: HttpRequest) -> HttpResponse:
    """``?skills=<slug>&skills=<slug>``: a small team covering them. A plain GET form, so
    a suggestion is a link to share; without skills, the empty form."""
    member = signed_in_member(request)
    if not may_see_members(member):
        raise OfficinaError(_("Page not found."), ErrorCode.NOT_FOUND)
    form = TeamForm(request.GET if "skills" in request.GET else None)
    suggestion = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            suggestion = suggest_team(member, [skill.pk for skill in form.cleaned_data["skills"]])
        else:
            status = 400
    return render(
        request, "matchmaking/team.html", {"form": form, "team": suggestion}, status=status
    )
