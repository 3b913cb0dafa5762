"""Matchmaking pages and buttons: inviting a suggested expert to answer a question."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from officina.accounts.selectors import visible_member_by_id
from officina.accounts.signed_in import signed_in_member
from officina.core.errors import ErrorCode, OfficinaError
from officina.knowledge.access import access_question_by_id
from officina.matchmaking.actions import check_invite_to_answer


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
