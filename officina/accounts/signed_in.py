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
    return signed_in_member_of(request.user)


def signed_in_member_of(user: object) -> Member:
    """The member ``user`` is; an async view's ``await request.auser()`` is narrowed here."""
    if isinstance(user, Member):
        return user
    raise OfficinaError(_("Log in to see this page."), ErrorCode.UNAUTHORIZED)
