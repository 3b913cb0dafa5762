"""A signed-in member's pages speak the member's language and show the member's clock,
on every device.

LocaleMiddleware decides the language from the cookie and the browser; a member who
chose a language (in Settings or with the header switch, which store the same field)
gets it here even on a browser whose cookie still says otherwise, and a member who chose
a time zone reads every time in it. Without a choice: the browser's language, the
community's time zone (settings.TIME_ZONE), as for visitors.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


def member_zone(member: object) -> ZoneInfo | None:
    """The member's chosen time zone, or None for the community's."""
    name = getattr(member, "time_zone", "")
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):  # a zone this Python no longer knows
        return None


def member_locale_middleware(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        user = request.user
        language = getattr(user, "language", "") if user.is_authenticated else ""
        if language and language != request.LANGUAGE_CODE:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        zone = member_zone(user) if user.is_authenticated else None
        # For this request only: the thread serves other requests (and, in tests, other
        # code) afterwards, which must not read times on this member's clock.
        with timezone.override(zone):
            return get_response(request)

    return middleware
