"""A signed-in member's pages speak the member's language, on every device.

LocaleMiddleware decides from the language cookie and the browser; a member who
chose a language (in Settings or with the header switch, which store the same
field) gets it here even on a browser whose cookie still says otherwise. A member
who chose none follows the browser, as visitors do.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation


def member_language_middleware(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        user = request.user
        language = getattr(user, "language", "") if user.is_authenticated else ""
        if language and language != request.LANGUAGE_CODE:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return get_response(request)

    return middleware
