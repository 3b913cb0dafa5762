"""Project guests see their projects and nothing else of the community.

A guest (``Member.is_guest``: a client, a supplier's person, invited to a project from
outside the coworking) is signed in like a member, so every ``login_required`` page
would let them in. This middleware closes all of them at once, the way a firewall does:
a guest reaches only the pages listed here — the projects app, their own notifications
(which point into their projects), signing in and out, their password and the language —
and gets "not found" anywhere else, on pages added later too. The API does the same
through its authentication: only the projects' routes admit guests
(``officina.api.auth.project_api_auth``); this middleware also refuses any other API
path to a guest's session before the API runs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from officina.accounts.selectors import is_project_guest
from officina.core.errors import ErrorCode

OPEN_TO_GUESTS_NAMESPACES = frozenset({"projects", "notifications"})
OPEN_TO_GUESTS_URL_NAMES = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:password_change",
        "accounts:password_reset",
        "accounts:password_reset_done",
        "accounts:password_reset_confirm",
        "accounts:password_reset_complete",
        "accounts:language",
    }
)
API_PREFIX = "/api/"
PROJECTS_API_PREFIX = "/api/projects"


def open_to_guests(path: str) -> bool:
    """Whether a project guest may reach ``path``."""
    if path.startswith(API_PREFIX):
        return path == PROJECTS_API_PREFIX or path.startswith(f"{PROJECTS_API_PREFIX}/")
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return (
        match.namespace in OPEN_TO_GUESTS_NAMESPACES or match.view_name in OPEN_TO_GUESTS_URL_NAMES
    )


def guest_boundary_middleware(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        if not is_project_guest(request.user) or open_to_guests(request.path_info):
            return get_response(request)
        if request.path_info == "/":
            # The home page of a guest is their projects.
            return redirect("projects:list")
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse(
                {"code": str(ErrorCode.NOT_FOUND), "message": _("Not found.")}, status=404
            )
        raise Http404

    return middleware
