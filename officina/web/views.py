"""Home: a landing page for visitors, a dashboard for members."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.static import serve

from officina.accounts import selectors as account_selectors
from officina.accounts.signed_in import signed_in_member
from officina.events import selectors as event_selectors
from officina.presence import selectors as presence_selectors


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "web/home.html", {"spaces": account_selectors.spaces_by_kind()})
    user = signed_in_member(request)
    roles = account_selectors.member_space_roles(user)
    my_spaces = list(account_selectors.spaces_by_kind().filter(pk__in=roles))
    space_ids = [space.pk for space in my_spaces]
    counts = presence_selectors.presence_counts(user, space_ids)
    present = presence_selectors.present_in_spaces(user, space_ids)
    context = {
        "current": presence_selectors.current_check_in(user),
        "spaces": [
            {
                "space": space,
                "role": roles[space.pk],
                "count": counts.get(space.pk, 0),
                "people": present.get(space.pk, []),
            }
            for space in my_spaces
        ],
        "my_events": event_selectors.my_upcoming_events(user),
        "upcoming": list(event_selectors.upcoming_events(user)[:5]),
        "companies": account_selectors.member_companies(user),
    }
    return render(request, "web/dashboard.html", context)


def company_logo(request: HttpRequest, path: str) -> FileResponse:
    """A company's logo, from MEDIA_ROOT as it is now (read per request, not when the URLs
    were loaded: a changed setting is followed)."""
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))
