"""How the API knows who is calling: a bearer token, or the browser session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from officina.api.actions import do_mark_api_token_used
from officina.api.selectors import active_api_token_for


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer off_…`` with a token made on the API tokens page."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = active_api_token_for(token)
        if api_token is None:
            return None
        do_mark_api_token_used(api_token)
        # Views read request.user whichever way the caller signed in.
        request.user = api_token.member
        return api_token.member


class MemberSessionAuth(SessionAuth):
    """The signed-in browser session; ninja checks the CSRF token on writes."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if user.is_authenticated and user.is_active:
            return user
        return None


api_auth = [ApiTokenAuth(), MemberSessionAuth()]
