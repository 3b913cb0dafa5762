"""The member behind a request, typed as one: the narrowing from ``request.user`` lives here."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from officina.core.errors import ErrorCode, OfficinaError

from .models import Member


def signed_in_member(request: HttpRequest) -> Member:
    """The signed-in member of a members-only page.

    Views call it behind ``login_required``; reaching it signed out means a view lost
    that decorator, and the answer is then a 401 rather than a page for nobody.
    """
    user = request.user
    if isinstance(user, Member):
        return user
    raise OfficinaError(_("Log in to see this page."), ErrorCode.UNAUTHORIZED)
