"""How the API knows who is calling: a bearer token, or the browser session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from officina.accounts.selectors import may_see_members
from officina.api.actions import do_mark_api_token_used
from officina.api.selectors import active_api_token_for


def _admitted(user: Any, *, project_guests: bool) -> bool:
    """Members; project guests too where ``project_guests`` (the projects' routes only)."""
    if project_guests:
        return bool(user.is_authenticated and user.is_active)
    return may_see_members(user)


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer off_…`` with a token made on the API tokens page."""

    def __init__(self, *, project_guests: bool = False) -> None:
        super().__init__()
        self.project_guests = project_guests

    def __call__(self, request: HttpRequest) -> Any:
        # ninja's own parsing logs any other scheme's header verbatim (Basic carries a
        # password): another scheme is simply not ours, and nothing of it is logged.
        scheme, _space, token = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != self.openapi_scheme or not token:
            return None
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = active_api_token_for(token)
        if api_token is None or not _admitted(api_token.member, project_guests=self.project_guests):
            return None
        do_mark_api_token_used(api_token)
        # Views read request.user whichever way the caller signed in.
        request.user = api_token.member
        return api_token.member


class MemberSessionAuth(SessionAuth):
    """The signed-in browser session; writes need its CSRF token, as any form does."""

    def __init__(self, *, project_guests: bool = False) -> None:
        super().__init__()
        self.project_guests = project_guests

    def __call__(self, request: HttpRequest) -> Any:
        user = request.user
        if not _admitted(user, project_guests=self.project_guests):
            # No session is no credential at all: 401, never a CSRF complaint. A project
            # guest's session is none either, but on the projects' routes.
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, _("The CSRF token is missing or wrong."))
        return user


# The community's API is for members; project guests reach the projects' routes only.
api_auth = [ApiTokenAuth(), MemberSessionAuth()]
project_api_auth = [
    ApiTokenAuth(project_guests=True),
    MemberSessionAuth(project_guests=True),
]
