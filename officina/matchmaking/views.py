"""Matchmaking pages and buttons: inviting a suggested expert to answer a question, a
team for a set of skills."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from officina.accounts.selectors import may_see_members, visible_member_by_id
from officina.accounts.signed_in import signed_in_member
from officina.core.errors import ErrorCode, OfficinaError
from officina.knowledge.access import access_question_by_id
from officina.matchmaking.actions import check_invite_to_answer
from officina.matchmaking.forms import TeamForm
from officina.matchmaking.teams import suggest_team


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
