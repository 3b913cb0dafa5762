"""The one place where an :class:`OfficinaError` becomes an answer.

Views let the errors of access helpers and actions through; this middleware answers
them by their code: "not found" (which is also "not yours to see") is the site's 404
page, any other code a page with the message and the code's status, and a fetch call
that asks for JSON gets the error's JSON shape, the one the API speaks too. A view
catches an ``OfficinaError`` only to answer differently: show it on the form that was
sent (:mod:`officina.core.form_errors`), or as a message on the page a button is on
(docs/architecture.md lists the cases).
"""

from __future__ import annotations

from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin

from .errors import ErrorCode, OfficinaError


def wants_json(request: HttpRequest) -> bool:
    """Whether the caller is a script asking for JSON rather than a page."""
    return "application/json" in request.headers.get("Accept", "")


def error_response(request: HttpRequest, error: OfficinaError) -> HttpResponse:
    if wants_json(request):
        return JsonResponse(error.as_dict(), status=error.http_status)
    if error.code == ErrorCode.NOT_FOUND:
        # Django's own 404 answer (handler404, or the debug page), as for an unknown address.
        return response_for_exception(request, Http404(str(error.message)))
    return render(request, "core/error.html", {"error": error}, status=error.http_status)


class OfficinaErrorMiddleware(MiddlewareMixin):
    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OfficinaError):
            return error_response(request, exception)
        return None
